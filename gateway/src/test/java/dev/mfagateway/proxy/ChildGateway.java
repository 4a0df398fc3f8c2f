package dev.mfagateway.proxy;

import dev.mfagateway.Main;
import dev.mfagateway.config.ChildJvm;
import dev.mfagateway.testing.Poll;
import dev.mfagateway.testing.TestIssuer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The gateway as `serve --config FILE` runs it, in a child JVM of its own: its own file-descriptor limit (so one test
 * can hold 10,000 client sockets on the test side while the gateway holds 10,000 on its side), its own heap settings,
 * and its memory and descriptors readable from /proc. It logs with the production Log4j configuration (JSON lines).
 */
public final class ChildGateway implements AutoCloseable {
  private static final Duration START = Duration.ofSeconds(60);

  private final Process process;
  private final List<String> stdout = new CopyOnWriteArrayList<>();
  private final CompletableFuture<String> stderr;

  private ChildGateway(Process process) {
    this.process = process;
    this.stderr = new CompletableFuture<>();
    daemon("child-gateway-stdout", () -> {
      try (BufferedReader reader =
          new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        reader.lines().forEach(stdout::add);
      }
    });
    daemon("child-gateway-stderr", () -> {
      try (var stream = process.getErrorStream()) {
        stderr.complete(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
      }
    });
  }

  /**
   * Starts a gateway routing `/` to {@code upstream}, keys from {@link TestGateway#ISSUER}, with {@code limits} as the
   * body of `gateway.limits { … }` (empty: SPEC defaults) and {@code jvmOptions}; returns once it listens and has its
   * keys.
   */
  public static ChildGateway start(Path dir, URI upstream, String limits, List<String> jvmOptions)
      throws Exception {
    Path config = dir.resolve("gateway.conf");
    Files.writeString(config, """
        gateway {
          listen { host = "127.0.0.1", port = 0 }
          admin { host = "127.0.0.1", port = 0 }
          routes = [ { name = partner-center, path-prefix = "/", upstream = "%s", audiences = ["%s"] } ]
          auth { jwks-uri = "%s", allowed-tenants = ["%s"] }
          limits { %s }
          server { shutdown-grace = 1s }
        }
        """.formatted(upstream, TestIssuer.AUDIENCE, TestGateway.ISSUER.jwksUri(), TestIssuer.TENANT, limits));
    List<String> options = new ArrayList<>(jvmOptions);
    options.add("-Dlog4j2.configurationFile=" + ChildJvm.repoFile("gateway/src/main/resources/log4j2.xml"));
    ChildGateway child =
        new ChildGateway(ChildJvm.start(Map.of(), options, Main.class, "serve", "--config", config.toString()));
    try {
      Poll.until("both listeners logged", START, () -> child.port("gateway") > 0 && child.port("admin") > 0);
      Poll.until("signing keys loaded (a valid request answered 200)", START, () -> {
        try (RawClient probe = new RawClient(child.address())) {
          return probe.send(TestGateway.get("/ready")).read().status() == 200;
        }
      });
      return child;
    } catch (Throwable e) {
      child.close();
      throw new AssertionError("child gateway did not start; stderr: " + child.stderr.getNow("") + "\nstdout: "
          + String.join("\n", child.stdout), e);
    }
  }

  public InetSocketAddress address() {
    return new InetSocketAddress("127.0.0.1", port("gateway"));
  }

  public InetSocketAddress adminAddress() {
    return new InetSocketAddress("127.0.0.1", port("admin"));
  }

  long pid() {
    return process.pid();
  }

  /** The resident set size now (`VmRSS` of /proc/PID/status), in KiB. */
  long rssKib() throws IOException {
    return statusKib("VmRSS");
  }

  /** The peak resident set size so far (`VmHWM`), in KiB. */
  long peakRssKib() throws IOException {
    return statusKib("VmHWM");
  }

  /** Open file descriptors of the gateway process. */
  long openDescriptors() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid()), "fd"))) {
      return fds.count();
    }
  }

  /** Runs `jcmd PID {@code command}` (e.g. `GC.run`) and returns its output. */
  String jcmd(String... command) throws IOException, InterruptedException {
    List<String> line = new ArrayList<>();
    line.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
    line.add(Long.toString(pid()));
    line.addAll(List.of(command));
    Process jcmd = new ProcessBuilder(line).redirectErrorStream(true).start();
    String output = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
      throw new IOException("jcmd " + line + " failed: " + output);
    }
    return output;
  }

  /** `mfa_gateway_connections{side="client"}` from the admin port's /metrics. */
  long clientConnections() throws IOException {
    return (long) metric("mfa_gateway_connections{side=\"client\"}");
  }

  /** The value of the sample {@code series} (its name, and its labels if it has any) on the admin port's /metrics. */
  public double metric(String series) throws IOException {
    try (RawClient admin = new RawClient(adminAddress())) {
      return admin.send("GET /metrics HTTP/1.1\r\nHost: admin\r\n\r\n").read().bodyText().lines()
          .filter(line -> line.startsWith(series + " "))
          .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1).trim()))
          .findFirst()
          .orElseThrow(() -> new IOException("no " + series + " series on /metrics"));
    }
  }

  /** The JSON log lines written so far. */
  List<String> logLines() {
    return List.copyOf(stdout);
  }

  boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private long statusKib(String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
      }
    }
    throw new IOException(field + " not in /proc/" + pid() + "/status");
  }

  private int port(String listener) {
    return ChildJvm.listeningPort(stdout, listener);
  }

  private interface Reading {
    void run() throws IOException;
  }

  private static void daemon(String name, Reading reading) {
    Thread thread = new Thread(() -> {
      try {
        reading.run();
      } catch (IOException | UncheckedIOException closed) {
        // The stream closed with the process: nothing more to read.
      }
    }, name);
    thread.setDaemon(true);
    thread.start();
  }

}
