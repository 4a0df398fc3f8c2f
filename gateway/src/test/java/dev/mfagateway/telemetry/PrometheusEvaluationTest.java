package dev.mfagateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Every dashboard query and every alert expression, evaluated by a real Prometheus that scrapes a {@link
 * GatewayMetrics} registry over HTTP while traffic is recorded. The traffic is shaped so that every alert's condition
 * holds (deny ratio, report-only MFA denials, upstream failures, added latency, no keys, stale keys) and a second,
 * closed target makes the gateway-down alert true. To run this against the real gateway, start it instead of the
 * {@link ScrapeEndpoint} and point the harness at its admin port.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(300)
class PrometheusEvaluationTest {
  static final String JOB = "mfa-gateway";
  static final List<String> ROUTES = List.of("partner-center", "graph");
  static final List<String> DECISIONS = List.of("allow", "deny", "would_deny");
  static final List<String> REASONS = List.of("ok", "missing_token", "malformed_request", "malformed_token",
      "algorithm_not_allowed", "unknown_key", "bad_signature", "expired", "not_yet_valid", "wrong_issuer",
      "wrong_audience", "invalid_claim", "tenant_not_allowed", "app_only_not_allowed", "mfa_required",
      "keys_unavailable");
  static final List<String> REJECTIONS = List.of("absolute_form", "duplicate_host", "obs_fold");

  private final MockClock clock = new MockClock();
  private GatewayMetrics metrics;
  private ScrapeEndpoint endpoint;
  private ScheduledExecutorService traffic;
  private PrometheusHarness prometheus;
  private String deadTarget;

