package dev.mfagateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PrometheusRulesTest {

  @Test
  void promtoolAcceptsTheRulesFile() throws Exception {
    ExternalTool.Result check = ExternalTool.run(List.of("promtool", "check", "rules", ProjectFiles.RULES.toString()),
        ProjectFiles.CHART_FILES, Duration.ofSeconds(60));

    assertThat(check.exitCode()).as(check.output()).isZero();
    assertThat(check.output()).contains("SUCCESS: 9 rules found");
  }

  @Test
  void promtoolUnitTestsPass() throws Exception {
    ExternalTool.Result test = ExternalTool.run(List.of("promtool", "test", "rules", ProjectFiles.RULES_TEST.toString()),
        ProjectFiles.CHART_FILES, Duration.ofSeconds(120));

    assertThat(test.exitCode()).as(test.output()).isZero();
    assertThat(test.output()).contains("SUCCESS");
  }

  @Test
  void everyAlertIsUnitTestedFiringAndNotFiring() throws Exception {
    JsonNode tests = new YAMLMapper().readTree(ProjectFiles.RULES_TEST.toFile()).path("tests");
    Set<String> firing = new HashSet<>();
    Set<String> quiet = new HashSet<>();
    for (JsonNode test : tests) {
      for (JsonNode check : test.path("alert_rule_test")) {
        (check.path("exp_alerts").isEmpty() ? quiet : firing).add(check.path("alertname").asText());
      }
    }

    assertThat(firing).containsExactlyInAnyOrderElementsOf(alertNames());
    assertThat(quiet).containsExactlyInAnyOrderElementsOf(alertNames());
  }

  @Test
  void everyAlertHasSeveritySummaryDescriptionAndARunbookSectionThatExists() throws Exception {
    Set<String> anchors = Files.readAllLines(ProjectFiles.RUNBOOK).stream()
        .filter(line -> line.startsWith("## "))
        .map(line -> line.substring(3).trim().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 -]", "").replace(' ', '-'))
        .collect(Collectors.toSet());
    List<String> problems = new ArrayList<>();
    for (JsonNode rule : alertRules()) {
      String name = rule.path("alert").asText();
      JsonNode annotations = rule.path("annotations");
      for (String key : List.of("summary", "description", "runbook_url")) {
        if (annotations.path(key).asText().isBlank()) {
          problems.add(name + " has no " + key);
        }
      }
      if (!Set.of("critical", "warning", "info").contains(rule.path("labels").path("severity").asText())) {
        problems.add(name + " has no severity");
      }
      String url = annotations.path("runbook_url").asText();
      String anchor = url.substring(url.indexOf('#') + 1);
      if (!url.startsWith("docs/runbook.md#") || !anchors.contains(anchor)) {
        problems.add(name + ": runbook_url " + url + " names no section of docs/runbook.md");
      }
      if (!anchor.equals(name.toLowerCase(Locale.ROOT))) {
        problems.add(name + ": runbook_url points at another alert's section " + anchor);
      }
    }

    assertThat(problems).isEmpty();
    assertThat(anchors).containsAll(alertNames().stream().map(n -> n.toLowerCase(Locale.ROOT)).toList());
  }

  @Test
  void everyRunbookSectionSaysWhatItMeansHowToConfirmAndWhatToDo() throws Exception {
    String runbook = Files.readString(ProjectFiles.RUNBOOK);
    for (String alert : alertNames()) {
      int start = runbook.indexOf("\n## " + alert + "\n");
      assertThat(start).as(alert).isNotNegative();
      int end = runbook.indexOf("\n## ", start + 1);
      String section = runbook.substring(start, end < 0 ? runbook.length() : end);
      assertThat(section).as(alert).contains("**What it means.**", "**Confirm it.**", "**What to do.**");
    }
  }

  private static List<String> alertNames() throws Exception {
    List<String> names = new ArrayList<>();
    alertRules().forEach(rule -> names.add(rule.path("alert").asText()));
    return names;
  }

  private static List<JsonNode> alertRules() throws Exception {
    List<JsonNode> rules = new ArrayList<>();
    for (JsonNode group : new YAMLMapper().readTree(ProjectFiles.RULES.toFile()).path("groups")) {
      group.path("rules").forEach(rule -> {
        if (rule.has("alert")) {
          rules.add(rule);
        }
      });
    }
    return rules;
  }
}
