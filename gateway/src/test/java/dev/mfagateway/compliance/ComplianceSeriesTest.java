package dev.mfagateway.compliance;

import static dev.mfagateway.compliance.ComplianceReportEndToEndTest.APP_A;
import static dev.mfagateway.compliance.ComplianceReportEndToEndTest.APP_B;
import static dev.mfagateway.compliance.ComplianceReportEndToEndTest.CPV;
import static dev.mfagateway.compliance.ComplianceReportEndToEndTest.T1;
import static dev.mfagateway.compliance.ComplianceReportEndToEndTest.T2;
import static dev.mfagateway.compliance.ComplianceReportEndToEndTest.T3;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mfagateway.e2e.RecordingServer;
import dev.mfagateway.testing.MutableClock;
import dev.mfagateway.testing.TestIssuer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * `mfa_gateway_compliance_calls_total{tid,app_id,kind}` on `/metrics` (SPEC §7 `export-series`): the same counts as
 * `/compliance`, at most (K + 1) × 4 series however many tenants and apps call, per app with `apps`, none with `off`,
 * and counters that never go backwards between scrapes.
 */
class ComplianceSeriesTest {
  private static final String C = "6c6c6c6c-0000-4000-8000-00000000000c";
  private static final String T4 = "d4e5f6a7-0000-4000-8000-000000000004";
  private static final String T5 = "d4e5f6a7-0000-4000-8000-000000000005";
  private static final Pattern SAMPLE = Pattern.compile("^mfa_gateway_compliance_calls_total\\{([^}]*)} (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");
  private static final TestIssuer ISSUER = TestIssuer.start();
  private static final CallTokens TOKENS = new CallTokens(ISSUER);
  private static RecordingServer upstream;
  private ReportGateway gateway;

  @BeforeAll
  static void startUpstream() throws Exception {
    upstream = new RecordingServer("{}");
  }

  @AfterAll
  static void stopAll() {
    upstream.close();
    ISSUER.close();
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (gateway != null) {
      gateway.close();
    }
  }

  private void start(String compliance) throws Exception {
    gateway = ReportGateway.start(ReportGateway.config(ISSUER.jwksUri(), upstream.uri(), compliance),
        MutableClock.atNow());
  }

  private void send(int times, int status, String token) throws Exception {
    for (int i = 0; i < times; i++) {
      assertThat(gateway.call("/orders", token)).isEqualTo(status);
    }
  }

  /** The series: "tid app_id kind" → value. */
  private Map<String, Long> series() throws Exception {
    Map<String, Long> series = new TreeMap<>();
    for (String line : gateway.metrics().split("\n")) {
      Matcher sample = SAMPLE.matcher(line);
      if (sample.matches()) {
        Map<String, String> labels = new TreeMap<>();
        Matcher label = LABEL.matcher(sample.group(1));
        while (label.find()) {
          labels.put(label.group(1), label.group(2));
        }
        assertThat(labels.keySet()).containsExactly("app_id", "kind", "tid");
        series.put(labels.get("tid") + " " + labels.get("app_id") + " " + labels.get("kind"),
            (long) Double.parseDouble(sample.group(2)));
      }
    }
    return series;
  }

  private static Map<String, Long> kinds(String tid, String appId, long userMfa, long userNoMfa, long appOnly,
      long cpvAppOnly) {
    String prefix = tid + " " + appId + " ";
    return Map.of(prefix + "user_mfa", userMfa, prefix + "user_no_mfa", userNoMfa, prefix + "app_only", appOnly,
        prefix + "cpv_app_only", cpvAppOnly);
  }

  /** The series an entry of `/compliance` stands for. */
  private static Map<String, Long> kinds(String tid, String appId, JsonNode figures) {
    long userCalls = figures.get("user_calls").asLong();
    long withoutMfa = figures.get("user_calls_without_mfa").asLong();
    long cpv = figures.get("cpv_app_only").asLong();
    return kinds(tid, appId, userCalls - withoutMfa, withoutMfa, figures.get("app_only").asLong() - cpv, cpv);
  }

  @SafeVarargs
  private static Map<String, Long> merged(Map<String, Long>... maps) {
    Map<String, Long> merged = new TreeMap<>();
    for (Map<String, Long> map : maps) {
      merged.putAll(map);
    }
    return merged;
  }

