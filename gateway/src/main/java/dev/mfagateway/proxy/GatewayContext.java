package dev.mfagateway.proxy;

import dev.mfagateway.compliance.ComplianceReport;
import dev.mfagateway.config.GatewayConfig;
import dev.mfagateway.telemetry.AuditLog;
import dev.mfagateway.telemetry.GatewayMetrics;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What every client connection of one gateway shares. {@code config} is the configuration the gateway started with,
 * for the settings read at start only (limits, upstream timeouts); routes and the verdict come from the
 * {@link #current()} snapshot, which a reload replaces.
 */
record GatewayContext(
    GatewayConfig config,
    Supplier<ConfigSnapshot> snapshots,
    UpstreamConnections upstreams,
    GatewayMetrics metrics,
    AuditLog audit,
    ComplianceReport compliance,
    boolean clientTls,
    BooleanSupplier drainingFlag) {

  /** User event fired on every client connection when the gateway starts draining. */
  enum Drain { INSTANCE }

  /** The snapshot of the configuration applied now; read it once per request. */
  ConfigSnapshot current() {
    return snapshots.get();
  }

  boolean draining() {
    return drainingFlag.getAsBoolean();
  }
}
