package dev.mfagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import dev.mfagateway.testing.Poll;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11's memory target: with 10,000 idle keep-alive client connections, each of which made one request, the
 * gateway's resident set stays under 256 MiB. The gateway runs as `serve` in a child JVM sized like the Helm chart's
 * default pod: a 512 MiB memory limit and `-XX:MaxRAMPercentage=50` (the Dockerfile's and chart's default), which the
 * JVM sees through `-XX:MaxRAM=512m` (a 256 MiB heap limit), and the collector the JVM picks by itself in such a
 * container (Serial: it does not count a 2-CPU machine with under 1792 MiB as a server).
 *
 * <p>With `-Didle-connections.results=DIR` the figures are also written to `DIR/idle-connections-<UTC>.txt`
 * (`loadtest/idle-connections.sh` does that).
 */
class IdleConnectionsMemoryTest {
  static final int CONNECTIONS = 10_000;
  private static final long LIMIT_KIB = 256 * 1024;
  /** What the pod's JVM is given and picks by itself (see the class comment). */
  static final List<String> POD_JVM = List.of("-XX:MaxRAM=512m", "-XX:MaxRAMPercentage=50", "-XX:+UseSerialGC",
      "-XX:+ExitOnOutOfMemoryError");

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void tenThousandIdleKeepAliveConnectionsStayUnder256MiB(@TempDir Path dir) throws Exception {
    DescriptorBudget.require(CONNECTIONS + 200);
    try (RecordingUpstream upstream = new RecordingUpstream();
        ChildGateway gateway = ChildGateway.start(dir, upstream.uri(), "", POD_JVM)) {
      warmUp(gateway);
      Poll.until("the warm-up connections counted closed", Duration.ofSeconds(10),
          () -> gateway.clientConnections() == 0);
      long before = gateway.rssKib();

      long with;
      long heap;
      try (ClientConnections idle = ClientConnections.open(gateway.address(), CONNECTIONS)) {
        with = gateway.rssKib();
        heap = heapUsedKib(gateway);
        try (RawClient probe = new RawClient(gateway.adminAddress())) {
          assertThat(probe.send("GET /healthz HTTP/1.1\r\nHost: admin\r\n\r\n").read().status()).isEqualTo(200);
        }
      }
      long peak = gateway.peakRssKib();
      String figures = """
          Idle keep-alive connections: RSS of the gateway (VmRSS, /proc/PID/status)
          when: %s
          jvm: %s %s; options: %s (the chart's default pod: 512 MiB limit, MaxRAMPercentage=50)
          connections: %d, each made one GET with a valid token (200) and then stayed open, idle
          RSS before (started, keys loaded, warmed up): %d KiB (%.1f MiB)
          RSS with %d idle connections:                %d KiB (%.1f MiB)
          heap used then (jcmd GC.heap_info):           %d KiB (%.1f MiB)
          peak RSS (VmHWM):                             %d KiB (%.1f MiB)
          per connection ((with - before) / connections): %.1f KiB
          target: under 256 MiB (262144 KiB)
          """.formatted(Instant.now(), System.getProperty("java.vm.name"), System.getProperty("java.version"),
          POD_JVM, CONNECTIONS, before, mib(before), CONNECTIONS, with, mib(with), heap, mib(heap), peak, mib(peak),
          (with - before) / (double) CONNECTIONS);
      System.out.println(figures);
      record(figures);

      assertThat(with).as(figures).isLessThan(LIMIT_KIB);
      assertThat(gateway.isAlive()).isTrue();
    }
  }

  /** Requests on one connection, so the first connection's costs (class loading, JIT) are in the "before" figure. */
  private static void warmUp(ChildGateway gateway) throws Exception {
    try (RawClient client = new RawClient(gateway.address())) {
      for (int i = 0; i < 2_000; i++) {
        assertThat(client.send(TestGateway.get("/warm/" + i)).read().status()).isEqualTo(200);
      }
    }
  }

  /** Heap in use after the last collection, from `jcmd GC.heap_info` (Serial: def new + tenured `used`). */
  private static long heapUsedKib(ChildGateway gateway) throws Exception {
    long used = 0;
    for (String line : gateway.jcmd("GC.heap_info").split("\n")) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("total \\d+K, used (\\d+)K").matcher(line);
      if (m.find() && !line.contains("Metaspace") && !line.contains("class space")) {
        used += Long.parseLong(m.group(1));
      }
    }
    return used;
  }

  private static double mib(long kib) {
    return kib / 1024.0;
  }

  private static void record(String figures) throws Exception {
    String dir = System.getProperty("idle-connections.results");
    if (dir == null || dir.isBlank()) {
      return;
    }
    String stamp = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmm'Z'").withZone(ZoneOffset.UTC).format(Instant.now());
    Files.writeString(Path.of(dir).resolve("idle-connections-" + stamp + ".txt"), figures);
  }
}
