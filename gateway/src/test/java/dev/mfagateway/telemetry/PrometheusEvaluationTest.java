package dev.mfagateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mfagateway.Gateway;
import dev.mfagateway.config.ConfigLoader;
import dev.mfagateway.proxy.ChildGateway;
import dev.mfagateway.testing.RefusalCases;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import io.micrometer.core.instrument.MockClock;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Every dashboard query and every alert expression, evaluated by a real Prometheus scraping the real gateway's
 * `/metrics` while real traffic goes through it: a gateway in front of real upstreams with a real JWKS, receiving
 * allowed requests, every kind of token refusal, hostile HTTP, report-only requests without MFA, upstream 5xx and
 * timeouts, and requests that queue for a pooled upstream connection. A second gateway whose JWKS is down (its metrics
 * clock three hours on) makes the key alerts true, and a closed port the gateway-down alert. A third gateway, in
 * report-only with per-app compliance series, serves its own tenant a fixed mix of calls, so the Compliance row's
 * figures can be checked, not just found. A fourth, in a JVM of its own with a direct-memory limit of
 * {@link #SMALL_DIRECT_LIMIT}, is sent the first part of request heads on connections that then wait (its header
 * timeout is ten minutes), until the parts it holds in buffers come to more than 90 % of that limit.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(300)
class PrometheusEvaluationTest {
  static final String JOB = "mfa-gateway";
  static final List<String> ROUTES = List.of("partner-center", "graph", "arm");
  /** The third gateway's tenant: only it calls there, so every figure for this tid comes from the fixed mix below. */
  static final String FLEET_TENANT = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f";
  /** An app that is not a CPV, calling with app-only tokens. */
  static final String OTHER_APP_ID = "7d6c5b4a-3e2f-4a1b-9c8d-7e6f5a4b3c2d";
  /** Calls of each kind in one round of {@link #fleetTraffic}. */
  static final int MFA_CALLS = 3;
  static final int NO_MFA_CALLS = 1;
  static final int CPV_APP_ONLY_CALLS = 2;
  static final int APP_ONLY_CALLS = 1;
  static final Map<String, String> ALL_TENANTS = Map.of("route", ".*", "tenant", ".*");
  static final Map<String, String> FLEET_ONLY = Map.of("route", ".*", "tenant", FLEET_TENANT);
  /** The direct-memory limit of the fourth gateway (Netty holds it to the limit: past it, allocations fail). */
  static final long SMALL_DIRECT_LIMIT = 8 * 1024 * 1024;
  /** The first part of a request head that the fourth gateway is sent on each held connection. */
  static final String PART_OF_A_HEAD = "GET /held HTTP/1.1\r\nHost: gw\r\nX-Pad: " + "a".repeat(16 * 1024);
  /** What Prometheus sends when it scrapes. */
  static final String PROMETHEUS_ACCEPT = GatewayMetricsTest.PROMETHEUS_ACCEPT;

  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  private final MockClock keylessClock = new MockClock();
  private TestIssuer issuer;
  private ScriptedUpstream upstream;
  private ScriptedUpstream slowUpstream;
  private Gateway gateway;
  private Gateway keyless;
  private Gateway fleet;
  private ChildGateway nearDirectLimit;
  private final List<Socket> heldConnections = new ArrayList<>();
  private ScheduledExecutorService traffic;
  private PrometheusHarness prometheus;
  private String deadTarget;
  private String allowedToken;
  private String nonMfaToken;
  private String appOnlyToken;
  private final Map<String, Integer> fleetMix = new LinkedHashMap<>(); // token -> calls per round

