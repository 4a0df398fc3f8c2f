package dev.mfagateway.load;

/**
 * The gateway's routes under load, each with the request a script sends on it and the verdict SPEC §3/§4 give for each
 * {@link ScriptKind} there.
 */
public enum LoadRoute {
  /** Partner Center: enforce, MFA required, app-only tokens of ordinary apps allowed. */
  PARTNER_CENTER("partner-center", "/v1/", "/v1/customers?size=100", "https://api.partnercenter.microsoft.com",
      false, true, ""),
  /** Microsoft Graph: report-only while the partner rolls out, signature left to Graph (claims-only). */
  GRAPH("graph", "/v1.0/", "/v1.0/users", "https://graph.microsoft.com", true, true,
      "mode = report-only, signature = claims-only"),
  /** Azure Resource Manager: enforce, and no app-only tokens at all. */
  ARM("arm", "/subscriptions/",
      "/subscriptions/3f2c8a1e-7b4d-4c6e-9a0f-5d1b2e3c4f5a/resourceGroups?api-version=2021-04-01",
      "https://management.azure.com/", false, false, "allow-app-only = false");

  private final String label;
  private final String pathPrefix;
  private final String requestPath;
  private final String audience;
  private final boolean reportOnly;
  private final boolean allowAppOnly;
  private final String settings;

  LoadRoute(String label, String pathPrefix, String requestPath, String audience, boolean reportOnly,
      boolean allowAppOnly, String settings) {
    this.label = label;
    this.pathPrefix = pathPrefix;
    this.requestPath = requestPath;
    this.audience = audience;
    this.reportOnly = reportOnly;
    this.allowAppOnly = allowAppOnly;
    this.settings = settings;
  }

  /** The route's name in the gateway's configuration, and the request's name in the Gatling report. */
  public String label() {
    return label;
  }

  public String requestPath() {
    return requestPath;
  }

  /** The `aud` of the tokens a script gets for this API. */
  public String audience() {
    return audience;
  }

  /** The route's entry in `gateway.routes`. */
  public String config(String upstream) {
    return "{ name = %s, path-prefix = \"%s\", upstream = \"%s\", audiences = [\"%s\"]%s }"
        .formatted(label, pathPrefix, upstream, audience, settings.isEmpty() ? "" : ", " + settings);
  }

  /** What a token of {@code kind} gets here. */
  public Outcome expected(ScriptKind kind) {
    Outcome verdict = switch (kind) {
      case MFA_USER -> Outcome.FORWARDED;
      case USER_WITHOUT_MFA -> Outcome.refused(401, "mfa_required");
      case APP_ONLY -> allowAppOnly ? Outcome.FORWARDED : Outcome.refused(403, "app_only_not_allowed");
      case CPV_APP_ONLY -> Outcome.refused(403, "app_only_not_allowed");
    };
    return reportOnly ? Outcome.FORWARDED : verdict;
  }

  /** Name of a per-route session attribute, e.g. {@code partner_center_token}. */
  public String key(String what) {
    return name().toLowerCase(java.util.Locale.ROOT) + "_" + what;
  }
}
