package dev.mfagateway.telemetry;

/** The `outcome` label of `mfa_gateway_jwks_fetches_total`. */
public enum JwksFetchOutcome {
  /** Keys received and in use. */
  SUCCESS("success"),
  /** Connection failure or a non-200 status. */
  UNREACHABLE("unreachable"),
  /** No complete answer within `auth.jwks-fetch-timeout`. */
  TIMEOUT("timeout"),
  /** An answer that was unparsable, empty (`{"keys":[]}`) or over the size limit; the last good keys stay. */
  INVALID("invalid");

  private final String label;

  JwksFetchOutcome(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
