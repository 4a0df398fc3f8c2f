package dev.mfagateway.auth;

/** What happens to the request. The metric label is {@link #label()}. */
public enum Verdict {
  ALLOW("allow"),
  DENY("deny"),
  /** Report-only: the rules would refuse it, but it is forwarded. */
  WOULD_DENY("would_deny");

  private final String label;

  Verdict(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  public boolean forwards() {
    return this != DENY;
  }
}
