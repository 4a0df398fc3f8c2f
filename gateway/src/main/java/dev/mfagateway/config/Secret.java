package dev.mfagateway.config;

/** A secret read from a file (`gateway.admin.token-file`); {@link #toString()} never shows it. */
public record Secret(String value) {

  @Override
  public String toString() {
    return "Secret[redacted]";
  }
}
