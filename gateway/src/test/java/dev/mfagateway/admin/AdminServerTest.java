package dev.mfagateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.compliance.ComplianceReport;
import dev.mfagateway.config.Endpoint;
import dev.mfagateway.telemetry.GatewayMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdminServerTest {
  private final AtomicBoolean ready = new AtomicBoolean();
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
  private static final String OPENMETRICS_TEXT = "application/openmetrics-text; version=1.0.0; charset=utf-8";
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final GatewayMetrics metrics = new GatewayMetrics(registry, List.of(), List.of(), List.of(), List.of());
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private AdminServer admin;

  @BeforeEach
  void start() throws Exception {
    registry.counter("mfa_gateway_test_events").increment(3);
    admin = new AdminServer(new Endpoint("127.0.0.1", 0), ready::get, metrics,
        new ComplianceReport(10, null, java.time.Clock.systemUTC()), "test replica");
    admin.start();
  }

  @AfterEach
  void stop() throws Exception {
    admin.close();
    metrics.close();
  }

  @Test
  void healthzIs200WhileServing() throws Exception {
    HttpResponse<String> response = get("/healthz", "*/*");
    assertThat(response.statusCode()).isEqualTo(200);
  }

  @Test
  void readyzFollowsTheReadinessCheck() throws Exception {
    assertThat(get("/readyz", "*/*").statusCode()).isEqualTo(503);
    ready.set(true);
    assertThat(get("/readyz", "*/*").statusCode()).isEqualTo(200);
  }

  @Test
  void metricsInPrometheusText() throws Exception {
    HttpResponse<String> response = get("/metrics", "*/*");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue(PROMETHEUS_TEXT);
    assertThat(response.body()).contains("mfa_gateway_test_events_total 3.0");
  }

  @Test
  void metricsInOpenMetricsWhenAsked() throws Exception {
    HttpResponse<String> response = get("/metrics", "application/openmetrics-text; version=1.0.0");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue(OPENMETRICS_TEXT);
    assertThat(response.body()).contains("mfa_gateway_test_events_total 3.0").endsWith("# EOF\n");
  }

  @Test
  void anythingElseIs404() throws Exception {
    assertThat(get("/metrics/x", "*/*").statusCode()).isEqualTo(404);
    assertThat(get("/", "*/*").statusCode()).isEqualTo(404);
  }

  @Test
  void aTargetWithABadPercentEscapeIs400() throws Exception {
    assertThat(statusLineOf("/%zz")).isEqualTo("HTTP/1.1 400 Bad Request");
    assertThat(statusLineOf("/compliance?window=%zz")).isEqualTo("HTTP/1.1 400 Bad Request");
    assertThat(get("/healthz", "*/*").statusCode()).isEqualTo(200);
  }

  /** The status line answering `GET target` sent as is (Java's HTTP client refuses a bad escape itself). */
  private String statusLineOf(String target) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", admin.address().getPort())) {
      socket.setSoTimeout(5_000);
      socket.getOutputStream().write(
          ("GET " + target + " HTTP/1.1\r\nHost: admin\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }
  }

  private HttpResponse<String> get(String path, String accept) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + admin.address().getPort() + path);
    return http.send(
        HttpRequest.newBuilder(uri).header("Accept", accept).GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
