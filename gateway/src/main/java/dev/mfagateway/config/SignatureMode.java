package dev.mfagateway.config;

/** `verify` checks the signature against the JWKS; `claims-only` leaves it to the upstream (Graph tokens). */
public enum SignatureMode {
  VERIFY("verify"),
  CLAIMS_ONLY("claims-only");

  private final String configName;

  SignatureMode(String configName) {
    this.configName = configName;
  }

  public String configName() {
    return configName;
  }
}
