package dev.mfagateway.auth;

/**
 * The verdict on one request: the {@link Verdict}, the {@link Reason} (`ok` on an allow; on a `would_deny` the reason
 * the rules would have refused), a description a script author can act on (never token material), and who the token
 * speaks for when that is known.
 */
public record Decision(Verdict verdict, Reason reason, String description, TokenIdentity identity) {

  /** An allow has reason `ok` and nothing else does: the decision metric has series only for those pairs. */
  public Decision {
    if ((verdict == Verdict.ALLOW) != (reason == Reason.OK)) {
      throw new IllegalArgumentException("decision " + verdict.label() + " cannot have reason " + reason.wireName());
    }
  }

  public static Decision allow(TokenIdentity identity) {
    return new Decision(Verdict.ALLOW, Reason.OK, "", identity);
  }

  public static Decision deny(Reason reason, String description) {
    return new Decision(Verdict.DENY, reason, description, TokenIdentity.UNKNOWN);
  }

  public static Decision deny(Reason reason, String description, TokenIdentity identity) {
    return new Decision(Verdict.DENY, reason, description, identity);
  }

  /** The same decision as recorded in report-only mode: a deny becomes a `would_deny`. */
  public Decision reportOnly() {
    return verdict == Verdict.DENY ? new Decision(Verdict.WOULD_DENY, reason, description, identity) : this;
  }
}
