package dev.mfagateway.fuzz;

import com.code_intelligence.jazzer.api.BugDetectors;

/**
 * Tells Jazzer's SSRF detector that connections to the test's own loopback JWKS are expected: fetching the configured
 * JWKS, also when a token names an unknown kid, is the gateway's job. Called from inside a fuzz test, where the detector
 * exists; replaying inputs without Jazzer's agent has no detector to tell.
 */
final class JwksConnections {
  private JwksConnections() {}

  static void allow(int jwksPort) {
    try {
      BugDetectors.allowNetworkConnections((host, port) -> port == jwksPort);
    } catch (IllegalStateException noDetector) {
      // Regression mode without the agent: nothing watches connections.
    }
  }
}
