package dev.mfagateway.proxy;

import dev.mfagateway.auth.Authenticator;
import dev.mfagateway.compliance.ComplianceReport;
import dev.mfagateway.config.GatewayConfig;
import dev.mfagateway.telemetry.AuditLog;
import dev.mfagateway.telemetry.GatewayMetrics;
import java.util.function.BooleanSupplier;

/** What every client connection of one gateway shares. */
record GatewayContext(
    GatewayConfig config,
    Routes routes,
    Authenticator authenticator,
    UpstreamPool upstreams,
    GatewayMetrics metrics,
    AuditLog audit,
    ComplianceReport compliance,
    boolean clientTls,
    BooleanSupplier drainingFlag) {

  /** User event fired on every client connection when the gateway starts draining. */
  enum Drain { INSTANCE }

  boolean draining() {
    return drainingFlag.getAsBoolean();
  }
}
