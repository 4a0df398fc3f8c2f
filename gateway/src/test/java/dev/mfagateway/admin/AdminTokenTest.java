package dev.mfagateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.Main;
import dev.mfagateway.compliance.ComplianceReport;
import dev.mfagateway.config.ConfigLoader;
import dev.mfagateway.config.Endpoint;
import dev.mfagateway.config.InvalidConfigException;
import dev.mfagateway.telemetry.GatewayMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** `gateway.admin.token-file`: the admin listener, loaded from a real configuration, asked over HTTP. */
class AdminTokenTest {
  private static final String TOKEN = "adm1n-T0ken_for.metrics~scrapes";
  private static final String CHALLENGE = "Bearer realm=\"mfa-gateway-admin\"";

  @TempDir
  Path tmp;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final GatewayMetrics metrics = new GatewayMetrics(registry, List.of(), List.of(), List.of(), List.of());
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private AdminServer admin;

  @BeforeEach
  void start() throws Exception {
    registry.counter("mfa_gateway_test_events").increment(3);
    // Written the way `kubectl create secret --from-file` or an editor leaves it: with a trailing newline.
    Path tokenFile = write("token", "  " + TOKEN + "\n");
    Endpoint endpoint = ConfigLoader.fromString(
        "gateway.admin { host = 127.0.0.1, port = 0, token-file = \"" + tokenFile + "\" }").admin();
    admin = new AdminServer(endpoint, () -> true, metrics,
        new ComplianceReport(10, null, java.time.Clock.systemUTC()), "test replica");
    admin.start();
  }

  @AfterEach
  void stop() {
    admin.close();
    metrics.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/metrics", "/compliance", "/compliance.html", "/compliance?window=1h"})
  void withoutATokenProtectedPathsAre401WithABearerChallenge(String path) throws Exception {
    HttpResponse<String> response = send(path);

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("www-authenticate")).hasValue(CHALLENGE);
    assertThat(response.body()).isEqualTo("admin token required\n").doesNotContain(TOKEN);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "Bearer adm1n-T0ken_for.metrics~scrapeX", // same length, last character differs
      "Bearer Xdm1n-T0ken_for.metrics~scrapes", // same length, first character differs
      "Bearer adm1n-T0ken_for.metrics~scrape", // a prefix of the token
      "Bearer adm1n-T0ken_for.metrics~scrapes2", // the token and more
      "Basic adm1n-T0ken_for.metrics~scrapes", // the token under another scheme
      "adm1n-T0ken_for.metrics~scrapes", // no scheme
      "Bearer", "Bearer "
  })
  void aWrongTokenIs401(String authorization) throws Exception {
    for (String path : List.of("/metrics", "/compliance", "/compliance.html")) {
      HttpResponse<String> response = send(path, "Authorization", authorization);

      assertThat(response.statusCode()).as(path).isEqualTo(401);
      assertThat(response.headers().firstValue("www-authenticate")).hasValue(CHALLENGE);
    }
  }

  @Test
  void theRightTokenOpensMetrics() throws Exception {
    HttpResponse<String> response = send("/metrics", "Authorization", "Bearer " + TOKEN);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("www-authenticate")).isEmpty();
    assertThat(response.body()).contains("mfa_gateway_test_events_total 3.0");
    assertThat(send("/metrics", "Authorization", "bearer   " + TOKEN).statusCode()).isEqualTo(200);
  }

  @Test
  void theRightTokenGetsPastTheCheckOnCompliancePaths() throws Exception {
    HttpResponse<String> json = send("/compliance", "Authorization", "Bearer " + TOKEN);
    assertThat(json.statusCode()).isEqualTo(200);
    assertThat(json.body()).contains("\"tenants\":[]");
    HttpResponse<String> page = send("/compliance.html?window=24h", "Authorization", "Bearer " + TOKEN);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("MFA compliance");
  }

  @Test
  void theTokenTwiceOrBesideAnotherAuthorizationHeaderIs401() throws Exception {
    assertThat(send("/metrics", "Authorization", "Bearer " + TOKEN, "Authorization", "Bearer " + TOKEN).statusCode())
        .isEqualTo(401);
    assertThat(send("/metrics", "Authorization", "Bearer nope", "Authorization", "Bearer " + TOKEN).statusCode())
        .isEqualTo(401);
  }

  @Test
  void probesStayOpenWithoutAToken() throws Exception {
    assertThat(send("/healthz").statusCode()).isEqualTo(200);
    assertThat(send("/readyz").statusCode()).isEqualTo(200);
    assertThat(send("/readyz", "Authorization", "Bearer wrong").statusCode()).isEqualTo(200);
  }

  @Test
  void aTokenFileThatIsMissingEmptyOrNotOneWordIsAConfigurationError() throws Exception {
    Path missing = tmp.resolve("absent");
    Path empty = write("empty", "");
    Path blank = write("blank", " \n\t\n");
    Path twoWords = write("two-words", "first-half second-half\n");

    assertThat(problems(missing)).containsExactly("gateway.admin.token-file: file not found: " + missing);
    assertThat(problems(tmp)).containsExactly("gateway.admin.token-file: file not found: " + tmp);
    assertThat(problems(empty)).containsExactly("gateway.admin.token-file: file is empty: " + empty);
    assertThat(problems(blank)).containsExactly("gateway.admin.token-file: file is empty: " + blank);
    assertThat(problems(twoWords)).containsExactly("gateway.admin.token-file: must hold one word of visible ASCII "
        + "(it travels in an HTTP header): " + twoWords);
  }

  @Test
  void withoutATokenFileTheAdminPortIsOpenAsBefore() throws Exception {
    assertThat(ConfigLoader.fromString("").admin().token()).isEmpty();
    assertThat(ConfigLoader.fromString("gateway.admin.token-file = null").admin().token()).isEmpty();
  }

  @Test
  void theSecretNeverShowsInTheConfiguration() throws Exception {
    Path tokenFile = write("shown", TOKEN);

    assertThat(ConfigLoader.fromString("gateway.admin.token-file = \"" + tokenFile + "\"").toString())
        .doesNotContain(TOKEN)
        .contains("Secret[redacted]");
  }

  @Test
  void serveExitsWith2NamingTheKeyWhenTheTokenFileIsEmpty() throws Exception {
    Path empty = write("empty", "\n");
    Path config = write("gateway.conf",
        "gateway { listen.port = 0, admin { port = 0, token-file = \"" + empty + "\" } }");
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve", "--config", config.toString()));
    Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).isEqualTo(2);
      assertThat(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
          .contains("gateway.admin.token-file: file is empty: " + empty);
    } finally {
      process.destroyForcibly();
    }
  }

  private List<String> problems(Path tokenFile) {
    try {
      ConfigLoader.fromString("gateway.admin.token-file = \"" + tokenFile + "\"");
    } catch (InvalidConfigException e) {
      return e.problems();
    }
    throw new AssertionError("expected a problem with token file " + tokenFile);
  }

  private Path write(String name, String content) throws Exception {
    return Files.writeString(tmp.resolve(name), content);
  }

  private HttpResponse<String> send(String path, String... headers) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + admin.address().getPort() + path);
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET();
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
