package dev.mfagateway.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * `gateway.compliance`: the live compliance report (SPEC §7). {@code topK} tenants, and apps per tenant, are listed
 * before the rest is summed under `other`; {@code users} says whether per-user object ids are kept (as salted hashes);
 * {@code userSaltFile} keeps those hashes stable across restarts (otherwise the salt is new in every process);
 * {@code stateFile} lets the report survive restarts; {@code exportSeries} is the bounded Prometheus view.
 */
public record ComplianceConfig(
    int topK, Users users, Optional<Path> userSaltFile, Optional<Path> stateFile, ExportSeries exportSeries) {

  /** `gateway.compliance.users`. */
  public enum Users {
    OFF("off"),
    HASHED("hashed");

    private final String configName;

    Users(String configName) {
      this.configName = configName;
    }

    public String configName() {
      return configName;
    }
  }

  /** `gateway.compliance.export-series`: no series, one per top tenant, or one per top tenant and app. */
  public enum ExportSeries {
    OFF("off"),
    TENANTS("tenants"),
    APPS("apps");

    private final String configName;

    ExportSeries(String configName) {
      this.configName = configName;
    }

    public String configName() {
      return configName;
    }
  }
}
