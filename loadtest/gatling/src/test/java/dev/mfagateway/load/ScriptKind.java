package dev.mfagateway.load;

/** What kind of token an automation script presents: the mix a partner's scripts send through the gateway. */
public enum ScriptKind {
  /** App+user token whose `amr` proves MFA: what every script should send. */
  MFA_USER("mfa-user"),
  /** App+user token signed in with a password only. */
  USER_WITHOUT_MFA("user-without-mfa"),
  /** App-only token of an ordinary (non-CPV) app. */
  APP_ONLY("app-only"),
  /** App-only token of a Control Panel Vendor app, which must use app+user tokens instead. */
  CPV_APP_ONLY("cpv-app-only");

  private final String label;

  ScriptKind(String label) {
    this.label = label;
  }

  /** The Gatling group the kind's requests are reported under. */
  public String label() {
    return label;
  }
}
