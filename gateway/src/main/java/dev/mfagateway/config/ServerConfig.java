package dev.mfagateway.config;

import java.time.Duration;

/** `gateway.server`: event-loop threads (0 = one per core) and the drain grace period on SIGTERM. */
public record ServerConfig(int eventLoopThreads, Duration shutdownGrace) {}
