package dev.mfagateway.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Prometheus (Debian's {@code prometheus} binary) on a free loopback port, scraping the given targets every
 * second under one job, with a rules file loaded and evaluated every second. Start it with {@link #start}, wait for
 * {@link #awaitScraped}, query with {@link #query}, and close it.
 */
final class PrometheusHarness implements AutoCloseable {
  static final Duration WAIT = Duration.ofSeconds(30);
  private static final String NEVER_SCRAPED = "0001-01-01T00:00:00Z";

  private final Path directory;
  private final Process process;
  private final URI base;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ObjectMapper json = new ObjectMapper();

  private PrometheusHarness(Path directory, Process process, URI base) {
    this.directory = directory;
    this.process = process;
    this.base = base;
  }

  /** Starts Prometheus scraping {@code targets} ({@code host:port}, path {@code /metrics}) as job {@code job}. */
  static PrometheusHarness start(String job, List<String> targets, Path rulesFile) throws Exception {
    Path binary = ExternalTool.requireOnPath("prometheus");
    Path directory = Files.createTempDirectory("prometheus-harness");
    Path rules = Files.copy(rulesFile, directory.resolve("rules.yaml"));
    String targetList = targets.stream().map(t -> "'" + t + "'").collect(Collectors.joining(", "));
    Path config = Files.writeString(directory.resolve("prometheus.yml"), """
        global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
        rule_files: ['%s']
        scrape_configs:
          - job_name: '%s'
            metrics_path: /metrics
            static_configs: [{targets: [%s]}]
        """.formatted(rules, job, targetList));
    int port = freePort();
    Process process = new ProcessBuilder(binary.toString(),
        "--config.file=" + config,
        "--storage.tsdb.path=" + directory.resolve("data"),
        "--web.listen-address=127.0.0.1:" + port,
        "--log.level=warn")
        .redirectErrorStream(true)
        .redirectOutput(directory.resolve("prometheus.log").toFile())
        .start();
    PrometheusHarness harness = new PrometheusHarness(directory, process, URI.create("http://127.0.0.1:" + port));
    try {
      harness.awaitReady();
    } catch (Throwable e) {
      harness.close();
      throw e;
    }
    return harness;
  }

  /** Waits until every target has been scraped at least once; returns each target's health (`up` or `down`). */
  Map<String, String> awaitScraped() throws Exception {
    return poll("every target scraped once", () -> {
      JsonNode active = get("/api/v1/targets?state=active").path("data").path("activeTargets");
      Map<String, String> health = new HashMap<>();
      for (JsonNode target : active) {
        if (target.path("lastScrape").asText().startsWith(NEVER_SCRAPED)) {
          return null;
        }
        health.put(target.path("labels").path("instance").asText(),
            target.path("health").asText() + " " + target.path("lastError").asText());
      }
      return health.isEmpty() ? null : health;
    });
  }

  /** The result of an instant query; a PromQL error fails at once with Prometheus's message. */
  JsonNode query(String promql) throws Exception {
    JsonNode answer = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    if (!answer.path("status").asText().equals("success")) {
      throw new AssertionError("Prometheus refused " + promql + ": " + answer);
    }
    return answer.path("data").path("result");
  }

  /** Polls {@link #query} until it returns at least one series, or fails after {@link #WAIT}. */
  JsonNode awaitData(String promql) throws Exception {
    return poll("data for " + promql, () -> {
      JsonNode result = query(promql);
      return result.isEmpty() ? null : result;
    });
  }

  /**
   * Polls {@link #query} until {@code condition} holds for the result, or fails after {@link #WAIT} showing the last
   * result: for values that settle as samples accumulate (rates and ratios over a window that is still filling).
   */
  JsonNode awaitResult(String promql, String what, Predicate<JsonNode> condition) throws Exception {
    JsonNode[] last = {null};
    try {
      return poll(what + ": " + promql, () -> {
        last[0] = query(promql);
        return condition.test(last[0]) ? last[0] : null;
      });
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage().lines().findFirst().orElse("") + "\nlast result: " + last[0], e);
    }
  }

  /** The loaded rule groups as {@code /api/v1/rules} reports them. */
  JsonNode rules() throws Exception {
    return get("/api/v1/rules").path("data").path("groups");
  }

  /** Polls {@code /api/v1/alerts} until {@code condition} holds for the active alerts. */
  JsonNode awaitAlerts(String what, Predicate<JsonNode> condition) throws Exception {
    return poll(what, () -> {
      JsonNode alerts = get("/api/v1/alerts").path("data").path("alerts");
      return condition.test(alerts) ? alerts : null;
    });
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  private void awaitReady() throws Exception {
    poll("/-/ready", () -> {
      try {
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(base.resolve("/-/ready"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        return ready.statusCode() == 200 ? ready : null;
      } catch (IOException notListeningYet) {
        return null;
      }
    });
  }

  private JsonNode get(String pathAndQuery) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    return json.readTree(response.body());
  }

  private interface Attempt<T> {
    /** The result, or null to try again. */
    T attempt() throws Exception;
  }

  /** Bounded polling: tries every 100 ms until a result or {@link #WAIT}; fails early if Prometheus has exited. */
  private <T> T poll(String what, Attempt<T> attempt) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new AssertionError("Prometheus exited (" + process.exitValue() + ") waiting for " + what + ":\n" + log());
      }
      T result = attempt.attempt();
      if (result != null) {
        return result;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + WAIT + " waiting for " + what + "\n" + log());
      }
      // Waits for the process's exit as the pause between tries: returns early only if Prometheus dies.
      process.waitFor(100, TimeUnit.MILLISECONDS);
    }
  }

  private String log() throws IOException {
    List<String> lines = Files.readAllLines(directory.resolve("prometheus.log"));
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
