package dev.mfagateway.telemetry;

/** The `status_class` label of upstream latency: the response's status class, or why there was no response. */
public enum StatusClass {
  INFORMATIONAL("1xx"),
  SUCCESS("2xx"),
  REDIRECTION("3xx"),
  CLIENT_ERROR("4xx"),
  SERVER_ERROR("5xx"),
  /** No response head within `upstream.response-timeout` (the client got 504). */
  TIMEOUT("timeout"),
  /** Connection refused or reset, TLS failure (the client got 502). */
  UNAVAILABLE("unavailable");

  private final String label;

  StatusClass(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }

  /** The class of an HTTP status code; codes outside 100–599 count as {@link #SERVER_ERROR}. */
  public static StatusClass of(int status) {
    return switch (status / 100) {
      case 1 -> INFORMATIONAL;
      case 2 -> SUCCESS;
      case 3 -> REDIRECTION;
      case 4 -> CLIENT_ERROR;
      default -> SERVER_ERROR;
    };
  }
}
