package dev.mfagateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mfagateway.config.LoggingConfig.AccessLog;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The audit lines of configuration reloads, as the gateway's JSON layout writes them. */
class ConfigReloadAuditTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void anAppliedReloadIsOneLineWithListsAsJsonArrays() throws Exception {
    try (CapturedLog log = new CapturedLog(AuditLog.AUDIT_LOGGER)) {
      Map<String, Object> changes = new LinkedHashMap<>();
      changes.put("summary", "route partner-center: enforce -> report-only");
      changes.put("mode", null);
      changes.put("route_modes", List.of("partner-center: enforce -> report-only"));
      changes.put("tenants_added", List.of());
      new AuditLog(AccessLog.OFF).configReload(changes);

      assertThat(log.lines()).hasSize(1);
      JsonNode line = JSON.readTree(log.lines().get(0));
      assertThat(line.get("event").asText()).isEqualTo("config_reload");
      assertThat(line.get("message").asText()).isEqualTo("config_reload");
      assertThat(line.get("route_modes")).isEqualTo(JSON.readTree("[\"partner-center: enforce -> report-only\"]"));
      assertThat(line.get("tenants_added").isArray()).isTrue();
      assertThat(line.get("tenants_added")).isEmpty();
      assertThat(line.get("mode").isNull()).isTrue();
      assertThat(line.get("log.logger").asText()).isEqualTo("audit");
    }
  }

  @Test
  void aRejectedReloadListsItsProblems() throws Exception {
    try (CapturedLog log = new CapturedLog(AuditLog.AUDIT_LOGGER)) {
      new AuditLog(AccessLog.OFF).configReloadRejected(
          List.of("gateway.routes[0].audiences: must not be empty", "gateway.auth.requre-mfa: unknown key"));

      JsonNode line = JSON.readTree(log.lines().get(0));
      assertThat(line.get("event").asText()).isEqualTo("config_reload_rejected");
      assertThat(line.get("problems")).isEqualTo(JSON.readTree(
          "[\"gateway.routes[0].audiences: must not be empty\", \"gateway.auth.requre-mfa: unknown key\"]"));
    }
  }
}