  @BeforeAll
  void start() throws Exception {
    metrics = new GatewayMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT, new PrometheusRegistry(), clock),
        ROUTES, REASONS, DECISIONS, REJECTIONS);
    metrics.cryptoProvider("SunRsaSign");
    clock.add(Duration.ofHours(3)); // no successful key fetch for three hours: keys stale
    awaitGcPauseMeter();
    endpoint = new ScrapeEndpoint(metrics);
    traffic = Executors.newSingleThreadScheduledExecutor();
    traffic.scheduleAtFixedRate(this::recordTraffic, 0, 100, TimeUnit.MILLISECONDS);
    deadTarget = "127.0.0.1:" + PrometheusHarness.freePort();
    prometheus = PrometheusHarness.start(JOB, List.of(endpoint.target(), deadTarget), ProjectFiles.RULES);
  }

  @AfterAll
  void stop() throws Exception {
    if (prometheus != null) {
      prometheus.close();
    }
    if (traffic != null) {
      traffic.shutdownNow();
    }
    if (endpoint != null) {
      endpoint.close();
    }
    if (metrics != null) {
      metrics.close();
    }
  }

  @Test
  void prometheusScrapesTheRegistryAsOpenMetrics() throws Exception {
    Map<String, String> health = prometheus.awaitScraped();

    assertThat(health.get(endpoint.target())).isEqualTo("up ");
    assertThat(health.get(deadTarget)).startsWith("down ");
    assertThat(endpoint.lastAccept.get()).contains("application/openmetrics-text");
    assertThat(endpoint.lastContentType.get()).startsWith("application/openmetrics-text; version=1.0.0");
    assertThat(prometheus.awaitData("mfa_gateway_build_info{version=\"development\"}")).hasSize(1);
  }

  @Test
  void everyDashboardQueryReturnsData() throws Exception {
    prometheus.awaitScraped();
    List<DashboardQueries.Query> queries = new ArrayList<>(DashboardQueries.panels(ProjectFiles.DASHBOARD,
        Map.of("route", String.join("|", ROUTES), "datasource", "prometheus")));
    queries.addAll(DashboardQueries.variables(ProjectFiles.DASHBOARD));

    assertThat(queries).hasSizeGreaterThan(30);
    assertThat(queriesWithoutData(queries)).isEmpty();
  }

  @Test
  void theRouteVariableListsTheConfiguredRoutes() throws Exception {
    prometheus.awaitScraped();
    DashboardQueries.Query routes = DashboardQueries.variables(ProjectFiles.DASHBOARD).get(0);

    Set<String> values = new HashSet<>();
    prometheus.awaitData(routes.expr()).forEach(series -> values.add(series.path("metric").path("route").asText()));
    assertThat(values).containsExactlyInAnyOrderElementsOf(ROUTES);
  }

  @Test
  void everyAlertConditionHoldsForTheShapedTraffic() throws Exception {
    prometheus.awaitScraped();
    List<DashboardQueries.Query> alerts = DashboardQueries.rules(ProjectFiles.RULES);

    assertThat(alerts).hasSize(7);
    assertThat(queriesWithoutData(alerts)).isEmpty();
  }

  @Test
  void prometheusEvaluatesEveryRuleAndActivatesEveryAlert() throws Exception {
    prometheus.awaitScraped();
    Set<String> expected = new HashSet<>();
    DashboardQueries.rules(ProjectFiles.RULES).forEach(q -> expected.add(q.source().substring("alert ".length())));

    JsonNode active = prometheus.awaitAlerts("every alert pending or firing", alerts -> {
      Set<String> names = new HashSet<>();
      alerts.forEach(alert -> names.add(alert.path("labels").path("alertname").asText()));
      return names.containsAll(expected);
    });

    List<String> firingWithoutFor = new ArrayList<>();
    active.forEach(alert -> {
      if (alert.path("state").asText().equals("firing")) {
        firingWithoutFor.add(alert.path("labels").path("alertname").asText());
      }
    });
    assertThat(firingWithoutFor).contains("MfaGatewayReportOnlyMfaDenials");
    for (JsonNode group : prometheus.rules()) {
      for (JsonNode rule : group.path("rules")) {
        assertThat(rule.path("health").asText()).as(rule.path("name").asText() + " " + rule.path("lastError"))
            .isEqualTo("ok");
      }
    }
  }

  /** Each query is polled until it has data; parse errors fail at once. Returns those that never got data. */
  private List<String> queriesWithoutData(List<DashboardQueries.Query> queries) throws Exception {
    List<String> failures = new ArrayList<>();
    for (DashboardQueries.Query query : queries) {
      try {
        prometheus.awaitData(query.expr());
      } catch (AssertionError e) {
        failures.add(query + " -> " + e.getMessage().lines().findFirst().orElse(""));
      }
    }
    return failures;
  }

  /** Ten requests a second, shaped so that every alert condition holds. */
  private void recordTraffic() {
    int allow = DECISIONS.indexOf("allow");
    int deny = DECISIONS.indexOf("deny");
    int wouldDeny = DECISIONS.indexOf("would_deny");
    int ok = REASONS.indexOf("ok");
    int mfaRequired = REASONS.indexOf("mfa_required");
    RouteMeters partnerCenter = metrics.route("partner-center");
    RouteMeters graph = metrics.route("graph");

    partnerCenter.decision(allow, ok);
    partnerCenter.decision(deny, mfaRequired);
    partnerCenter.decision(deny, REASONS.indexOf("tenant_not_allowed"));
    partnerCenter.upstream(StatusClass.SUCCESS, 40_000_000);
    partnerCenter.upstream(StatusClass.SERVER_ERROR, 40_000_000);
    partnerCenter.request(240_000_000);
    partnerCenter.addedLatency(200_000_000);
    partnerCenter.requestBytes(512);
    partnerCenter.responseBytes(4096);
    partnerCenter.poolWait();
    graph.decision(wouldDeny, mfaRequired);
    graph.upstream(StatusClass.TIMEOUT, 60_000_000);
    graph.request(61_000_000);
    graph.addedLatency(1_000_000);
    metrics.tokenValidation(true, 15_000);
    metrics.tokenValidation(false, 400_000);
    metrics.tokenCache(() -> 1, () -> 1, () -> 1, () -> 17);
    metrics.jwksFetch(JwksFetchOutcome.TIMEOUT);
    metrics.httpRejection(REJECTIONS.indexOf("obs_fold"));
    metrics.configReload(false);
    metrics.connectionOpened(ConnectionSide.CLIENT);
    metrics.connectionOpened(ConnectionSide.UPSTREAM);
    metrics.connectionClosed(ConnectionSide.CLIENT);
  }

  /** Micrometer registers the GC pause timer on the first GC notification; make one happen and wait for it. */
  private void awaitGcPauseMeter() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!GatewayMetricsTest.text(metrics.scrape(null)).contains("jvm_gc_pause_seconds_count")) {
      assertThat(System.nanoTime()).as("a GC pause recorded").isLessThan(deadline);
      System.gc();
    }
  }
}
