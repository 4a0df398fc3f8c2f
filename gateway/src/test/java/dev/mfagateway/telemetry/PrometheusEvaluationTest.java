package dev.mfagateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mfagateway.Gateway;
import dev.mfagateway.config.ConfigLoader;
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
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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
 * clock three hours on) makes the key alerts true, and a closed port the gateway-down alert.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(300)
class PrometheusEvaluationTest {
  static final String JOB = "mfa-gateway";
  static final List<String> ROUTES = List.of("partner-center", "graph", "arm");
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
  private ScheduledExecutorService traffic;
  private PrometheusHarness prometheus;
  private String deadTarget;
  private String allowedToken;
  private String nonMfaToken;

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
    awaitGcPauseMeter();

    traffic = Executors.newScheduledThreadPool(3);
    traffic.scheduleWithFixedDelay(this::tokenTraffic, 0, 50, TimeUnit.MILLISECONDS);
    traffic.scheduleWithFixedDelay(this::queuedTraffic, 0, 50, TimeUnit.MILLISECONDS);
    traffic.scheduleWithFixedDelay(this::headerTimeout, 0, 100, TimeUnit.MILLISECONDS);
    deadTarget = "127.0.0.1:" + PrometheusHarness.freePort();
    prometheus = PrometheusHarness.start(JOB, List.of(target(gateway), target(keyless), deadTarget),
        ProjectFiles.RULES);
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
    for (AutoCloseable part : new AutoCloseable[] {gateway, keyless, upstream, slowUpstream, issuer}) {
      if (part != null) {
        part.close();
      }
    }
    assertThat(trafficFailure.get()).as("every background request got the status it expected").isNull();
  }

  @Test
  void prometheusScrapesBothGatewaysAndTheAdminPortSpeaksOpenMetrics() throws Exception {
    Map<String, String> health = prometheus.awaitScraped();

    assertThat(health.get(target(gateway))).isEqualTo("up ");
    assertThat(health.get(target(keyless))).isEqualTo("up ");
    assertThat(health.get(deadTarget)).startsWith("down ");
    HttpResponse<String> openMetrics = scrape(PROMETHEUS_ACCEPT);
    assertThat(openMetrics.headers().firstValue("content-type"))
        .hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
    assertThat(openMetrics.body()).endsWith("# EOF\n");
    assertThat(prometheus.awaitData("mfa_gateway_build_info{version=\"development\"}")).hasSize(2);
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

    assertThat(queriesWithoutData(expected.stream().map(q -> new DashboardQueries.Query("series", q)).toList()))
        .isEmpty();
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
  void everyAlertConditionHoldsForTheTraffic() throws Exception {
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

  /**
   * A background traffic round that got an unexpected answer. The rounds keep running (a thrown error would cancel the
   * repetition); the first failure fails the class when it stops. Failures while stopping are the stop itself.
   */
  private void trafficFailed(Throwable failure) {
    if (!stopping) {
      trafficFailure.compareAndSet(null, failure);
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
    InetSocketAddress admin = target.adminAddress();
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
