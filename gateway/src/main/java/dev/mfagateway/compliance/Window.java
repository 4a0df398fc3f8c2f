package dev.mfagateway.compliance;

import java.util.Optional;

/** The span a report covers: `all` (since the report began), or about the last hour or day, in whole buckets. */
public enum Window {
  ALL("all"),
  HOUR("1h"),
  DAY("24h");

  private final String parameter;

  Window(String parameter) {
    this.parameter = parameter;
  }

  /** As in `/compliance?window=1h`. */
  public String parameter() {
    return parameter;
  }

  public static Optional<Window> fromParameter(String value) {
    for (Window window : values()) {
      if (window.parameter.equals(value)) {
        return Optional.of(window);
      }
    }
    return Optional.empty();
  }
}
