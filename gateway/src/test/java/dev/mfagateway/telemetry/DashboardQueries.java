package dev.mfagateway.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every PromQL expression of the Grafana dashboard (panels inside rows included, template variables substituted), of
 * the Prometheus rules file and of a Markdown guide's {@code promql} blocks, ready to send to {@code /api/v1/query}.
 */
final class DashboardQueries {
  /** Grafana's built-in interval variables, with values that suit a Prometheus scraping every second. */
  static final Map<String, String> BUILT_INS =
      Map.of("__rate_interval", "1m", "__interval", "15s", "__range", "5m", "__range_s", "300");

  private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)(?::\\w+)?}|\\$(\\w+)|\\[\\[(\\w+)]]");
  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+),\\s*(\\w+)\\)");

  /** One expression and where it came from, e.g. {@code panel "Deny ratio per route" B} or {@code alert X}. */
  record Query(String source, String expr) {
    @Override
    public String toString() {
      return source + ": " + expr;
    }
  }

  private DashboardQueries() {}

  /** The dashboard's panel queries, variables replaced by {@code values} (and the built-ins). */
  static List<Query> panels(Path dashboardJson, Map<String, String> values) throws IOException {
    List<Query> queries = new ArrayList<>();
    collectPanels(new ObjectMapper().readTree(dashboardJson.toFile()).path("panels"), values, queries);
    return queries;
  }

  /** The queries of the panel titled {@code title} (rows searched too), variables replaced; fails if there is none. */
  static List<Query> panel(Path dashboardJson, String title, Map<String, String> values) throws IOException {
    String source = "panel \"" + title + "\" ";
    List<Query> queries = panels(dashboardJson, values).stream().filter(q -> q.source().startsWith(source)).toList();
    if (queries.isEmpty()) {
      throw new IllegalArgumentException("no panel titled \"" + title + "\" with queries in " + dashboardJson);
    }
    return queries;
  }

  /** The template variables' queries: {@code label_values(m, l)} becomes {@code count by (l) (m)}. */
  static List<Query> variables(Path dashboardJson) throws IOException {
    List<Query> queries = new ArrayList<>();
    for (JsonNode variable : new ObjectMapper().readTree(dashboardJson.toFile()).path("templating").path("list")) {
      if (variable.path("type").asText().equals("query")) {
        String query = variable.path("query").isObject()
            ? variable.path("query").path("query").asText()
            : variable.path("query").asText();
        Matcher m = LABEL_VALUES.matcher(query);
        if (!m.matches()) {
          throw new IllegalArgumentException("variable " + variable.path("name") + ": unsupported query " + query);
        }
        queries.add(new Query("variable $" + variable.path("name").asText(),
            "count by (" + m.group(2) + ") (" + m.group(1) + ")"));
      }
    }
    return queries;
  }

  /** The names of the dashboard's template variables. */
  static List<String> variableNames(Path dashboardJson) throws IOException {
    List<String> names = new ArrayList<>();
    new ObjectMapper().readTree(dashboardJson.toFile()).path("templating").path("list")
        .forEach(variable -> names.add(variable.path("name").asText()));
    return names;
  }

  /** The {@code expr} of every alerting and recording rule, named by the rule. */
  static List<Query> rules(Path rulesYaml) throws IOException {
    List<Query> queries = new ArrayList<>();
    for (JsonNode group : new YAMLMapper().readTree(rulesYaml.toFile()).path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        String name = rule.has("alert") ? "alert " + rule.path("alert").asText()
            : "record " + rule.path("record").asText();
        queries.add(new Query(name, rule.path("expr").asText()));
      }
    }
    return queries;
  }

  /** The fenced {@code ```promql} blocks of a Markdown file, one query each, named by the line they start on. */
  static List<Query> markdown(Path markdownFile) throws IOException {
    List<Query> queries = new ArrayList<>();
    List<String> lines = Files.readAllLines(markdownFile);
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).trim().equals("```promql")) {
        int start = i;
        StringBuilder expr = new StringBuilder();
        while (++i < lines.size() && !lines.get(i).trim().equals("```")) {
          expr.append(lines.get(i)).append('\n');
        }
        queries.add(new Query(markdownFile.getFileName() + " line " + (start + 1), expr.toString().trim()));
      }
    }
    return queries;
  }

  /** Replaces {@code $name}, {@code ${name}}, {@code ${name:format}} and {@code [[name]]}; an unknown name fails. */
  static String substitute(String expr, Map<String, String> values) {
    Map<String, String> all = new HashMap<>(BUILT_INS);
    all.putAll(values);
    Matcher m = VARIABLE.matcher(expr);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
      String value = all.get(name);
      if (value == null) {
        throw new IllegalArgumentException("unknown variable $" + name + " in " + expr);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static void collectPanels(JsonNode panels, Map<String, String> values, List<Query> queries) {
    for (JsonNode panel : panels) {
      collectPanels(panel.path("panels"), values, queries);
      for (JsonNode target : panel.path("targets")) {
        if (target.hasNonNull("expr")) {
          queries.add(new Query("panel \"" + panel.path("title").asText() + "\" " + target.path("refId").asText(),
              substitute(target.path("expr").asText(), values)));
        }
      }
    }
  }
}
