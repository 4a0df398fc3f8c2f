package dev.mfagateway.load;

import java.time.Duration;

/**
 * How hard a simulation pushes and what it demands: the script population, script runs started per second (each run
 * sends one request per {@link LoadRoute}) ramped up from 1 over {@code rampUp} then held for {@code steady}, and the
 * response-time bounds in milliseconds: percentiles over all requests, and the 99th percentile of each kind and route.
 */
public record LoadShape(ScriptPopulation population, double runsPerSecond, Duration rampUp, Duration steady,
    int p50Millis, int p95Millis, int p99Millis, int perRouteP99Millis) {}
