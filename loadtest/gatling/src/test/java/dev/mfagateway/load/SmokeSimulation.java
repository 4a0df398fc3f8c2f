package dev.mfagateway.load;

import java.time.Duration;

/**
 * What {@code ./mvnw verify} runs: 40 scripts (30 with MFA user tokens, 5 user tokens without MFA, 4 app-only, 1 CPV
 * app-only), ramped up over 5 s to 30 script runs/s (90 requests/s), held for 10 s. Bounds over all requests:
 * p50 under 25 ms, p95 under 200 ms, p99 under 500 ms; each kind and route sees only a few dozen requests, so its p99
 * is nearly its maximum and gets a second (one pause of a shared machine must not fail the build).
 */
public class SmokeSimulation extends GatewayMixSimulation {
  public SmokeSimulation() {
    super(new LoadShape(new ScriptPopulation(30, 5, 4, 1), 30, Duration.ofSeconds(5), Duration.ofSeconds(10),
        25, 200, 500, 1000));
  }
}