  @BeforeAll
  void start() throws Exception {
    issuer = TestIssuer.start();
    upstream = new ScriptedUpstream(Duration.ZERO);
    slowUpstream = new ScriptedUpstream(Duration.ofMillis(150));
    gateway = Gateway.start(ConfigLoader.fromString("""
        gateway {
          listen { host = "127.0.0.1", port = 0 }
          admin { host = "127.0.0.1", port = 0 }
          routes = [
            { name = partner-center, path-prefix = "/pc/", upstream = "%1$s", audiences = ["%3$s"] }
            { name = graph, path-prefix = "/graph/", upstream = "%1$s", audiences = ["%3$s"], mode = report-only }
            { name = arm, path-prefix = "/arm/", upstream = "%2$s", audiences = ["%3$s"] }
          ]
          auth { jwks-uri = "%4$s", allowed-tenants = ["%5$s"], cpv-app-ids = ["%6$s"] }
          upstream { connect-timeout = 3s, response-timeout = 1s, pool { max-connections = 1 } }
          limits { header-timeout = 1s }
          server { event-loop-threads = 1, shutdown-grace = 1s }
        }
        """.formatted(upstream.uri(), slowUpstream.uri(), TestIssuer.AUDIENCE, issuer.jwksUri(), TestIssuer.TENANT,
        TestConfigs.CPV_APP_ID)));
    gateway.firstKeyFetch().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(gateway.isReady()).isTrue();
    keyless = Gateway.start(ConfigLoader.fromString("""
        gateway {
          listen { host = "127.0.0.1", port = 0 }
          admin { host = "127.0.0.1", port = 0 }
          routes = [{ name = partner-center, path-prefix = "/", upstream = "%s", audiences = ["%s"] }]
          auth { jwks-uri = "http://127.0.0.1:%d/keys", allowed-tenants = ["%s"] }
          server.shutdown-grace = 1s
        }
        """.formatted(upstream.uri(), TestIssuer.AUDIENCE, PrometheusHarness.freePort(), TestIssuer.TENANT)),
        keylessClock);
    keylessClock.add(Duration.ofHours(3)); // no successful key fetch for three hours: keys stale
    Instant now = Instant.now();
    allowedToken = issuer.mint(TestIssuer.userClaims(now));
    Map<String, Object> withoutMfa = TestIssuer.userClaims(now);
    withoutMfa.put("amr", List.of("pwd"));
    nonMfaToken = issuer.mint(withoutMfa);
    appOnlyToken = issuer.mint(TestIssuer.appOnlyClaims(now, OTHER_APP_ID));
    startFleetGateway(now);
    awaitGcPauseMeter();

    traffic = Executors.newScheduledThreadPool(4);
    traffic.scheduleWithFixedDelay(this::tokenTraffic, 0, 50, TimeUnit.MILLISECONDS);
    traffic.scheduleWithFixedDelay(this::fleetTraffic, 0, 50, TimeUnit.MILLISECONDS);
    traffic.scheduleWithFixedDelay(this::queuedTraffic, 0, 50, TimeUnit.MILLISECONDS);
    traffic.scheduleWithFixedDelay(this::headerTimeout, 0, 100, TimeUnit.MILLISECONDS);
    nearDirectLimit = ChildGateway.start(Files.createTempDirectory("near-direct-limit"), upstream.uri(),
        "header-timeout = 10m", List.of("-Dio.netty.maxDirectMemory=" + SMALL_DIRECT_LIMIT));
    fillDirectMemory();
    deadTarget = "127.0.0.1:" + PrometheusHarness.freePort();
    prometheus = PrometheusHarness.start(JOB,
        List.of(target(gateway), target(keyless), target(fleet), target(nearDirectLimit.adminAddress()), deadTarget),
        ProjectFiles.RULES);
  }

  /**
   * Report-only, so every call is forwarded and counted whatever it breaks; `export-series = apps`, so the series name
   * each app (the first gateway exports the default, one series per tenant with app_id "all").
   */
  private void startFleetGateway(Instant now) throws Exception {
    fleet = Gateway.start(ConfigLoader.fromString("""
        gateway {
          listen { host = "127.0.0.1", port = 0 }
          admin { host = "127.0.0.1", port = 0 }
          mode = report-only
          routes = [{ name = partner-center, path-prefix = "/", upstream = "%s", audiences = ["%s"] }]
          auth { jwks-uri = "%s", allowed-tenants = ["%s"], cpv-app-ids = ["%s"] }
          compliance { export-series = apps }
          server { event-loop-threads = 1, shutdown-grace = 1s }
        }
        """.formatted(upstream.uri(), TestIssuer.AUDIENCE, issuer.jwksUri(), FLEET_TENANT, TestConfigs.CPV_APP_ID)));
    fleet.firstKeyFetch().toCompletableFuture().get(10, TimeUnit.SECONDS);
    Map<String, Object> withoutMfa = fleetTenant(TestIssuer.userClaims(now));
    withoutMfa.put("amr", List.of("pwd"));
    fleetMix.put(issuer.mint(fleetTenant(TestIssuer.userClaims(now))), MFA_CALLS);
    fleetMix.put(issuer.mint(withoutMfa), NO_MFA_CALLS);
    fleetMix.put(issuer.mint(fleetTenant(TestIssuer.appOnlyClaims(now, TestConfigs.CPV_APP_ID))), CPV_APP_ONLY_CALLS);
    fleetMix.put(issuer.mint(fleetTenant(TestIssuer.appOnlyClaims(now, OTHER_APP_ID))), APP_ONLY_CALLS);
  }

