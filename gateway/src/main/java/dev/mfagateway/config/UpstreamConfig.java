package dev.mfagateway.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * `gateway.upstream`: timeouts, an extra trusted CA, and the keep-alive pool per upstream
 * (`pool.max-connections` per upstream, `pool.idle-timeout` before an unused connection is closed).
 */
public record UpstreamConfig(
    Duration connectTimeout,
    Duration responseTimeout,
    Duration idleTimeout,
    Optional<Path> caFile,
    int poolMaxConnections,
    Duration poolIdleTimeout) {}
