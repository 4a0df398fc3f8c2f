package dev.mfagateway.load;

import java.time.Duration;

/**
 * The full run (loadtest/README.md): 400 scripts (320 with MFA user tokens, 40 user tokens without MFA, 39 app-only,
 * 1 CPV app-only), ramped up over 60 s to 200 script runs/s (600 requests/s), held for 180 s. Bounds: p50 under
 * 25 ms, p95 under 200 ms, p99 under 500 ms, over all requests and for each kind and route.
 */
public class FullMixSimulation extends GatewayMixSimulation {
  public FullMixSimulation() {
    super(new LoadShape(new ScriptPopulation(320, 40, 39, 1), 200, Duration.ofSeconds(60), Duration.ofSeconds(180),
        25, 200, 500, 500));
  }
}
