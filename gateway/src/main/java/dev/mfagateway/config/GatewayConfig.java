package dev.mfagateway.config;

import java.util.List;

/** The whole, validated configuration: `gateway { … }` of SPEC §3. Plain data; built only by {@link ConfigLoader}. */
public record GatewayConfig(
    Listener listen,
    Endpoint admin,
    Mode mode,
    List<RouteConfig> routes,
    AuthConfig auth,
    UpstreamConfig upstream,
    Limits limits,
    ServerConfig server,
    ComplianceConfig compliance,
    LoggingConfig logging) {

  public GatewayConfig {
    routes = List.copyOf(routes);
  }
}
