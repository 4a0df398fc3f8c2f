package dev.mfagateway.proxy;

import dev.mfagateway.Gateway;
import dev.mfagateway.auth.Authenticator;
import dev.mfagateway.config.GatewayConfig;
import dev.mfagateway.telemetry.AuditLog;
import dev.mfagateway.telemetry.GatewayMetrics;
import io.micrometer.core.instrument.Clock;
import dev.mfagateway.testing.TestIssuer;
import java.time.Instant;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;

/** A started gateway in front of one {@link RecordingUpstream}, with raw-socket clients. */
final class TestGateway implements AutoCloseable {
  final RecordingUpstream upstream;
  final GatewayServer server;
  private final Authenticator authenticator;
  private final GatewayMetrics metrics;

  private TestGateway(
      RecordingUpstream upstream, GatewayServer server, Authenticator authenticator, GatewayMetrics metrics) {
    this.upstream = upstream;
    this.server = server;
    this.authenticator = authenticator;
    this.metrics = metrics;
  }

  /** One issuer (real JWKS over HTTP) for every gateway of the test run. */
  static final TestIssuer ISSUER = TestIssuer.start();

  private static final String VALID_AUTHORIZATION = "Bearer " + ISSUER.mint(TestIssuer.userClaims(Instant.now()));

  /** The one place tests take a token from: an MFA user token of an allowed tenant, signed by {@link #ISSUER}. */
  static String validAuthorization() {
    return VALID_AUTHORIZATION;
  }

  /** A gateway routing `/` to a new plain-HTTP recording upstream. */
  static TestGateway start() throws Exception {
    return start(new TestConfig());
  }

  /** A gateway with {@code config}, plus a route `/` to a new plain-HTTP recording upstream. */
  static TestGateway start(TestConfig config) throws Exception {
    RecordingUpstream upstream = new RecordingUpstream();
    config.route("/", upstream.uri());
    return start(config, upstream);
  }

  /** A gateway with {@code config} as given (routes included) in front of {@code upstream}. */
  static TestGateway start(TestConfig config, RecordingUpstream upstream)
      throws IOException, GeneralSecurityException, InterruptedException {
    GatewayConfig built = config.build(ISSUER.jwksUri());
    GatewayMetrics metrics = Gateway.newMetrics(built, Clock.SYSTEM);
    Authenticator authenticator = Authenticator.create(built.auth(), metrics::tokenValidation);
    authenticator.signingKeys().start().toCompletableFuture().join();
    GatewayServer server =
        new GatewayServer(built, authenticator, metrics, new AuditLog(AuditLog.AccessLog.valueOf(
            built.logging().accessLog().name())));
    server.start();
    return new TestGateway(upstream, server, authenticator, metrics);
  }

  InetSocketAddress address() {
    return server.address();
  }

  RawClient client() throws IOException {
    return new RawClient(address());
  }

  /** A well-formed request with a valid token and the given extra header lines (each ending in CRLF). */
  static String get(String target, String extraHeaders) {
    return "GET " + target + " HTTP/1.1\r\nHost: gw.test\r\nAuthorization: " + validAuthorization() + "\r\n"
        + extraHeaders + "\r\n";
  }

  static String get(String target) {
    return get(target, "");
  }

  @Override
  public void close() throws Exception {
    server.shutdown();
    upstream.close();
    authenticator.signingKeys().close();
    metrics.close();
  }
}
