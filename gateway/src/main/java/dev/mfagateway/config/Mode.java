package dev.mfagateway.config;

/** `enforce` refuses what fails; `report-only` forwards it and records `would_deny`. */
public enum Mode {
  ENFORCE("enforce"),
  REPORT_ONLY("report-only");

  private final String configName;

  Mode(String configName) {
    this.configName = configName;
  }

  public String configName() {
    return configName;
  }
}