  private static Map<String, Object> fleetTenant(Map<String, Object> claims) {
    claims.put("tid", FLEET_TENANT);
    claims.put("iss", TestIssuer.V1_ISSUER.replace("{tenantid}", FLEET_TENANT));
    return claims;
  }

  /**
   * Opens connections to the fourth gateway that each send {@link #PART_OF_A_HEAD} and wait, one at a time, until the
   * gateway's direct memory is above 92 % of its limit (each part is held in a buffer until the head completes): the
   * alert's 90 % with a margin for buffers that were in use only while it was measured.
   */
  private void fillDirectMemory() throws IOException {
    double share = 0;
    while (share <= 0.92) {
      if (heldConnections.size() == 2_000) {
        throw new AssertionError("2,000 held heads and direct memory at " + share + " of the limit");
      }
      Socket socket = new Socket();
      heldConnections.add(socket);
      socket.connect(nearDirectLimit.address(), 5_000);
      socket.getOutputStream().write(PART_OF_A_HEAD.getBytes(StandardCharsets.US_ASCII));
      share = nearDirectLimit.metric("mfa_gateway_netty_direct_memory_used_bytes")
          / nearDirectLimit.metric("mfa_gateway_netty_direct_memory_max_bytes");
    }
  }

  private final AtomicReference<Throwable> trafficFailure = new AtomicReference<>();
  private volatile boolean stopping;

  @AfterAll
  void stop() throws Exception {
    if (prometheus != null) {
      prometheus.close();
    }
    stopping = true;
    if (traffic != null) {
      traffic.shutdownNow();
      traffic.awaitTermination(10, TimeUnit.SECONDS);
    }
    for (AutoCloseable part :
        new AutoCloseable[] {gateway, keyless, fleet, nearDirectLimit, upstream, slowUpstream, issuer}) {
      if (part != null) {
        part.close();
      }
    }
    for (Socket held : heldConnections) {
      held.close();
    }
    assertThat(trafficFailure.get()).as("every background request got the status it expected").isNull();
  }

  @Test
  void prometheusScrapesEveryGatewayAndTheAdminPortSpeaksOpenMetrics() throws Exception {
    Map<String, String> health = prometheus.awaitScraped();

    assertThat(health.get(target(gateway))).isEqualTo("up ");
    assertThat(health.get(target(keyless))).isEqualTo("up ");
    assertThat(health.get(target(fleet))).isEqualTo("up ");
    assertThat(health.get(target(nearDirectLimit.adminAddress()))).isEqualTo("up ");
    assertThat(health.get(deadTarget)).startsWith("down ");
    HttpResponse<String> openMetrics = scrape(PROMETHEUS_ACCEPT);
    assertThat(openMetrics.headers().firstValue("content-type"))
        .hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
    assertThat(openMetrics.body()).endsWith("# EOF\n");
    assertThat(prometheus.awaitData("mfa_gateway_build_info{version=\"development\"}")).hasSize(4);
  }

  @Test
  void theRealScrapePassesPromtoolCheckMetrics() throws Exception {
    prometheus.awaitData("mfa_gateway_http_rejections_total{kind=\"header_timeout\"} > 0");
    HttpResponse<String> text = scrape("text/plain");
    assertThat(text.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");

    ExternalTool.Result lint = ExternalTool.run(List.of("promtool", "check", "metrics"), Path.of("."),
        text.body().getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30));
    assertThat(lint.output()).isEmpty();
    assertThat(lint.exitCode()).isZero();
    Set<String> names = new TreeSet<>();
    text.body().lines().filter(line -> line.startsWith("# TYPE ")).forEach(line -> names.add(line.split(" ")[2]));
    System.out.println("metric families exposed by the gateway (" + names.size() + "): " + names);
  }

