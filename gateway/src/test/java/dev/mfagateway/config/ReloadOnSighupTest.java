package dev.mfagateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.Main;
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
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `serve --config FILE` in a child JVM: SIGHUP re-reads the configuration, which the process applies and keeps serving
 * (no exit 129). The rules sit in a file the main file includes, which the file watcher does not follow: only the
 * SIGHUP can have applied them.
 */
class ReloadOnSighupTest {
  private static final Duration WAIT = Duration.ofSeconds(60); // a child JVM on a loaded machine can be slow to start

  private final HttpClient client = HttpClient.newHttpClient();
  private final List<String> stdout = new CopyOnWriteArrayList<>();

  @Test
  void sighupAppliesTheChangedConfigurationAndTheProcessKeepsServing(@TempDir Path dir) throws Exception {
    try (TestIssuer issuer = TestIssuer.start()) {
      Path rules = dir.resolve("rules.conf");
      Files.writeString(rules, "gateway.auth.allowed-tenants = []\n");
      Path file = dir.resolve("gateway.conf");
      Files.writeString(file, """
          gateway {
            listen { host = "127.0.0.1", port = 0 }
            admin { host = "127.0.0.1", port = 0 }
            routes = [ { name = partner-center, path-prefix = "/", upstream = "http://127.0.0.1:1",
                         audiences = ["%s"] } ]
            auth.jwks-uri = "%s"
            server { event-loop-threads = 1, shutdown-grace = 1s }
          }
          include file("%s")
          """.formatted(TestIssuer.AUDIENCE, issuer.jwksUri(), rules));
      Map<String, Object> claims = TestIssuer.userClaims(Instant.now());
      claims.put("amr", List.of("pwd"));
      String authorization = "Bearer " + issuer.mint(claims);

      Process child = ChildJvm.start(Map.of(),
          List.of("-Dlog4j2.configurationFile=" + ChildJvm.repoFile("gateway/src/main/resources/log4j2.xml")),
          Main.class, "serve", "--config", file.toString());
      try {
        CompletableFuture<String> stderr = ChildJvm.readAsync(child.getErrorStream());
        readLines(child);
        Poll.until("both listeners logged", WAIT, () -> port("gateway") > 0 && port("admin") > 0);
        Poll.until("keys loaded", WAIT, () -> status("/v1/customers", authorization) != 503);
        assertThat(refusalReason(authorization)).as("no tenant allowed yet").isEqualTo("tenant_not_allowed");

        Files.writeString(rules, "gateway.auth.allowed-tenants = [\"" + TestIssuer.TENANT + "\"]\n");
        hangUp(child);
        Poll.until("the reload counted", WAIT, () -> reloads("applied") == 1);

        assertThat(child.isAlive()).as("still running; stderr: %s", stderr.getNow("")).isTrue();
        assertThat(refusalReason(authorization)).as("tenant now allowed").isEqualTo("mfa_required");
        assertThat(stdout).anyMatch(line -> line.contains("re-reading the configuration after SIGHUP"));
        assertThat(stdout).anyMatch(line -> line.contains("\"event\":\"config_reload\"")
            && line.contains("\"tenants_added\":[\"" + TestIssuer.TENANT + "\"]"));

        hangUp(child);
        Poll.until("the second reload counted", WAIT, () -> reloads("applied") == 2);
        assertThat(stdout).anyMatch(line -> line.contains("\"event\":\"config_reload\"")
            && line.contains("\"summary\":\"no changes\""));
        assertThat(reloads("rejected")).isZero();
        assertThat(child.isAlive()).isTrue();

        child.destroy();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as("SIGTERM drains and exits 0").isZero();
      } finally {
        child.destroyForcibly();
      }
    }
  }

  private static void hangUp(Process child) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(child.pid())).inheritIO().start();
    assertThat(kill.waitFor()).isZero();
  }

  private void readLines(Process child) {
    CompletableFuture.runAsync(() -> {
      try (BufferedReader reader =
          new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        reader.lines().forEach(stdout::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  private int port(String listener) {
    return ChildJvm.listeningPort(stdout, listener);
  }

  private int status(String target, String authorization) throws IOException, InterruptedException {
    return proxyGet(target, authorization).statusCode();
  }

  private String refusalReason(String authorization) throws IOException, InterruptedException {
    Matcher reason = Pattern.compile("\"reason\":\"([a-z_]+)\"").matcher(proxyGet("/v1/customers", authorization).body());
    return reason.find() ? reason.group(1) : null;
  }

  private HttpResponse<String> proxyGet(String target, String authorization) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port("gateway") + target))
        .header("Authorization", authorization).timeout(WAIT).build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private double reloads(String outcome) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port("admin") + "/metrics"))
        .timeout(WAIT).build();
    String series = "mfa_gateway_config_reloads_total{outcome=\"" + outcome + "\"} ";
    return client.send(request, HttpResponse.BodyHandlers.ofString()).body().lines()
        .filter(line -> line.startsWith(series))
        .mapToDouble(line -> Double.parseDouble(line.substring(series.length()).trim()))
        .findFirst().orElseThrow();
  }
}
