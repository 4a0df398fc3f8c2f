package dev.mfagateway.auth;

import dev.mfagateway.config.AuthConfig;
import dev.mfagateway.config.RouteConfig;
import java.util.List;
import java.util.Optional;

/**
 * The partner security rules on a verified token, in SPEC §8's order: tenant (403) → token kind (403) → MFA (401).
 * App-only means `idtyp` is `app` or `scp` is absent or blank; a CPV app (by `appid` or `azp`) may never call
 * app-only; other app-only tokens pass where the route allows them; user tokens need `amr` to be a JSON array holding
 * one of `mfa-values` exactly, when the route requires MFA.
 */
public final class AccessPolicy {
  private final AuthConfig config;

  public AccessPolicy(AuthConfig config) {
    this.config = config;
  }

  /** The decision on {@code token} for {@code route}, attributed as a call of {@code kind} (null: not attributed). */
  public Decision decide(VerifiedToken token, RouteConfig route, CallKind kind) {
    Optional<Decision> refusal = checkTenant(token);
    if (refusal.isEmpty()) {
      refusal = checkTokenKind(token, route);
    }
    if (refusal.isEmpty()) {
      refusal = checkMfa(token, route);
    }
    return refusal.isPresent() ? refusal.get().attributedAs(kind) : Decision.allow(token.identity(), kind);
  }

  /** The kind of call, whatever the route requires: MFA counts as proven only as {@link #checkMfa} would accept it. */
  public CallKind kindOf(VerifiedToken token) {
    if (token.appOnly()) {
      return isCpvApp(token.appIdsLowerCase()) ? CallKind.CPV_APP_ONLY : CallKind.APP_ONLY;
    }
    VerifiedToken.Amr amr = token.amr();
    return amr.form() == VerifiedToken.Amr.Form.ARRAY && provesMfa(amr.methods())
        ? CallKind.USER_MFA
        : CallKind.USER_NO_MFA;
  }

  public boolean tenantAllowed(VerifiedToken token) {
    return config.allowedTenants().contains(token.tenantLowerCase());
  }

  public Optional<Decision> checkTenant(VerifiedToken token) {
    if (tenantAllowed(token)) {
      return Optional.empty();
    }
    return Optional.of(Decision.deny(Reason.TENANT_NOT_ALLOWED,
        "token tenant (tid) is not in allowed-tenants: this gateway serves only the partner's own tenants",
        token.identity()));
  }

  public Optional<Decision> checkTokenKind(VerifiedToken token, RouteConfig route) {
    if (!token.appOnly()) {
      return Optional.empty();
    }
    if (isCpvApp(token.appIdsLowerCase())) {
      return Optional.of(Decision.deny(Reason.APP_ONLY_NOT_ALLOWED,
          "app-only tokens of Control Panel Vendor apps are refused: use an app+user token with MFA"
              + " (Secure Application Model)",
          token.identity()));
    }
    if (!route.allowAppOnly()) {
      return Optional.of(Decision.deny(Reason.APP_ONLY_NOT_ALLOWED,
          "app-only tokens are not allowed on this route: use an app+user token with MFA", token.identity()));
    }
    return Optional.empty();
  }

  private boolean isCpvApp(List<String> appIdsLowerCase) {
    for (String appId : appIdsLowerCase) {
      if (config.cpvAppIds().contains(appId)) {
        return true;
      }
    }
    return false;
  }

  /** App-only tokens carry no user sign-in, so MFA applies to user tokens only. */
  public Optional<Decision> checkMfa(VerifiedToken token, RouteConfig route) {
    if (token.appOnly() || !route.requireMfa()) {
      return Optional.empty();
    }
    VerifiedToken.Amr amr = token.amr();
    String problem =
        switch (amr.form()) {
          case ABSENT -> "token has no amr claim (v2.0 tokens carry none), so it does not prove MFA:"
              + " acquire a v1.0 token with an MFA sign-in (Secure Application Model)";
          case NOT_AN_ARRAY -> "token amr claim is not a JSON array, so it does not prove MFA:"
              + " acquire the token with an MFA sign-in (Secure Application Model)";
          case ARRAY -> provesMfa(amr.methods()) ? null
              : "token has no MFA claim (amr holds none of " + String.join(", ", config.mfaValues())
                  + "): acquire it with an MFA sign-in (Secure Application Model)";
        };
    return problem == null
        ? Optional.empty()
        : Optional.of(Decision.deny(Reason.MFA_REQUIRED, problem, token.identity()));
  }

  /** Exact comparison, no case folding or Unicode normalisation (SPEC §4). */
  private boolean provesMfa(List<String> methods) {
    for (int i = 0; i < methods.size(); i++) { // indexed: no iterator per request
      if (config.mfaValues().contains(methods.get(i))) {
        return true;
      }
    }
    return false;
  }
}
