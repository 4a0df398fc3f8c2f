package dev.mfagateway.auth;

/**
 * Told how long each token validation took, and whether the verified-token cache answered it (for telemetry). Called
 * once per request whose token reached the cache lookup, on the thread that completes the verdict; must not block.
 */
@FunctionalInterface
public interface ValidationRecorder {
  ValidationRecorder NONE = (cacheHit, nanos) -> {};

  void validated(boolean cacheHit, long nanos);
}