  @Test
  void tenantSeriesEqualTheReportAndStayBounded() throws Exception {
    start("top-k = 2");
    send(3, 200, TOKENS.user(T1, APP_A, "u1", true));
    send(1, 401, TOKENS.user(T1, APP_A, "u2", false));
    send(2, 200, TOKENS.appOnly(T1, APP_B));
    send(1, 403, TOKENS.appOnly(T1, CPV));
    send(2, 200, TOKENS.user(T2, APP_A, "u3", true));
    send(1, 403, TOKENS.user(T3, APP_A, "u4", false));
    send(1, 403, TOKENS.appOnly(T4, APP_B));
    send(1, 403, TOKENS.appOnly(T5, CPV));
    send(1, 401, TOKENS.badSignature(T4, APP_A));

    Map<String, Long> expected = merged(kinds(T1, "all", 3, 1, 2, 1), kinds(T2, "all", 2, 0, 0, 0),
        kinds("other", "other", 0, 1, 1, 1));
    assertThat(series()).isEqualTo(expected).hasSize((2 + 1) * 4);
    JsonNode report = gateway.report();
    assertThat(series()).isEqualTo(merged(kinds(T1, "all", Reports.tenant(report, T1)),
        kinds(T2, "all", Reports.tenant(report, T2)), kinds("other", "other", report.get("other"))));

    for (int i = 0; i < 5; i++) {
      send(1, 403, TOKENS.user("e0000000-0000-4000-8000-00000000000" + i, APP_A, "u", true));
    }
    assertThat(series()).hasSize((2 + 1) * 4).containsEntry("other other user_mfa", 5L);
  }

  @Test
  void appSeriesEqualTheReportAndStayBounded() throws Exception {
    start("top-k = 2, export-series = apps");
    send(3, 200, TOKENS.user(T1, APP_A, "u1", true));
    send(2, 200, TOKENS.appOnly(T1, APP_B));
    send(1, 401, TOKENS.user(T1, C, "u2", false));
    send(1, 200, TOKENS.user(T2, APP_A, "u3", true));
    send(1, 403, TOKENS.user(T3, APP_A, "u4", true));

    assertThat(series()).isEqualTo(merged(kinds(T1, APP_A, 3, 0, 0, 0), kinds(T1, APP_B, 0, 0, 2, 0),
        kinds("other", "other", 2, 1, 0, 0))).hasSize((2 + 1) * 4);
    JsonNode t1 = Reports.tenant(gateway.report(), T1);
    assertThat(series()).containsAllEntriesOf(kinds(T1, APP_A, Reports.app(t1, APP_A)))
        .containsAllEntriesOf(kinds(T1, APP_B, Reports.app(t1, APP_B)));
  }

  @Test
  void noSeriesWhenExportIsOff() throws Exception {
    start("export-series = off");
    send(1, 200, TOKENS.user(T1, APP_A, "u1", true));
    assertThat(gateway.report().get("tenants")).hasSize(1);
    assertThat(gateway.metrics()).doesNotContain("mfa_gateway_compliance").contains("mfa_gateway_decisions_total");
  }

  @Test
  void countersNeverGoBackwardsWhenTheBusiestAppsChange() throws Exception {
    start("top-k = 2, export-series = apps");
    send(1, 200, TOKENS.user(T1, APP_A, "u1", true));
    send(1, 200, TOKENS.user(T1, APP_B, "u1", true));
    Map<String, Long> first = series();
    assertThat(first).contains(entry(T1 + " " + APP_A + " user_mfa", 1L), entry(T1 + " " + APP_B + " user_mfa", 1L),
        entry("other other user_mfa", 0L));

    send(3, 200, TOKENS.user(T2, APP_A, "u3", true));
    Map<String, Long> second = series();
    assertThat(second.keySet()).as("a series once exported stays").containsAll(first.keySet());
    first.forEach((name, value) -> assertThat(second.get(name)).as(name).isGreaterThanOrEqualTo(value));
    assertThat(second).contains(entry("other other user_mfa", 3L)).hasSize((2 + 1) * 4);
    assertThat(List.copyOf(second.values()).stream().mapToLong(Long::longValue).sum()).isEqualTo(5);
  }
}
