package dev.mfagateway.proxy;

/**
 * The `kind` label of `mfa_gateway_http_rejections_total`: one per way a request can be refused for its HTTP shape
 * before any verdict (SECURITY-NOTES §3.2), plus the header timeout and a path no route serves.
 */
public enum HttpRejection {
  MALFORMED("malformed"),
  URI_TOO_LONG("uri_too_long"),
  HEADERS_TOO_LARGE("headers_too_large"),
  OBS_FOLD("obs_fold"),
  TOO_LARGE("too_large"),
  HTTP_VERSION("http_version"),
  LOWER_CASE_METHOD("lower_case_method"),
  CONNECT("connect"),
  ASTERISK_FORM("asterisk_form"),
  ABSOLUTE_FORM("absolute_form"),
  TARGET_CHARACTER("target_character"),
  FRAGMENT("fragment"),
  DUPLICATE_HOST("duplicate_host"),
  MISSING_HOST("missing_host"),
  TRANSFER_ENCODING("transfer_encoding"),
  TRANSFER_ENCODING_WITH_LENGTH("transfer_encoding_with_content_length"),
  CONNECTION_NOMINATES("connection_nominates"),
  HEADER_TIMEOUT("header_timeout"),
  NO_ROUTE("no_route");

  private final String label;

  HttpRejection(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