  @Test
  void everyRequestKindShowsInTheGatewaysSeries() throws Exception {
    prometheus.awaitScraped();
    List<String> expected = new ArrayList<>();
    for (RefusalCases.Case refusal : RefusalCases.all(issuer)) {
      expected.add("mfa_gateway_decisions_total{route=\"partner-center\",decision=\"deny\",reason=\""
          + refusal.reason().wireName() + "\"} > 0");
    }
    expected.add("mfa_gateway_decisions_total{route=\"partner-center\",decision=\"deny\",reason=\"keys_unavailable\"}"
        + " > 0");
    expected.add("mfa_gateway_decisions_total{route=\"graph\",decision=\"would_deny\",reason=\"mfa_required\"} > 0");
    expected.add("mfa_gateway_decisions_total{route=\"partner-center\",decision=\"allow\",reason=\"ok\"} > 0");
    for (String statusClass : List.of("2xx", "5xx", "timeout")) {
      expected.add("mfa_gateway_upstream_seconds_count{route=\"partner-center\",status_class=\"" + statusClass
          + "\"} > 0");
    }
    for (String kind : List.of("obs_fold", "absolute_form", "lower_case_method", "http_version", "uri_too_long",
        "headers_too_large", "duplicate_host", "header_timeout", "no_route")) {
      expected.add("mfa_gateway_http_rejections_total{kind=\"" + kind + "\"} > 0");
    }
    expected.add("mfa_gateway_token_validation_seconds_count{cache=\"hit\"} > 0");
    expected.add("mfa_gateway_token_validation_seconds_count{cache=\"miss\"} > 0");
    expected.add("mfa_gateway_token_cache_requests_total{result=\"hit\"} > 0");
    expected.add("mfa_gateway_upstream_pool_waits_total{route=\"arm\"} > 0");
    expected.add("mfa_gateway_request_body_bytes_total{route=\"partner-center\"} > 0");
    expected.add("mfa_gateway_response_body_bytes_total{route=\"partner-center\"} > 0");
    expected.add("mfa_gateway_jwks_keys > 0");
    expected.add("mfa_gateway_jwks_fetches_total{outcome=\"success\"} > 0");
    expected.add("mfa_gateway_jwks_fetches_total{outcome=\"unreachable\"} > 0");
    expected.add("mfa_gateway_connections{side=\"upstream\"} > 0");
    expected.add("mfa_gateway_crypto_provider_info");
    expected.add("mfa_gateway_transport_info");

    assertThat(queriesWithoutData(expected.stream().map(q -> new DashboardQueries.Query("series", q)).toList()))
        .isEmpty();
  }

