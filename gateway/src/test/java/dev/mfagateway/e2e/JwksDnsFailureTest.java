package dev.mfagateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.Main;
import dev.mfagateway.config.ChildJvm;
import dev.mfagateway.testing.FaultServer;
import dev.mfagateway.testing.Poll;
import dev.mfagateway.testing.TestIssuer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JWKS host stops resolving, and resolves again: `serve` in a child JVM whose name lookups read a hosts file the
 * test edits (`jdk.net.hosts.file`, no address caching), so the name can fail and come back without a restart. Before
 * the first good fetch: 503 `keys_unavailable`; with keys loaded: an unknown kid is 401 `unknown_key` while cached
 * tokens pass. The probe (a request on another connection, `/healthz`) answers promptly throughout, the child runs
 * with the paranoid leak detector and must log no leak. {@link JwksFaultsTest} covers a `.invalid` name in-process.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JwksDnsFailureTest {
  private static final String HOST = "jwks.fault.test";
  private static final String PATH = "/v1/customers";
  private static final Duration WAIT = Duration.ofSeconds(30);
  /** Longer than the longest retry backoff (30 s): a fetch that failed for a while is retried within it. */
  private static final Duration NEXT_RETRY = Duration.ofSeconds(45);

  private final HttpClient client = HttpClient.newHttpClient();
  private final List<String> output = new CopyOnWriteArrayList<>();

  @Test
  void anUnresolvableJwksHostIsSurvivedAndRecoveredFromWithoutARestart(@TempDir Path dir) throws Exception {
    try (TestIssuer issuer = TestIssuer.start();
        FaultServer jwks = FaultServer.start(issuer::jwksJson);
        RecordingServer upstream = new RecordingServer("{}")) {
      Path hosts = Files.writeString(dir.resolve("hosts"), "127.0.0.1 localhost\n");
      Path config = Files.writeString(dir.resolve("gateway.conf"), """
          gateway {
            listen { host = "127.0.0.1", port = 0 }
            admin { host = "127.0.0.1", port = 0 }
            routes = [ { name = partner-center, path-prefix = "/", upstream = "%s", audiences = ["%s"] } ]
            auth {
              jwks-uri = "http://%s:%d/keys"
              allowed-tenants = ["%s"]
              jwks-fetch-timeout = 2s
              jwks-min-refresh-interval = 100ms
            }
            server { event-loop-threads = 1, shutdown-grace = 1s }
          }
          """.formatted(upstream.uri(), TestIssuer.AUDIENCE, HOST, jwks.uri().getPort(), TestIssuer.TENANT));
      Tokens tokens = new Tokens(issuer);
      Process child = ChildJvm.start(Map.of(),
          List.of("-Djdk.net.hosts.file=" + hosts, "-Dsun.net.inetaddr.ttl=0", "-Dsun.net.inetaddr.negative.ttl=0",
              "-Dio.netty.leakDetection.level=paranoid", "-Dlog4j2.configurationFile=log4j2.xml"),
          Main.class, "serve", "--config", config.toString());
      try {
        readLines(child);
        Poll.until("both listeners logged", WAIT, () -> port("gateway") > 0 && port("admin") > 0);

        // The name does not resolve: no keys, 503 at once; the fetch keeps being retried.
        Poll.until("a failed fetch", WAIT, () -> metric("outcome=\"unreachable\"") >= 1);
        HttpResponse<String> refused = get(tokens.valid());
        Refusals.assertRefusal(refused, 503, Refusals.NO_CHALLENGE, "keys_unavailable");
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        // Timed once warm: a fresh JVM's first request loads classes, which is not what the probe looks for.
        assertThat(timed(() -> get(tokens.valid())).statusCode()).isEqualTo(503);
        assertThat(timed(() -> admin("/healthz"))).isEqualTo(200);
        assertThat(admin("/readyz")).isEqualTo(503);
        assertThat(jwks.requests()).isZero();

        // It resolves: keys load on the next retry.
        Files.writeString(hosts, "127.0.0.1 localhost\n127.0.0.1 " + HOST + "\n");
        Poll.until("/readyz 200 once the name resolves", NEXT_RETRY, () -> admin("/readyz") == 200);
        String cachedToken = tokens.valid();
        assertThat(get(cachedToken).statusCode()).isEqualTo(200);

        // It stops resolving with keys loaded: an unknown kid is 401 unknown_key, a cached token passes promptly.
        Files.writeString(hosts, "127.0.0.1 localhost\n");
        double failures = metric("outcome=\"unreachable\"");
        int fetches = jwks.requests();
        issuer.rotate();
        String newKeyToken = tokens.valid();
        Refusals.assertRefusal(get(newKeyToken), 401, "invalid_token", "unknown_key");
        assertThat(metric("outcome=\"unreachable\"")).isGreaterThan(failures);
        assertThat(jwks.requests()).isEqualTo(fetches);
        assertThat(timed(() -> get(cachedToken)).statusCode()).isEqualTo(200);
        assertThat(timed(() -> admin("/healthz"))).isEqualTo(200);

        // It resolves again: the new key is fetched on demand.
        Files.writeString(hosts, "127.0.0.1 localhost\n127.0.0.1 " + HOST + "\n");
        Poll.until("the new key passes", WAIT, () -> get(newKeyToken).statusCode() == 200);

        child.destroy();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isZero();
        assertThat(output).noneMatch(line -> line.contains("LEAK"));
      } finally {
        child.destroyForcibly();
      }
    }
  }

  private interface Call<T> {
    T call() throws Exception;
  }

  /** The call's result, asserting it came within {@link PromptProbe#BOUND}. */
  private static <T> T timed(Call<T> call) throws Exception {
    long started = System.nanoTime();
    T result = call.call();
    assertThat(PromptProbe.since(started)).isLessThan(PromptProbe.BOUND);
    return result;
  }

  /** Collects the child's output lines (both streams, so that neither pipe fills up). */
  private void readLines(Process child) {
    for (var stream : List.of(child.getInputStream(), child.getErrorStream())) {
      CompletableFuture.runAsync(() -> {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
          reader.lines().forEach(output::add);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }

  private int port(String listener) {
    return ChildJvm.listeningPort(output, listener);
  }

  /** A GET of {@link #PATH} with {@code token}. */
  private HttpResponse<String> get(String token) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port("gateway") + PATH))
        .header("Authorization", "Bearer " + token).timeout(WAIT).build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private int admin(String path) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port("admin") + path)).timeout(WAIT).build();
    return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private double metric(String label) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port("admin") + "/metrics"))
        .timeout(WAIT).build();
    return client.send(request, HttpResponse.BodyHandlers.ofString()).body().lines()
        .filter(line -> line.startsWith("mfa_gateway_jwks_fetches_total{") && line.contains(label))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum();
  }
}
