package dev.mfagateway.e2e;

import dev.mfagateway.Gateway;
import dev.mfagateway.config.ConfigLoader;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real gateway as `serve` runs it: configuration text through {@link ConfigLoader}, then {@link Gateway#start},
 * listener and admin on free loopback ports. Requests go over real sockets with the JDK's HTTP/1.1 client.
 */
final class RunningGateway implements AutoCloseable {
  static final String GRAPH = "https://graph.microsoft.com";
  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  private final Gateway gateway;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private RunningGateway(Gateway gateway) {
    this.gateway = gateway;
  }

  /** Starts the gateway and waits for its first key fetch to end, whatever its outcome. */
  static RunningGateway start(String hocon) throws Exception {
    Gateway gateway = Gateway.start(ConfigLoader.fromString(hocon));
    gateway.firstKeyFetch().toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    return new RunningGateway(gateway);
  }

  /**
   * Configuration text: loopback listeners on port 0, signing keys from {@code jwksUri}, the {@link TestIssuer}'s
   * tenant allowed, {@link TestConfigs#CPV_APP_ID} a CPV app, and the given routes (HOCON objects).
   */
  static String config(URI jwksUri, String... routes) {
    return """
        gateway {
          listen { host = "127.0.0.1", port = 0 }
          admin { host = "127.0.0.1", port = 0 }
          routes = [ %s ]
          auth {
            jwks-uri = "%s"
            allowed-tenants = ["%s"]
            cpv-app-ids = ["%s"]
          }
          server { event-loop-threads = 2, shutdown-grace = 1s }
        }
        """.formatted(String.join(",\n", routes), jwksUri, TestIssuer.TENANT, TestConfigs.CPV_APP_ID);
  }

  /** A route object; {@code overrides} are further HOCON members, e.g. {@code signature = claims-only}. */
  static String route(String name, String pathPrefix, URI upstream, String audience, String overrides) {
    return "{ name = %s, path-prefix = \"%s\", upstream = \"%s\", audiences = [\"%s\"] %s }"
        .formatted(name, pathPrefix, upstream, audience, overrides);
  }

  /**
   * The routes the end-to-end tests judge against, all to {@code upstream}: `/strict/` refuses app-only tokens,
   * `/report/` is report-only, `/claims/` and `/graph/` are claims-only (`/graph/` with Graph's audience), and `/` is
   * the Partner Center route with every default.
   */
  static String[] routes(URI upstream) {
    return new String[] {
      route("strict", "/strict/", upstream, TestIssuer.AUDIENCE, ", allow-app-only = false"),
      route("report", "/report/", upstream, TestIssuer.AUDIENCE, ", mode = report-only"),
      route("claims", "/claims/", upstream, TestIssuer.AUDIENCE, ", signature = claims-only"),
      route("graph", "/graph/", upstream, GRAPH, ", signature = claims-only"),
      route("partner-center", "/", upstream, TestIssuer.AUDIENCE, "")
    };
  }

  InetSocketAddress address() {
    return gateway.address();
  }

  /** The gateway itself, for reloads. */
  Gateway gateway() {
    return gateway;
  }

  /**
   * The sum of the admin listener's `/metrics` samples of {@code name} whose labels include each of {@code labels}
   * (written as in the scrape, e.g. {@code outcome="applied"}); fails when there is none.
   */
  double metric(String name, String... labels) throws IOException, InterruptedException {
    URI uri = URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + "/metrics");
    String scrape = client.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    List<String> samples = scrape.lines()
        .filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
        .filter(line -> Arrays.stream(labels).allMatch(line::contains))
        .toList();
    if (samples.isEmpty()) {
      throw new AssertionError("no sample of " + name + " with " + Arrays.toString(labels));
    }
    return samples.stream().mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
  }

  /** A request to the gateway for {@code target} (path and query) carrying each given `Authorization` value. */
  HttpRequest.Builder request(String target, List<String> authorizations) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + address().getPort() + target)).timeout(TIMEOUT);
    authorizations.forEach(value -> request.header("Authorization", value));
    return request;
  }

  HttpResponse<String> get(String target, List<String> authorizations) throws IOException, InterruptedException {
    return send(request(target, authorizations));
  }

  HttpResponse<String> get(String target, String token) throws IOException, InterruptedException {
    return get(target, List.of("Bearer " + token));
  }

  HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  CompletableFuture<HttpResponse<String>> sendAsync(HttpRequest.Builder request) {
    return client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The status of the admin listener's `/readyz`. */
  int readyz() throws IOException, InterruptedException {
    URI uri = URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + "/readyz");
    return client.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  /** Hits of the verified-token cache since start. */
  long tokenCacheHits() {
    return gateway.authenticator().verifiedTokens().stats().hits();
  }

  /** The status of the admin listener's `/healthz`. */
  int healthz() throws IOException, InterruptedException {
    URI uri = URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + "/healthz");
    return client.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  boolean isReady() {
    return gateway.isReady();
  }

  @Override
  public void close() throws InterruptedException {
    gateway.close();
  }
}