  @Test
  void everyDashboardQueryReturnsData() throws Exception {
    prometheus.awaitScraped();
    List<DashboardQueries.Query> queries = new ArrayList<>(DashboardQueries.panels(ProjectFiles.DASHBOARD,
        Map.of("route", String.join("|", ROUTES), "tenant", ".*", "datasource", "prometheus")));
    queries.addAll(DashboardQueries.variables(ProjectFiles.DASHBOARD));

    assertThat(queries).hasSizeGreaterThan(40);
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
  void theTenantVariableListsEveryTenantSeenAndOther() throws Exception {
    prometheus.awaitScraped();
    DashboardQueries.Query tenants = DashboardQueries.variables(ProjectFiles.DASHBOARD).get(1);

    JsonNode result = prometheus.awaitResult(tenants.expr(), "the three tenants",
        series -> labelValues(series, "tid").contains(FLEET_TENANT) && labelValues(series, "tid").size() >= 4);
    assertThat(labelValues(result, "tid"))
        .containsExactlyInAnyOrder(TestIssuer.TENANT, RefusalCases.OTHER_TENANT, FLEET_TENANT, "other");
  }

  @Test
  void complianceRowNamesTheTenantsAndAppsCallingWithoutMfaOrAsCpvAppOnly() throws Exception {
    prometheus.awaitScraped();
    // The first gateway exports one series per tenant (app_id "all"); the third one series per tenant and app.
    Set<List<String>> withoutMfa = Set.of(List.of(TestIssuer.TENANT, "all"), List.of(FLEET_TENANT, TestIssuer.APP_ID));
    Set<List<String>> cpvAppOnly =
        Set.of(List.of(TestIssuer.TENANT, "all"), List.of(FLEET_TENANT, TestConfigs.CPV_APP_ID));

    assertThat(tenantsAndAppsAbove0(awaitPanel("User calls without MFA by tenant and app", ALL_TENANTS,
        series -> tenantsAndAppsAbove0(series).equals(withoutMfa)))).isEqualTo(withoutMfa);
    assertThat(tenantsAndAppsAbove0(awaitPanel("CPV app-only calls by tenant and app", ALL_TENANTS,
        series -> tenantsAndAppsAbove0(series).equals(cpvAppOnly)))).isEqualTo(cpvAppOnly);
    JsonNode table = awaitPanel("Still breaking the rules, last 24h, by tenant and app", FLEET_ONLY,
        series -> series.size() == 2);
    Set<List<String>> rows = new HashSet<>();
    table.forEach(row -> rows.add(List.of(label(row, "tid"), label(row, "app_id"), label(row, "kind"))));
    assertThat(rows).containsExactlyInAnyOrder(List.of(FLEET_TENANT, TestIssuer.APP_ID, "user_no_mfa"),
        List.of(FLEET_TENANT, TestConfigs.CPV_APP_ID, "cpv_app_only"));
  }

  @Test
  void complianceRowMfaShareIsTheShareOfUserCallsWithMfaPerTenant() throws Exception {
    prometheus.awaitScraped();
    double expected = (double) MFA_CALLS / (MFA_CALLS + NO_MFA_CALLS);

    JsonNode shares = awaitPanel("MFA share of user calls per tenant", ALL_TENANTS,
        series -> near(byLabel(series, "tid").get(FLEET_TENANT), expected, 0.05));
    Map<String, Double> byTenant = byLabel(shares, "tid");
    // Only tenants that made user calls: the "other" bucket (no calls) gives no 0/0 series.
    assertThat(byTenant).containsOnlyKeys(TestIssuer.TENANT, RefusalCases.OTHER_TENANT, FLEET_TENANT);
    assertThat(byTenant.get(RefusalCases.OTHER_TENANT)).isEqualTo(1.0); // refused, but its token proved MFA
    assertThat(byTenant.get(TestIssuer.TENANT)).isStrictlyBetween(0.0, 1.0);
    JsonNode share24h = awaitPanel("MFA share of user calls, last 24h", FLEET_ONLY,
        series -> near(one(series), expected, 0.05));
    assertThat(one(share24h)).isBetween(expected - 0.05, expected + 0.05);
  }

  @Test
  void complianceRowTrendAndTotalsFollowTheMixOfCalls() throws Exception {
    prometheus.awaitScraped();
    JsonNode trend = awaitPanel("Calls by kind, rolling 24h (trend)", FLEET_ONLY,
        series -> followsTheMix(byLabel(series, "kind")));
    assertThat(byLabel(trend, "kind")).containsOnlyKeys("user_mfa", "user_no_mfa", "app_only", "cpv_app_only");
    Predicate<JsonNode> positive = series -> one(series) != null && one(series) > 0;
    assertThat(one(awaitPanel("User calls without MFA, last 24h", FLEET_ONLY, positive))).isPositive();
    assertThat(one(awaitPanel("CPV app-only calls, last 24h", FLEET_ONLY, positive))).isPositive();
    assertThat(one(awaitPanel("Tenants still breaking the rules, last 24h", FLEET_ONLY,
        series -> near(one(series), 1, 0)))).isEqualTo(1);
    assertThat(one(awaitPanel("Tenants still breaking the rules, last 24h", ALL_TENANTS,
        series -> near(one(series), 2, 0)))).as("the test tenant and the fleet tenant, not the foreign one")
        .isEqualTo(2);
  }

  /** The rollout guide's queries, as an operator pastes them, against a fleet in the middle of a rollout. */
  @Test
  void everyQueryOfTheRolloutGuideReturnsData() throws Exception {
    prometheus.awaitScraped();
    List<DashboardQueries.Query> queries = DashboardQueries.markdown(ProjectFiles.ROLLOUT);

    assertThat(queries).hasSizeGreaterThanOrEqualTo(10);
    assertThat(queriesWithoutData(queries)).isEmpty();
  }

  @Test
  void everyAlertConditionHoldsForTheTraffic() throws Exception {
    prometheus.awaitScraped();
    List<DashboardQueries.Query> alerts = DashboardQueries.rules(ProjectFiles.RULES);

    assertThat(alerts).hasSize(9);
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

  /**
   * A background traffic round that got an unexpected answer. The rounds keep running (a thrown error would cancel the
   * repetition); the first failure fails the class when it stops. Failures while stopping are the stop itself.
   */
  private void trafficFailed(Throwable failure) {
    if (!stopping) {
      trafficFailure.compareAndSet(null, failure);
    }
  }

  /** Polls the single query of the dashboard panel titled {@code title} until {@code condition} holds. */
  private JsonNode awaitPanel(String title, Map<String, String> values, Predicate<JsonNode> condition)
      throws Exception {
    List<DashboardQueries.Query> queries = DashboardQueries.panel(ProjectFiles.DASHBOARD, title, values);
    assertThat(queries).as(title).hasSize(1);
    return prometheus.awaitResult(queries.get(0).expr(), "panel \"" + title + "\"", condition);
  }

  /** (tid, app_id) of the series whose value is above 0. */
  private static Set<List<String>> tenantsAndAppsAbove0(JsonNode result) {
    Set<List<String>> above = new HashSet<>();
    result.forEach(series -> {
      if (value(series) > 0) {
        above.add(List.of(label(series, "tid"), label(series, "app_id")));
      }
    });
    return above;
  }

  private static Map<String, Double> byLabel(JsonNode result, String name) {
    Map<String, Double> values = new HashMap<>();
    result.forEach(series -> values.put(label(series, name), value(series)));
    return values;
  }

  private static Set<String> labelValues(JsonNode result, String name) {
    return byLabel(result, name).keySet();
  }

  /** The value of a result holding exactly one series; null otherwise. */
  private static Double one(JsonNode result) {
    return result.size() == 1 ? value(result.get(0)) : null;
  }

  /**
   * Calls by kind in the proportions of one round of {@link #fleetTraffic}, each within 10 %, once at least 20 rounds
   * are counted (a window's ends may cut a round).
   */
  private static boolean followsTheMix(Map<String, Double> calls) {
    if (!calls.keySet().containsAll(List.of("user_mfa", "user_no_mfa", "app_only", "cpv_app_only"))) {
      return false;
    }
    double rounds = calls.get("user_no_mfa") / NO_MFA_CALLS;
    return rounds >= 20
        && near(calls.get("user_mfa") / rounds, MFA_CALLS, 0.1 * MFA_CALLS)
        && near(calls.get("cpv_app_only") / rounds, CPV_APP_ONLY_CALLS, 0.1 * CPV_APP_ONLY_CALLS)
        && near(calls.get("app_only") / rounds, APP_ONLY_CALLS, 0.1 * APP_ONLY_CALLS);
  }

  private static String label(JsonNode series, String name) {
    return series.path("metric").path(name).asText();
  }

  private static double value(JsonNode series) {
    return Double.parseDouble(series.path("value").path(1).asText());
  }

  private static boolean near(Double actual, double expected, double tolerance) {
    return actual != null && Math.abs(actual - expected) <= tolerance;
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

  /**
   * One round, one request at a time: allowed calls (with a body), every token refusal, report-only without MFA, an
   * upstream 503 and a timeout, keys unavailable on the keyless gateway, and hostile HTTP on raw sockets.
   */
  private void tokenTraffic() {
    try {
      send(gateway, "/pc/v1/customers", List.of("Bearer " + allowedToken), "{\"order\":1}", 200);
      send(gateway, "/pc/v1/fail", List.of("Bearer " + allowedToken), "", 503);
      send(gateway, "/pc/v1/hang", List.of("Bearer " + allowedToken), "", 504);
      send(gateway, "/graph/v1.0/me", List.of("Bearer " + nonMfaToken), "", 200);
      send(gateway, "/pc/v1/customers", List.of("Bearer " + appOnlyToken), "", 200);
      for (RefusalCases.Case refusal : RefusalCases.all(issuer)) {
        send(gateway, "/pc/v1/customers" + refusal.query(), refusal.authorization(), "",
            refusal.reason().status());
      }
      send(keyless, "/v1/customers", List.of("Bearer " + allowedToken), "", 503);
      raw("GET / HTTP/1.1\r\nHost: gw\r\nX-Folded: a\r\n b\r\n\r\n", 400);
      raw("GET http://evil.invalid/pc/ HTTP/1.1\r\nHost: gw\r\n\r\n", 400);
      raw("get /pc/ HTTP/1.1\r\nHost: gw\r\n\r\n", 405);
      raw("GET /pc/ HTTP/2.0\r\nHost: gw\r\n\r\n", 505);
      raw("GET /pc/" + "a".repeat(9000) + " HTTP/1.1\r\nHost: gw\r\n\r\n", 414);
      raw("GET /pc/ HTTP/1.1\r\nHost: gw\r\nX-Big: " + "b".repeat(33_000) + "\r\n\r\n", 431);
      raw("GET /pc/ HTTP/1.1\r\nHost: gw\r\nHost: other\r\n\r\n", 400);
      raw("GET /elsewhere HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer " + allowedToken + "\r\n\r\n", 404);
    } catch (Exception | AssertionError e) {
      trafficFailed(e);
    }
  }

  /** One round of the third gateway's fixed mix, one call at a time; report-only forwards them all. */
  private void fleetTraffic() {
    try {
      for (Map.Entry<String, Integer> token : fleetMix.entrySet()) {
        for (int i = 0; i < token.getValue(); i++) {
          send(fleet, "/v1/customers", List.of("Bearer " + token.getKey()), "", 200);
        }
      }
    } catch (Exception | AssertionError e) {
      trafficFailed(e);
    }
  }

  /** Two requests at once on a route whose upstream takes 150 ms and whose pool holds one connection: one waits. */
  private void queuedTraffic() {
    try {
      CompletableFuture<HttpResponse<String>> first = sendAsync("/arm/subscriptions");
      CompletableFuture<HttpResponse<String>> second = sendAsync("/arm/resourceGroups");
      assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      assertThat(second.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    } catch (Exception | AssertionError e) {
      trafficFailed(e);
    }
  }

  /** A request head that never completes: 408 after `limits.header-timeout`. */
  private void headerTimeout() {
    try {
      raw("GET /pc/ HTTP/1.1\r\nHost: gw\r\n", 408);
    } catch (Exception | AssertionError e) {
      trafficFailed(e);
    }
  }

  private void send(Gateway target, String path, List<String> authorization, String body, int expectedStatus)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(base(target).resolve(path))
        .timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString(body));
    authorization.forEach(value -> request.header("Authorization", value));
    assertThat(http.send(request.build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .as(path + " " + authorization.size()).isEqualTo(expectedStatus);
  }

  private CompletableFuture<HttpResponse<String>> sendAsync(String path) {
    return http.sendAsync(HttpRequest.newBuilder(base(gateway).resolve(path)).timeout(Duration.ofSeconds(10))
        .header("Authorization", "Bearer " + allowedToken).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Sends raw bytes on a new connection and checks the status line the gateway answers before it closes. */
  private void raw(String request, int expectedStatus) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(gateway.address(), 5000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      String answer = new String(in.readNBytes(12), StandardCharsets.ISO_8859_1);
      assertThat(answer).isEqualTo("HTTP/1.1 " + expectedStatus);
    }
  }

  private HttpResponse<String> scrape(String accept) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://" + target(gateway) + "/metrics"))
        .header("Accept", accept).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI base(Gateway target) {
    return URI.create("http://127.0.0.1:" + target.address().getPort());
  }

  private static String target(Gateway target) {
    return target(target.adminAddress());
  }

  private static String target(InetSocketAddress admin) {
    return "127.0.0.1:" + admin.getPort();
  }

  /** Micrometer registers the GC pause timer on the first GC notification; make one happen and wait for it. */
  private void awaitGcPauseMeter() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!scrape("text/plain").body().contains("jvm_gc_pause_seconds_count")) {
      assertThat(System.nanoTime()).as("a GC pause recorded").isLessThan(deadline);
      System.gc();
    }
  }
}
