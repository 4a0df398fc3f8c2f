package dev.mfagateway.telemetry;

import dev.mfagateway.config.LoggingConfig.AccessLog;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class AuditLogTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** What ECS + the map fields always write, besides the event's own fields. */
  private static final Set<String> ECS_FIELDS =
      Set.of("@timestamp", "ecs.version", "log.level", "log.logger", "message", "process.thread.name");

  @Test
  void refusalLineHasExactlyTheSpecFields() throws Exception {
    try (CapturedLog log = new CapturedLog(AuditLog.AUDIT_LOGGER)) {
      new AuditLog(AccessLog.ALL).refusal("req-1", "partner-center", "deny", "mfa_required",
          "72f988bf-86f1-41af-91ab-2d7cd011db47", "app-1", "oid-1", "10.0.0.7", "curl/8.5.0");

      JsonNode line = single(log.lines());
      assertThat(fieldsBeyondEcs(line)).containsExactlyInAnyOrder("event", "request_id", "route", "decision",
          "reason", "tid", "app_id", "oid", "client", "user_agent");
      assertThat(line.get("event").asText()).isEqualTo("refusal");
      assertThat(line.get("request_id").asText()).isEqualTo("req-1");
      assertThat(line.get("route").asText()).isEqualTo("partner-center");
      assertThat(line.get("decision").asText()).isEqualTo("deny");
      assertThat(line.get("reason").asText()).isEqualTo("mfa_required");
      assertThat(line.get("tid").asText()).isEqualTo("72f988bf-86f1-41af-91ab-2d7cd011db47");
      assertThat(line.get("app_id").asText()).isEqualTo("app-1");
      assertThat(line.get("oid").asText()).isEqualTo("oid-1");
      assertThat(line.get("client").asText()).isEqualTo("10.0.0.7");
      assertThat(line.get("user_agent").asText()).isEqualTo("curl/8.5.0");
      assertThat(line.get("log.logger").asText()).isEqualTo("audit");
    }
  }

  @Test
  void unknownIdentityIsWrittenAsNullNotOmittedOrInvented() throws Exception {
    try (CapturedLog log = new CapturedLog(AuditLog.AUDIT_LOGGER)) {
      new AuditLog(AccessLog.ALL).refusal("req-2", "graph", "would_deny", "missing_token",
          null, null, null, "127.0.0.1", null);

      JsonNode line = single(log.lines());
      assertThat(line.get("decision").asText()).isEqualTo("would_deny");
      for (String absent : List.of("tid", "app_id", "oid", "user_agent")) {
        assertThat(line.has(absent)).as(absent).isTrue();
        assertThat(line.get(absent).isNull()).as(absent).isTrue();
      }
    }
  }

  @Test
  void clientTextIsCutToTheLimit() throws Exception {
    try (CapturedLog log = new CapturedLog(AuditLog.AUDIT_LOGGER)) {
      new AuditLog(AccessLog.ALL).refusal("r", "pc", "deny", "bad_signature", null, null, null,
          "127.0.0.1", "x".repeat(10_000));

      assertThat(single(log.lines()).get("user_agent").asText()).hasSize(AuditLog.MAX_CLIENT_TEXT);
    }
  }

  @Test
  void accessLineHasThePathWithoutItsQueryAndNumbersAsNumbers() throws Exception {
    try (CapturedLog log = new CapturedLog(AuditLog.ACCESS_LOGGER)) {
      new AuditLog(AccessLog.ALL).access("req-3", "GET", "/v1/customers?code=SECRET&x=1", 200,
          12_345_678, 10, 2048, "partner-center", "allow", "ok", "10.0.0.8");

      JsonNode line = single(log.lines());
      assertThat(fieldsBeyondEcs(line)).containsExactlyInAnyOrder("event", "request_id", "method", "path",
          "status", "duration_ms", "bytes_in", "bytes_out", "route", "decision", "reason", "client");
      assertThat(line.get("event").asText()).isEqualTo("access");
      assertThat(line.get("path").asText()).isEqualTo("/v1/customers");
      assertThat(line.get("status").isInt()).isTrue();
      assertThat(line.get("status").asInt()).isEqualTo(200);
      assertThat(line.get("duration_ms").asDouble()).isEqualTo(12.345);
      assertThat(line.get("bytes_in").asLong()).isEqualTo(10);
      assertThat(line.get("bytes_out").asLong()).isEqualTo(2048);
      assertThat(line.get("method").asText()).isEqualTo("GET");
      assertThat(line.get("client").asText()).isEqualTo("10.0.0.8");
      assertThat(line.get("log.logger").asText()).isEqualTo("access");
      assertThat(log.lines().get(0)).doesNotContain("SECRET");
    }
  }

  @Test
  void accessLogSettingChoosesWhichRequestsAreLogged() throws Exception {
    try (CapturedLog log = new CapturedLog(AuditLog.ACCESS_LOGGER)) {
      for (AccessLog setting : AccessLog.values()) {
        AuditLog audit = new AuditLog(setting);
        audit.access(setting + "-allow", "GET", "/", 200, 1, 0, 0, "pc", "allow", "ok", "c");
        audit.access(setting + "-would", "GET", "/", 200, 1, 0, 0, "pc", "would_deny", "mfa_required", "c");
        audit.access(setting + "-deny", "GET", "/", 401, 1, 0, 0, "pc", "deny", "mfa_required", "c");
      }

      List<String> ids = log.lines().stream().map(AuditLogTest::parse).map(l -> l.get("request_id").asText())
          .toList();
      assertThat(ids).containsExactly("ALL-allow", "ALL-would", "ALL-deny", "REFUSALS-deny");
    }
  }

  private static JsonNode single(List<String> lines) {
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0)).endsWith("\n").doesNotContain("\n{");
    return parse(lines.get(0));
  }

  private static JsonNode parse(String line) {
    try {
      return JSON.readTree(line);
    } catch (Exception e) {
      throw new AssertionError("not a JSON object: " + line, e);
    }
  }

  private static Set<String> fieldsBeyondEcs(JsonNode line) {
    Set<String> names = new TreeSet<>();
    for (Iterator<String> it = line.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    assertThat(names).containsAll(Set.of("@timestamp", "log.level", "message"));
    names.removeAll(ECS_FIELDS);
    return names;
  }
}
