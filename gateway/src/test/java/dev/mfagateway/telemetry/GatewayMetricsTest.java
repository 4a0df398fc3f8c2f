package dev.mfagateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.Gateway;
import dev.mfagateway.auth.Reason;
import dev.mfagateway.auth.Verdict;
import dev.mfagateway.config.ConfigLoader;
import dev.mfagateway.config.GatewayConfig;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MockClock;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GatewayMetricsTest {
  static final List<String> ROUTES = List.of("partner-center", "graph");
  static final List<String> REASONS = List.of("ok", "missing_token", "mfa_required", "keys_unavailable");
  static final List<String> DECISIONS = List.of("allow", "deny", "would_deny");
  static final List<String> REJECTIONS = List.of("absolute_form", "duplicate_host");
  /** The decision and reason pairs that can happen with {@link #REASONS} and {@link #DECISIONS}. */
  static final List<String> POSSIBLE_PAIRS = List.of(
      "decision=\"allow\",reason=\"ok\"",
      "decision=\"deny\",reason=\"missing_token\"",
      "decision=\"deny\",reason=\"mfa_required\"",
      "decision=\"deny\",reason=\"keys_unavailable\"",
      "decision=\"would_deny\",reason=\"missing_token\"",
      "decision=\"would_deny\",reason=\"mfa_required\"",
      "decision=\"would_deny\",reason=\"keys_unavailable\"");
  /** What Prometheus 2.42 sends when it scrapes. */
  static final String PROMETHEUS_ACCEPT = "application/openmetrics-text;version=1.0.0,"
      + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

  private final GatewayMetrics metrics =
      new GatewayMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), ROUTES, REASONS, DECISIONS, REJECTIONS);

  @AfterEach
  void close() {
    metrics.close();
  }

  @Test
  void textScrapePassesPromtoolCheckMetrics() throws Exception {
    recordSomeTraffic(metrics);
    GatewayMetrics.Scrape scrape = metrics.scrape("text/plain");

    assertThat(scrape.contentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
    ExternalTool.Result lint = ExternalTool.run(
        List.of("promtool", "check", "metrics"), Path.of("."), scrape.body(), Duration.ofSeconds(30));
    assertThat(lint.output()).isEmpty();
    assertThat(lint.exitCode()).isZero();
  }

  @Test
  void openMetricsWhenTheScraperAsksForIt() {
    recordSomeTraffic(metrics);
    GatewayMetrics.Scrape scrape = metrics.scrape(PROMETHEUS_ACCEPT);
    String body = text(scrape);

    assertThat(scrape.contentType()).isEqualTo("application/openmetrics-text; version=1.0.0; charset=utf-8");
    assertThat(body).endsWith("# EOF\n")
        .contains("# TYPE mfa_gateway_decisions counter\n")
        .contains("mfa_gateway_decisions_total{decision=\"deny\",reason=\"mfa_required\",route=\"graph\"} 2.0\n")
        .contains("# TYPE mfa_gateway_build info\n");
    assertThat(text(metrics.scrape(null))).doesNotContain("# EOF");
  }

  @Test
  void everySpecMetricIsExposedWithItsType() {
    Map<String, String> types = types(text(metrics.scrape(null)));

    assertThat(types).contains(
        Map.entry("mfa_gateway_decisions_total", "counter"),
        Map.entry("mfa_gateway_token_validation_seconds", "histogram"),
        Map.entry("mfa_gateway_upstream_seconds", "histogram"),
        Map.entry("mfa_gateway_request_seconds", "histogram"),
        Map.entry("mfa_gateway_added_latency_seconds", "histogram"),
        Map.entry("mfa_gateway_jwks_fetches_total", "counter"),
        Map.entry("mfa_gateway_jwks_keys", "gauge"),
        Map.entry("mfa_gateway_jwks_last_success_age_seconds", "gauge"),
        Map.entry("mfa_gateway_token_cache_requests_total", "counter"),
        Map.entry("mfa_gateway_token_cache_evictions_total", "counter"),
        Map.entry("mfa_gateway_token_cache_size", "gauge"),
        Map.entry("mfa_gateway_connections", "gauge"),
        Map.entry("mfa_gateway_http_rejections_total", "counter"),
        Map.entry("mfa_gateway_request_body_bytes_total", "counter"),
        Map.entry("mfa_gateway_response_body_bytes_total", "counter"),
        Map.entry("mfa_gateway_upstream_pool_waits_total", "counter"),
        Map.entry("mfa_gateway_config_reloads_total", "counter"),
        Map.entry("mfa_gateway_log_lines_dropped_total", "counter"),
        Map.entry("mfa_gateway_build_info", "gauge"),
        Map.entry("mfa_gateway_netty_allocator_memory_used_bytes", "gauge"),
        Map.entry("mfa_gateway_netty_direct_memory_max_bytes", "gauge"),
        Map.entry("jvm_memory_used_bytes", "gauge"),
        Map.entry("jvm_gc_memory_allocated_bytes_total", "counter"),
        Map.entry("jvm_threads_live_threads", "gauge"),
        Map.entry("jvm_classes_loaded_classes", "gauge"),
        Map.entry("process_cpu_usage", "gauge"),
        Map.entry("process_files_open_files", "gauge"));
  }

  @Test
  void everyPossibleDecisionSeriesExistsAtZeroBeforeItsFirstEvent() {
    String body = text(metrics.scrape(null));

    for (String route : ROUTES) {
      for (String pair : POSSIBLE_PAIRS) {
        assertThat(value(body, "mfa_gateway_decisions_total", pair + ",route=\"" + route + "\"")).isZero();
      }
    }
  }

  @Test
  void onlyDecisionAndReasonPairsThatCanHappenAreExposed() {
    Map<String, Set<String>> pairsByRoute = decisionPairsByRoute(text(metrics.scrape(null)));

    // allow with ok, then deny and would_deny with each of the three refusal reasons.
    assertThat(POSSIBLE_PAIRS).hasSize(1 + 2 * 3);
    assertThat(pairsByRoute.keySet()).containsExactlyInAnyOrderElementsOf(ROUTES);
    for (String route : ROUTES) {
      assertThat(pairsByRoute.get(route)).as(route).containsExactlyInAnyOrderElementsOf(POSSIBLE_PAIRS)
          .doesNotContain("decision=\"allow\",reason=\"mfa_required\"", "decision=\"deny\",reason=\"ok\"",
              "decision=\"would_deny\",reason=\"ok\"");
    }
  }

  @Test
  void aRouteAddedByAReloadGetsTheSamePossiblePairs() {
    metrics.route("arm");

    assertThat(decisionPairsByRoute(text(metrics.scrape(null))).get("arm"))
        .containsExactlyInAnyOrderElementsOf(POSSIBLE_PAIRS);
  }

  @Test
  void theGatewaysOwnLabelsGiveThirtyOnePairsPerRoute() throws Exception {
    GatewayConfig config = ConfigLoader.fromString("gateway.routes = [{name = pc, path-prefix = \"/\", "
        + "upstream = \"http://127.0.0.1:1\", audiences = [api]}]");
    try (GatewayMetrics real = Gateway.newMetrics(config, Clock.SYSTEM)) {
      RouteMeters pc = real.route("pc");
      pc.decision(Verdict.ALLOW.ordinal(), Reason.OK.ordinal());
      pc.decision(Verdict.WOULD_DENY.ordinal(), Reason.ALGORITHM_NOT_ALLOWED.ordinal());
      String body = text(real.scrape(null));

      // allow/ok, and the 15 refusal reasons (missing_token to keys_unavailable) under deny and under would_deny.
      assertThat(decisionPairsByRoute(body).get("pc")).hasSize(1 + 2 * 15)
          .contains("decision=\"deny\",reason=\"algorithm_not_allowed\"")
          .doesNotContain("decision=\"allow\",reason=\"algorithm_not_allowed\"", "decision=\"deny\",reason=\"ok\"",
              "decision=\"deny\",reason=\"bad_http\"");
      assertThat(value(body, "mfa_gateway_decisions_total", "decision=\"allow\",reason=\"ok\",route=\"pc\""))
          .isEqualTo(1);
      assertThat(value(body, "mfa_gateway_decisions_total",
          "decision=\"would_deny\",reason=\"algorithm_not_allowed\",route=\"pc\"")).isEqualTo(1);
    }
  }

  @Test
  void recordedEventsShowInTheScrape() {
    recordSomeTraffic(metrics);
    String body = text(metrics.scrape(null));

    assertThat(value(body, "mfa_gateway_decisions_total",
        "decision=\"deny\",reason=\"mfa_required\",route=\"graph\"")).isEqualTo(2);
    assertThat(value(body, "mfa_gateway_decisions_total",
        "decision=\"allow\",reason=\"ok\",route=\"partner-center\"")).isEqualTo(3);
    assertThat(value(body, "mfa_gateway_upstream_seconds_count",
        "route=\"partner-center\",status_class=\"2xx\"")).isEqualTo(3);
    assertThat(value(body, "mfa_gateway_upstream_seconds_bucket",
        "route=\"partner-center\",status_class=\"2xx\",le=\"0.05\"")).isEqualTo(3);
    assertThat(value(body, "mfa_gateway_upstream_seconds_bucket",
        "route=\"partner-center\",status_class=\"2xx\",le=\"0.025\"")).isZero();
    assertThat(value(body, "mfa_gateway_upstream_seconds_count",
        "route=\"graph\",status_class=\"timeout\"")).isEqualTo(1);
    assertThat(value(body, "mfa_gateway_token_validation_seconds_bucket", "cache=\"hit\",le=\"2.5E-5\""))
        .isEqualTo(1);
    assertThat(value(body, "mfa_gateway_token_validation_seconds_count", "cache=\"miss\"")).isEqualTo(1);
    assertThat(value(body, "mfa_gateway_token_cache_requests_total", "result=\"hit\"")).isEqualTo(1);
    assertThat(value(body, "mfa_gateway_token_cache_requests_total", "result=\"miss\"")).isEqualTo(1);
    assertThat(value(body, "mfa_gateway_token_cache_evictions_total", "")).isEqualTo(1);
    assertThat(value(body, "mfa_gateway_token_cache_size", "")).isEqualTo(42);
    assertThat(value(body, "mfa_gateway_jwks_fetches_total", "outcome=\"success\"")).isEqualTo(1);
    assertThat(value(body, "mfa_gateway_jwks_fetches_total", "outcome=\"timeout\"")).isEqualTo(1);
    assertThat(value(body, "mfa_gateway_jwks_keys", "")).isEqualTo(4);
    assertThat(value(body, "mfa_gateway_jwks_last_success_age_seconds", "")).isBetween(0.0, 5.0);
    assertThat(value(body, "mfa_gateway_connections", "side=\"client\"")).isEqualTo(1);
    assertThat(value(body, "mfa_gateway_connections", "side=\"upstream\"")).isZero();
    assertThat(value(body, "mfa_gateway_http_rejections_total", "kind=\"duplicate_host\"")).isEqualTo(1);
    assertThat(value(body, "mfa_gateway_request_body_bytes_total", "route=\"partner-center\"")).isEqualTo(1500);
    assertThat(value(body, "mfa_gateway_response_body_bytes_total", "route=\"partner-center\"")).isEqualTo(7);
    assertThat(value(body, "mfa_gateway_upstream_pool_waits_total", "route=\"graph\"")).isEqualTo(1);
    assertThat(value(body, "mfa_gateway_added_latency_seconds_count", "route=\"partner-center\"")).isEqualTo(3);
    assertThat(value(body, "mfa_gateway_request_seconds_count", "route=\"graph\"")).isEqualTo(2);
    assertThat(value(body, "mfa_gateway_config_reloads_total", "outcome=\"applied\"")).isEqualTo(1);
    assertThat(value(body, "mfa_gateway_config_reloads_total", "outcome=\"rejected\"")).isZero();
    assertThat(value(body, "mfa_gateway_crypto_provider_info", "provider=\"SunRsaSign\"")).isEqualTo(1);
    assertThat(value(body, "mfa_gateway_transport_info", "transport=\"epoll\"")).isEqualTo(1);
    assertThat(value(body, "mfa_gateway_build_info", "version=\"development\"")).isEqualTo(1);
  }

  @Test
  void keyAgeCountsFromStartUntilTheFirstSuccessfulFetch() {
    MockClock clock = new MockClock();
    try (GatewayMetrics timed = new GatewayMetrics(
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT, new PrometheusRegistry(), clock),
        ROUTES, REASONS, DECISIONS, REJECTIONS)) {
      String age = "mfa_gateway_jwks_last_success_age_seconds";
      timed.jwksFetch(JwksFetchOutcome.UNREACHABLE);
      clock.add(Duration.ofSeconds(90));
      assertThat(value(text(timed.scrape(null)), age, "")).isEqualTo(90);

      timed.jwksFetch(JwksFetchOutcome.SUCCESS);
      clock.add(Duration.ofSeconds(5));
      timed.jwksFetch(JwksFetchOutcome.INVALID);
      assertThat(value(text(timed.scrape(null)), age, "")).isEqualTo(5);
    }
  }

  @Test
  void aRouteAddedByAReloadGetsItsOwnMetersAndKnownRoutesKeepTheirs() {
    assertThat(metrics.route("partner-center")).isSameAs(metrics.route("partner-center"));

    RouteMeters arm = metrics.route("arm");
    arm.decision(2, 3);

    assertThat(arm.name()).isEqualTo("arm");
    assertThat(value(text(metrics.scrape(null)), "mfa_gateway_decisions_total",
        "decision=\"would_deny\",reason=\"keys_unavailable\",route=\"arm\"")).isEqualTo(1);
  }

  @Test
  void labelValuesComeOnlyFromTheConfiguredAndFixedSets() {
    recordSomeTraffic(metrics);
    Map<String, Set<String>> labels = labelValues(text(metrics.scrape(null)), "mfa_gateway_");

    assertThat(labels.get("route")).containsExactlyInAnyOrderElementsOf(ROUTES);
    assertThat(labels.get("reason")).containsExactlyInAnyOrderElementsOf(REASONS);
    assertThat(labels.get("decision")).containsExactlyInAnyOrderElementsOf(DECISIONS);
    assertThat(labels.get("kind")).containsExactlyInAnyOrderElementsOf(REJECTIONS);
    assertThat(labels.get("status_class"))
        .containsExactlyInAnyOrder("1xx", "2xx", "3xx", "4xx", "5xx", "timeout", "unavailable");
    assertThat(labels.get("cache")).containsExactlyInAnyOrder("hit", "miss");
    assertThat(labels.get("side")).containsExactlyInAnyOrder("client", "upstream");
    assertThat(labels.get("outcome"))
        .containsExactlyInAnyOrder("success", "unreachable", "timeout", "invalid", "applied", "rejected");
  }

  @Test
  void nettyDirectMemoryOfTheDefaultAllocatorIsVisible() {
    String series = "allocator=\"adaptive\",memory=\"direct\"";
    ByteBuf buffer = ByteBufAllocator.DEFAULT.directBuffer(1 << 20);
    try {
      buffer.writeZero(1 << 20);
      assertThat(value(text(metrics.scrape(null)), "mfa_gateway_netty_allocator_memory_used_bytes", series))
          .isGreaterThanOrEqualTo(1 << 20);
    } finally {
      buffer.release();
    }
  }

  @Test
  void statusCodesMapToTheirClass() {
    assertThat(StatusClass.of(101)).isEqualTo(StatusClass.INFORMATIONAL);
    assertThat(StatusClass.of(204)).isEqualTo(StatusClass.SUCCESS);
    assertThat(StatusClass.of(304)).isEqualTo(StatusClass.REDIRECTION);
    assertThat(StatusClass.of(429)).isEqualTo(StatusClass.CLIENT_ERROR);
    assertThat(StatusClass.of(503)).isEqualTo(StatusClass.SERVER_ERROR);
    assertThat(StatusClass.of(999)).isEqualTo(StatusClass.SERVER_ERROR);
  }

  /** Traffic of every kind the gateway records; other tests and the Prometheus harness use it too. */
  static void recordSomeTraffic(GatewayMetrics metrics) {
    RouteMeters partnerCenter = metrics.route("partner-center");
    RouteMeters graph = metrics.route("graph");
    for (int i = 0; i < 3; i++) {
      partnerCenter.decision(0, 0);
      partnerCenter.upstream(StatusClass.SUCCESS, 40_000_000);
      partnerCenter.request(41_000_000);
      partnerCenter.addedLatency(1_000_000);
    }
    partnerCenter.requestBytes(1500);
    partnerCenter.responseBytes(7);
    graph.decision(1, 2);
    graph.decision(1, 2);
    graph.request(300_000);
    graph.upstream(StatusClass.TIMEOUT, 60_000_000_000L);
    graph.request(60_001_000_000L);
    graph.poolWait();
    metrics.tokenValidation(true, 20_000);
    metrics.tokenValidation(false, 900_000);
    metrics.tokenCache(() -> 1, () -> 1, () -> 1, () -> 42);
    metrics.jwksFetch(JwksFetchOutcome.TIMEOUT);
    metrics.jwksFetch(JwksFetchOutcome.SUCCESS);
    metrics.jwksKeys(4);
    metrics.connectionOpened(ConnectionSide.CLIENT);
    metrics.connectionOpened(ConnectionSide.UPSTREAM);
    metrics.connectionClosed(ConnectionSide.UPSTREAM);
    metrics.httpRejection(1);
    metrics.configReload(true);
    metrics.cryptoProvider("SunRsaSign");
    metrics.transport("epoll");
  }

  static String text(GatewayMetrics.Scrape scrape) {
    return new String(scrape.body(), StandardCharsets.UTF_8);
  }

  /** The value of the one sample {@code name{labels}} in a text scrape. */
  static double value(String scrape, String name, String labels) {
    String series = labels.isEmpty() ? name + " " : name + "{" + labels + "} ";
    List<String> lines = scrape.lines().filter(line -> line.startsWith(series)).toList();
    assertThat(lines).as("sample %s", series).hasSize(1);
    return Double.parseDouble(lines.get(0).substring(series.length()).trim());
  }

  /** Route → the `decision="…",reason="…"` pairs of its `mfa_gateway_decisions_total` series in a text scrape. */
  private static Map<String, Set<String>> decisionPairsByRoute(String scrape) {
    Pattern series = Pattern.compile(
        "^mfa_gateway_decisions_total\\{(decision=\"[^\"]*\",reason=\"[^\"]*\"),route=\"([^\"]*)\"\\} .*$");
    return scrape.lines()
        .map(series::matcher)
        .filter(Matcher::matches)
        .collect(Collectors.groupingBy(m -> m.group(2), Collectors.mapping(m -> m.group(1), Collectors.toSet())));
  }

  private static Map<String, String> types(String scrape) {
    return scrape.lines()
        .filter(line -> line.startsWith("# TYPE "))
        .map(line -> line.split(" "))
        .collect(Collectors.toMap(parts -> parts[2], parts -> parts[3]));
  }

  private static Map<String, Set<String>> labelValues(String scrape, String prefix) {
    Pattern label = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    return scrape.lines()
        .filter(line -> line.startsWith(prefix) && line.contains("{"))
        .flatMap(line -> {
          Matcher m = label.matcher(line.substring(line.indexOf('{'), line.lastIndexOf('}')));
          return m.results().map(r -> Map.entry(r.group(1), r.group(2)));
        })
        .filter(entry -> !entry.getKey().equals("le") && !entry.getKey().equals("version")
            && !entry.getKey().equals("provider") && !entry.getKey().equals("allocator")
            && !entry.getKey().equals("memory"))
        .collect(Collectors.groupingBy(Map.Entry::getKey,
            Collectors.mapping(Map.Entry::getValue, Collectors.toSet())));
  }
}
