package dev.mfagateway.config;

import java.time.Duration;

/** `gateway.limits` (SPEC §8). Sizes in bytes. */
public record Limits(
    int maxInitialLine, int maxHeaderSize, Duration headerTimeout, Duration idleTimeout, int maxConnections) {}
