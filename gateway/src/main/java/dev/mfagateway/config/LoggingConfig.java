package dev.mfagateway.config;

/** `gateway.logging.access-log`: which requests get an access-log line. */
public record LoggingConfig(AccessLog accessLog) {

  public enum AccessLog {
    ALL("all"),
    REFUSALS("refusals"),
    OFF("off");

    private final String configName;

    AccessLog(String configName) {
      this.configName = configName;
    }

    public String configName() {
      return configName;
    }
  }
}
