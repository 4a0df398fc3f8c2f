package dev.mfagateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DashboardTest {
  private static final Duration NPM = Duration.ofMinutes(5);
  private static final Map<String, String> ALL = Map.of("route", ".*", "tenant", ".*");

  @Test
  void grafanaTypesAcceptTheDashboard() throws Exception {
    ExternalTool.requireOnPath("npm");
    ExternalTool.Result check = ExternalTool.run(List.of("bash", ProjectFiles.CHECK_DASHBOARD.toString()),
        ProjectFiles.ROOT, NPM);

    assertThat(check.exitCode()).as(check.output()).isZero();
    assertThat(check.output()).contains("dashboard OK");
  }

  @Test
  void grafanaTypesRejectAMisspeltKey(@TempDir Path dir) throws Exception {
    ExternalTool.requireOnPath("npm");
    Path broken = Files.writeString(dir.resolve("broken.json"),
        Files.readString(ProjectFiles.DASHBOARD).replaceFirst("\"gridPos\"", "\"gridPoz\""));

    ExternalTool.Result check = ExternalTool.run(List.of("bash", ProjectFiles.CHECK_DASHBOARD.toString(),
        broken.toString()), ProjectFiles.ROOT, NPM);

    assertThat(check.exitCode()).isNotZero();
    assertThat(check.output()).contains("'\"gridPoz\"' does not exist");
  }

  @Test
  void everyPanelUsesTheDatasourceVariableAndEveryVariableIsDeclared() throws Exception {
    JsonNode dashboard = new ObjectMapper().readTree(ProjectFiles.DASHBOARD.toFile());
    Set<String> declared = new HashSet<>(DashboardQueries.variableNames(ProjectFiles.DASHBOARD));
    List<JsonNode> panels = new ArrayList<>();
    collect(dashboard.path("panels"), panels);
    Set<Integer> ids = new HashSet<>();

    assertThat(declared).containsExactlyInAnyOrder("datasource", "route", "tenant");
    for (JsonNode panel : panels) {
      assertThat(ids.add(panel.path("id").asInt())).as("unique id of " + panel.path("title")).isTrue();
      if (panel.path("type").asText().equals("row")) {
        continue;
      }
      assertThat(panel.path("datasource").path("uid").asText()).as(panel.path("title").asText())
          .isEqualTo("${datasource}");
      assertThat(panel.path("targets")).as(panel.path("title").asText()).isNotEmpty();
      for (JsonNode target : panel.path("targets")) {
        DashboardQueries.substitute(target.path("expr").asText(),
            Map.of("route", "x", "tenant", "x", "datasource", "x")); // throws on an undeclared variable
      }
    }
  }

  @Test
  void theDashboardShowsWhatTheIssueAsksFor() throws Exception {
    List<String> exprs = DashboardQueries.panels(ProjectFiles.DASHBOARD, ALL).stream()
        .map(DashboardQueries.Query::expr).toList();
    String all = String.join("\n", exprs);

    assertThat(all).contains(
        "mfa_gateway_decisions_total",
        "decision=\"deny\"",
        "mfa_gateway_added_latency_seconds_bucket",
        "mfa_gateway_upstream_seconds_bucket",
        "mfa_gateway_request_seconds_bucket",
        "mfa_gateway_token_validation_seconds_bucket",
        "mfa_gateway_token_cache_requests_total{result=\"hit\"}",
        "mfa_gateway_jwks_last_success_age_seconds",
        "mfa_gateway_jwks_fetches_total",
        "mfa_gateway_connections",
        "jvm_memory_used_bytes{area=\"heap\"}",
        "jvm_buffer_memory_used_bytes{id=\"direct\"}",
        "mfa_gateway_netty_allocator_memory_used_bytes",
        "mfa_gateway_compliance_calls_total{tid=~\".*\", kind=\"user_no_mfa\"}",
        "mfa_gateway_compliance_calls_total{tid=~\".*\", kind=\"cpv_app_only\"}",
        "sum by (tid, app_id) (rate(mfa_gateway_compliance_calls_total",
        "sum by (tid) (rate(mfa_gateway_compliance_calls_total{tid=~\".*\", kind=\"user_mfa\"}",
        "[24h]");
    assertThat(exprs).allSatisfy(expr -> assertThat(expr).doesNotContain("$"));
  }

  @Test
  void theComplianceRowSitsAboveTheCollapsedRuntimeRowWithoutOverlaps() throws Exception {
    JsonNode panels = new ObjectMapper().readTree(ProjectFiles.DASHBOARD.toFile()).path("panels");
    List<String> rows = new ArrayList<>();
    panels.forEach(panel -> {
      if (panel.path("type").asText().equals("row")) {
        rows.add(panel.path("title").asText());
      }
    });

    assertThat(rows).containsExactly("Traffic and decisions", "Latency", "Token cache and signing keys",
        "Compliance (fleet-wide)", "Connections, memory and runtime");
    for (int i = 0; i < panels.size(); i++) {
      for (int j = i + 1; j < panels.size(); j++) {
        assertThat(overlap(panels.get(i).path("gridPos"), panels.get(j).path("gridPos")))
            .as(panels.get(i).path("title") + " and " + panels.get(j).path("title")).isFalse();
      }
    }
  }

  @Test
  void queriesInsideACollapsedRowAreFound() throws Exception {
    List<String> sources = DashboardQueries.panels(ProjectFiles.DASHBOARD, ALL).stream()
        .map(DashboardQueries.Query::source).toList();

    assertThat(sources).contains("panel \"JVM heap\" A", "panel \"Deny ratio per route\" A");
  }

  @Test
  void variableSubstitutionCoversGrafanasForms() {
    Map<String, String> values = Map.of("route", "pc|graph");

    assertThat(DashboardQueries.substitute(
        "rate(x{route=~\"$route\"}[$__rate_interval]) + y{r=~\"${route}\"} + z{r=~\"${route:regex}\"}[[route]]",
        values))
        .isEqualTo("rate(x{route=~\"pc|graph\"}[1m]) + y{r=~\"pc|graph\"} + z{r=~\"pc|graph\"}pc|graph");
    assertThatThrownBy(() -> DashboardQueries.substitute("x{r=\"$rout\"}", values))
        .hasMessageContaining("unknown variable $rout");
  }

  private static boolean overlap(JsonNode a, JsonNode b) {
    return a.path("x").asInt() < b.path("x").asInt() + b.path("w").asInt()
        && b.path("x").asInt() < a.path("x").asInt() + a.path("w").asInt()
        && a.path("y").asInt() < b.path("y").asInt() + b.path("h").asInt()
        && b.path("y").asInt() < a.path("y").asInt() + a.path("h").asInt();
  }

  private static void collect(JsonNode panels, List<JsonNode> into) {
    for (JsonNode panel : panels) {
      into.add(panel);
      collect(panel.path("panels"), into);
    }
  }
}
