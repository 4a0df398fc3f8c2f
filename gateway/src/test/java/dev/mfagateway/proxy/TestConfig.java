package dev.mfagateway.proxy;

import dev.mfagateway.config.AuthConfig;
import dev.mfagateway.config.ComplianceConfig;
import dev.mfagateway.config.Endpoint;
import dev.mfagateway.config.GatewayConfig;
import dev.mfagateway.config.Limits;
import dev.mfagateway.config.Listener;
import dev.mfagateway.config.LoggingConfig;
import dev.mfagateway.config.Mode;
import dev.mfagateway.config.RouteConfig;
import dev.mfagateway.config.ServerConfig;
import dev.mfagateway.config.SignatureMode;
import dev.mfagateway.config.TlsFiles;
import dev.mfagateway.config.UpstreamConfig;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Builds {@link GatewayConfig} records directly, so a test can set any field without writing HOCON: loopback, port 0,
 * SPEC §8 limits, short timeouts where a test waits on them. Fields are set by the tests before {@link #build(URI)}.
 */
final class TestConfig {
  final List<RouteConfig> routes = new ArrayList<>();
  Optional<TlsFiles> listenerTls = Optional.empty();
  int maxInitialLine = 8 * 1024;
  int maxHeaderSize = 32 * 1024;
  Duration headerTimeout = Duration.ofSeconds(10);
  Duration idleTimeout = Duration.ofSeconds(60);
  int maxConnections = 10_000;
  Duration connectTimeout = Duration.ofSeconds(5);
  Duration responseTimeout = Duration.ofSeconds(60);
  Duration upstreamIdleTimeout = Duration.ofSeconds(60);
  Optional<Path> caFile = Optional.empty();
  int poolMaxConnections = 64;
  Duration poolIdleTimeout = Duration.ofSeconds(30);
  int eventLoopThreads = 2;
  Duration shutdownGrace = Duration.ofSeconds(10);

  /** Adds a route named after its prefix, enforcing, with one audience. */
  TestConfig route(String pathPrefix, URI upstream) {
    routes.add(
        new RouteConfig(
            "route" + routes.size(), pathPrefix, upstream, List.of(TestIssuer.AUDIENCE), Mode.ENFORCE, true, true,
            SignatureMode.VERIFY));
    return this;
  }

  /** Adds a report-only route: refusals are recorded as `would_deny` and the request is forwarded. */
  TestConfig reportOnlyRoute(String pathPrefix, URI upstream) {
    routes.add(
        new RouteConfig(
            "route" + routes.size(), pathPrefix, upstream, List.of(TestIssuer.AUDIENCE), Mode.REPORT_ONLY, true, true,
            SignatureMode.VERIFY));
    return this;
  }

  /** The configuration, with signing keys from {@code jwksUri} and the test issuer's tenant allowed. */
  GatewayConfig build(URI jwksUri) {
    AuthConfig auth = TestConfigs.auth(jwksUri);
    return new GatewayConfig(
        new Listener("127.0.0.1", 0, listenerTls),
        new Endpoint("127.0.0.1", 0),
        Mode.ENFORCE,
        routes,
        auth,
        new UpstreamConfig(
            connectTimeout, responseTimeout, upstreamIdleTimeout, caFile, poolMaxConnections, poolIdleTimeout),
        new Limits(maxInitialLine, maxHeaderSize, headerTimeout, idleTimeout, maxConnections),
        new ServerConfig(eventLoopThreads, shutdownGrace),
        new ComplianceConfig(100, ComplianceConfig.Users.OFF, Optional.empty(), Optional.empty(),
            ComplianceConfig.ExportSeries.TENANTS),
        new LoggingConfig(LoggingConfig.AccessLog.OFF));
  }
}
