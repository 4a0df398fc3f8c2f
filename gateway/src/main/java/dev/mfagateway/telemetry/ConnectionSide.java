package dev.mfagateway.telemetry;

/** The `side` label of `mfa_gateway_connections`. */
public enum ConnectionSide {
  CLIENT("client"),
  UPSTREAM("upstream");

  private final String label;

  ConnectionSide(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
