package dev.mfagateway.auth;

/**
 * What kind of call a token makes, as the compliance report counts it: a user token that proved MFA, a user token
 * that did not (whatever the route requires), an app-only token, or an app-only token of a Control Panel Vendor app.
 */
public enum CallKind {
  USER_MFA("user_mfa"),
  USER_NO_MFA("user_no_mfa"),
  APP_ONLY("app_only"),
  CPV_APP_ONLY("cpv_app_only");

  private final String label;

  CallKind(String label) {
    this.label = label;
  }

  /** The name in the report and the `kind` label of `mfa_gateway_compliance_calls_total`. */
  public String label() {
    return label;
  }

  public boolean appOnly() {
    return this == APP_ONLY || this == CPV_APP_ONLY;
  }
}
