package dev.mfagateway.compliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Reading `/compliance` JSON in the tests: entries by id, and an entry's figures compared whole with what was sent. */
final class Reports {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The members of an entry that are not its figures. */
  private static final List<String> STRUCTURE =
      List.of("tid", "app_id", "apps", "other", "users_without_mfa", "other_users_without_mfa_calls");

  private Reports() {}

  static List<String> tenantIds(JsonNode report) {
    List<String> ids = new ArrayList<>();
    report.get("tenants").forEach(tenant -> ids.add(tenant.get("tid").asText()));
    return ids;
  }

  /** App ids of a tenant in report order; an app without id as null. */
  static List<String> appIds(JsonNode tenant) {
    List<String> ids = new ArrayList<>();
    tenant.get("apps").forEach(app -> ids.add(app.get("app_id").isNull() ? null : app.get("app_id").asText()));
    return ids;
  }

  static JsonNode tenant(JsonNode report, String tid) {
    for (JsonNode tenant : report.get("tenants")) {
      if (tenant.get("tid").asText().equals(tid)) {
        return tenant;
      }
    }
    throw new AssertionError("no tenant " + tid + " in " + report);
  }

  /** The app {@code appId} of {@code tenant} (null: the app of tokens without an app id). */
  static JsonNode app(JsonNode tenant, String appId) {
    for (JsonNode app : tenant.get("apps")) {
      String id = app.get("app_id").isNull() ? null : app.get("app_id").asText();
      if (Objects.equals(id, appId)) {
        return app;
      }
    }
    throw new AssertionError("no app " + appId + " in " + tenant);
  }

  /** The entry's figures only (calls, allowed, …, first_seen, last_seen), without ids, apps and users. */
  static ObjectNode figures(JsonNode entry) {
    ObjectNode figures = entry.deepCopy();
    figures.remove(STRUCTURE);
    return figures;
  }

  /** Asserts that {@code entry}'s figures are exactly {@code expectedJson}, member for member. */
  static void assertFigures(JsonNode entry, String expectedJson) {
    assertThat(figures(entry)).as("figures of %s", entry).isEqualTo(parse(expectedJson));
  }

  static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** The figures of an entry that saw nothing. */
  static String noCalls() {
    return """
        {"calls": 0, "allowed": 0, "app_only": 0, "cpv_app_only": 0, "user_calls": 0, "user_calls_without_mfa": 0,
         "mfa_share": null, "denied": {}, "would_deny": {}, "first_seen": null, "last_seen": null}""";
  }
}
