package dev.mfagateway.auth;

/**
 * The verdict on one request: the {@link Verdict}, the {@link Reason} (`ok` on an allow; on a `would_deny` the reason
 * the rules would have refused), a description a script author can act on (never token material), who the token
 * speaks for when that is known, and the {@link CallKind} when the call can be attributed to its tenant and app —
 * the token passed the signature, issuer and lifetime checks — and null otherwise (SPEC §7: a forged token never
 * counts as a tenant's call).
 */
public record Decision(Verdict verdict, Reason reason, String description, TokenIdentity identity, CallKind kind) {

  /** An allow has reason `ok` and nothing else does: the decision metric has series only for those pairs. */
  public Decision {
    if ((verdict == Verdict.ALLOW) != (reason == Reason.OK)) {
      throw new IllegalArgumentException("decision " + verdict.label() + " cannot have reason " + reason.wireName());
    }
  }

  public static Decision allow(TokenIdentity identity, CallKind kind) {
    return new Decision(Verdict.ALLOW, Reason.OK, "", identity, kind);
  }

  public static Decision deny(Reason reason, String description) {
    return new Decision(Verdict.DENY, reason, description, TokenIdentity.UNKNOWN, null);
  }

  public static Decision deny(Reason reason, String description, TokenIdentity identity) {
    return new Decision(Verdict.DENY, reason, description, identity, null);
  }

  /** Whether the call counts for its tenant and app in the compliance report. */
  public boolean attributed() {
    return kind != null;
  }

  /** The same decision, counted for the token's tenant and app as a call of {@code callKind} (null: not at all). */
  public Decision attributedAs(CallKind callKind) {
    return callKind == kind ? this : new Decision(verdict, reason, description, identity, callKind);
  }

  /** The same decision as recorded in report-only mode: a deny becomes a `would_deny`. */
  public Decision reportOnly() {
    return verdict == Verdict.DENY ? new Decision(Verdict.WOULD_DENY, reason, description, identity, kind) : this;
  }
}
