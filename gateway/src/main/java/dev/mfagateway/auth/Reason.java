package dev.mfagateway.auth;

/**
 * The one stable set of reasons (SPEC §8), shared by the response body, the `reason` metric label and the audit log.
 * Each knows its HTTP status and the `error` code of its `WWW-Authenticate` challenge (null when it has none).
 */
public enum Reason {
  OK("ok", 200, null),
  MISSING_TOKEN("missing_token", 401, null),
  MALFORMED_REQUEST("malformed_request", 400, "invalid_request"),
  MALFORMED_TOKEN("malformed_token", 401, "invalid_token"),
  ALGORITHM_NOT_ALLOWED("algorithm_not_allowed", 401, "invalid_token"),
  UNKNOWN_KEY("unknown_key", 401, "invalid_token"),
  BAD_SIGNATURE("bad_signature", 401, "invalid_token"),
  EXPIRED("expired", 401, "invalid_token"),
  NOT_YET_VALID("not_yet_valid", 401, "invalid_token"),
  WRONG_ISSUER("wrong_issuer", 401, "invalid_token"),
  WRONG_AUDIENCE("wrong_audience", 401, "invalid_token"),
  INVALID_CLAIM("invalid_claim", 401, "invalid_token"),
  TENANT_NOT_ALLOWED("tenant_not_allowed", 403, "invalid_token"),
  APP_ONLY_NOT_ALLOWED("app_only_not_allowed", 403, "insufficient_scope"),
  MFA_REQUIRED("mfa_required", 401, "insufficient_user_authentication"),
  KEYS_UNAVAILABLE("keys_unavailable", 503, null),
  // Responses about HTTP itself (made by proxy/, never by the authenticator).
  BAD_HTTP("bad_http", 400, null),
  REQUEST_TIMEOUT("request_timeout", 408, null),
  URI_TOO_LONG("uri_too_long", 414, null),
  HEADERS_TOO_LARGE("headers_too_large", 431, null),
  UPSTREAM_UNAVAILABLE("upstream_unavailable", 502, null),
  UPSTREAM_TIMEOUT("upstream_timeout", 504, null);

  private final String wireName;
  private final int status;
  private final String challengeError;

  Reason(String wireName, int status, String challengeError) {
    this.wireName = wireName;
    this.status = status;
    this.challengeError = challengeError;
  }

  /** The name on the wire, in metrics and logs: `mfa_required`. */
  public String wireName() {
    return wireName;
  }

  /** The default status; `bad_http` may also be sent as 505 or 405 by the proxy. */
  public int status() {
    return status;
  }

  /** The `error` attribute of the Bearer challenge, or null when the response has no `error` attribute. */
  public String challengeError() {
    return challengeError;
  }

  /** Whether the refusal carries a `WWW-Authenticate: Bearer` challenge. */
  public boolean challenges() {
    return status == 401 || status == 403 || this == MALFORMED_REQUEST;
  }
}
