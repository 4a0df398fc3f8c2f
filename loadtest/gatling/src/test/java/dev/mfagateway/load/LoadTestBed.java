package dev.mfagateway.load;

import dev.mfagateway.Gateway;
import dev.mfagateway.config.ConfigLoader;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Everything a simulation runs against, in this JVM and on 127.0.0.1 only: a token issuer serving its JWKS, the
 * stand-in upstream, and the real gateway in front of it with every {@link LoadRoute}, the issuer's tenant allowed and
 * the CPV app id configured.
 */
public final class LoadTestBed implements AutoCloseable {
  private final TestIssuer issuer;
  private final StandInUpstream upstream;
  private final Gateway gateway;

  private LoadTestBed(TestIssuer issuer, StandInUpstream upstream, Gateway gateway) {
    this.issuer = issuer;
    this.upstream = upstream;
    this.gateway = gateway;
  }

  /** Starts the three and returns once the gateway holds the signing keys (its /readyz would say 200). */
  public static LoadTestBed start() throws Exception {
    StandInUpstream upstream = StandInUpstream.start();
    TestIssuer issuer = TestIssuer.start();
    Gateway gateway = Gateway.start(ConfigLoader.fromString(config(issuer.jwksUri(), upstream.url())));
    LoadTestBed bed = new LoadTestBed(issuer, upstream, gateway);
    gateway.firstKeyFetch().toCompletableFuture().get(30, TimeUnit.SECONDS);
    if (!gateway.isReady()) {
      bed.close();
      throw new IllegalStateException("the gateway did not load the test issuer's signing keys");
    }
    return bed;
  }

  static String config(URI jwksUri, String upstream) {
    String routes = Arrays.stream(LoadRoute.values()).map(route -> route.config(upstream))
        .collect(Collectors.joining(",\n    "));
    return """
        gateway {
          listen { host = "127.0.0.1", port = 0 }
          admin { host = "127.0.0.1", port = 0 }
          routes = [
            %s
          ]
          auth { jwks-uri = "%s", allowed-tenants = ["%s"], cpv-app-ids = ["%s"] }
          server { shutdown-grace = 5s }
        }
        """.formatted(routes, jwksUri, TestIssuer.TENANT, TestConfigs.CPV_APP_ID);
  }

  public TestIssuer issuer() {
    return issuer;
  }

  /** Where clients send their requests. */
  public String gatewayUrl() {
    return "http://127.0.0.1:" + gateway.address().getPort();
  }

  /**
   * Sends the scripts' requests one after the other for {@code duration}, so that the measured run does not start on
   * cold code (class loading, first key use, the first upstream connections, JIT). Returns how many were sent.
   */
  public int warmUp(List<Script> scripts, Duration duration) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    long deadline = System.nanoTime() + duration.toNanos();
    int sent = 0;
    while (System.nanoTime() < deadline) {
      Script script = scripts.get(sent % scripts.size());
      LoadRoute route = LoadRoute.values()[sent / scripts.size() % LoadRoute.values().length];
      HttpRequest request = HttpRequest.newBuilder(URI.create(gatewayUrl() + route.requestPath()))
          .header("Authorization", "Bearer " + script.tokens().get(route)).timeout(Duration.ofSeconds(10)).build();
      client.send(request, HttpResponse.BodyHandlers.discarding());
      sent++;
    }
    return sent;
  }

  /** The gateway's own count of its decisions: the {@code mfa_gateway_decisions_total} lines of its /metrics. */
  public List<String> decisionCounts() throws IOException, InterruptedException {
    URI metrics = URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + "/metrics");
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(metrics).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    return response.body().lines().filter(line -> line.startsWith("mfa_gateway_decisions_total{")).toList();
  }

  @Override
  public void close() {
    try {
      gateway.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      upstream.close();
      issuer.close();
    }
  }
}
