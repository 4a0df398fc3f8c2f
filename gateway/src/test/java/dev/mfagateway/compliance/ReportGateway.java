package dev.mfagateway.compliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mfagateway.Gateway;
import dev.mfagateway.config.ConfigLoader;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real gateway for the compliance tests: started from configuration text through {@link ConfigLoader} with a
 * report clock the test moves, loopback listener and admin port; requests go over real sockets, and the report is read
 * back from `/compliance`, `/compliance.html` and `/metrics` on the admin port.
 */
final class ReportGateway implements AutoCloseable {
  /** A second tenant of the partner's, allowed next to {@link TestIssuer#TENANT}. */
  static final String TENANT_2 = "2b7e151a-28ae-4d2a-abf7-15880923c4f3";
  private static final Duration TIMEOUT = Duration.ofSeconds(15);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Gateway gateway;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private ReportGateway(Gateway gateway) {
    this.gateway = gateway;
  }

  /** Starts the gateway and waits until its first key fetch ended; the report buckets calls by {@code reportClock}. */
  static ReportGateway start(String hocon, Clock reportClock) throws Exception {
    Gateway gateway =
        Gateway.start(ConfigLoader.fromString(hocon), io.micrometer.core.instrument.Clock.SYSTEM, reportClock);
    gateway.firstKeyFetch().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    return new ReportGateway(gateway);
  }

  /**
   * Configuration text: loopback listeners, keys from {@code jwksUri}, {@link TestIssuer#TENANT} and {@link #TENANT_2}
   * allowed, {@link TestConfigs#CPV_APP_ID} a CPV app, `gateway.compliance` members {@code compliance}, and four
   * routes to {@code upstream}: `/strict/` refuses app-only tokens, `/report/` is report-only, `/claims/` is
   * claims-only, and `/` is the Partner Center route with every default.
   */
  static String config(URI jwksUri, URI upstream, String compliance) {
    return """
        gateway {
          listen { host = "127.0.0.1", port = 0 }
          admin { host = "127.0.0.1", port = 0 }
          routes = [
            { name = strict, path-prefix = "/strict/", upstream = "%2$s", audiences = ["%3$s"], allow-app-only = false }
            { name = report, path-prefix = "/report/", upstream = "%2$s", audiences = ["%3$s"], mode = report-only }
            { name = claims, path-prefix = "/claims/", upstream = "%2$s", audiences = ["%3$s"], signature = claims-only }
            { name = partner-center, path-prefix = "/", upstream = "%2$s", audiences = ["%3$s"] }
          ]
          auth {
            jwks-uri = "%1$s"
            allowed-tenants = ["%4$s", "%5$s"]
            cpv-app-ids = ["%6$s"]
          }
          compliance { %7$s }
          server { event-loop-threads = 2, shutdown-grace = 1s }
        }
        """.formatted(jwksUri, upstream, TestIssuer.AUDIENCE, TestIssuer.TENANT, TENANT_2, TestConfigs.CPV_APP_ID,
        compliance);
  }

  /** Sends a GET for {@code target} with each of {@code authorizations} as an `Authorization` header; the status. */
  int send(String target, List<String> authorizations) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(proxyUri(target)).timeout(TIMEOUT);
    authorizations.forEach(value -> request.header("Authorization", value));
    return client.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** Sends {@code token} as a bearer token to {@code target}; the status. */
  int call(String target, String token) throws IOException, InterruptedException {
    return send(target, List.of("Bearer " + token));
  }

  URI proxyUri(String target) {
    return URI.create("http://127.0.0.1:" + gateway.address().getPort() + target);
  }

  URI adminUri(String target) {
    return URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + target);
  }

  HttpResponse<String> admin(String target) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(adminUri(target)).timeout(TIMEOUT).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** `/compliance?window={@code window}`, which must answer 200 with JSON. */
  JsonNode report(String window) throws IOException, InterruptedException {
    HttpResponse<String> response = admin("/compliance?window=" + window);
    assertThat(response.statusCode()).as("body %s", response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    return JSON.readTree(response.body());
  }

  /** `/compliance` (the default window). */
  JsonNode report() throws IOException, InterruptedException {
    HttpResponse<String> response = admin("/compliance");
    assertThat(response.statusCode()).as("body %s", response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  /** The Prometheus text of `/metrics`. */
  String metrics() throws IOException, InterruptedException {
    HttpResponse<String> response = admin("/metrics");
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  @Override
  public void close() throws InterruptedException {
    gateway.close();
  }
}
