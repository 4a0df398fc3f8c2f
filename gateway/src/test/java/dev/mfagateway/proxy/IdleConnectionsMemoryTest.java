package dev.mfagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.testing.ImageJvmOptions;
import dev.mfagateway.testing.Poll;
import dev.mfagateway.testing.TestIssuer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 11's memory target: with 10,000 idle keep-alive client connections, each of which made one request, the
 * gateway's resident set stays under 256 MiB. The gateway runs as `serve` in a child JVM sized like the Helm chart's
 * default pod: a 512 MiB memory limit and `-XX:MaxRAMPercentage=50` (the Dockerfile's and chart's default), which the
 * JVM sees through `-XX:MaxRAM=512m` (a 256 MiB heap limit), the young generation the image and chart start it at
 * (`-XX:NewSize=24m`), and the collector the JVM picks by itself in such a container (Serial: it does not count a 2-CPU
 * machine with under 1792 MiB as a server).
 *
 * <p>Two token shapes: the compact test token on every connection, and what scripts really send, each connection its
 * own Entra-sized token (about 2.3 KB, {@link TestIssuer#entraSizedUserClaims}), so the gateway also holds 10,000
 * verified tokens in its cache and Netty's decoder has grown its line buffer to the long `Authorization` line on each
 * connection. Issue 11's 256 MiB target is met with the compact token (205–222 MiB). With Entra-sized ones the gateway
 * is at it (239–262 MiB over sessions 8–10) because a connection quiet for {@link FrontendHandler#SHED_AFTER} gives back
 * what its request left: the decoder's scratch buffer (4 KiB after a 2.3 KB `Authorization` line) and its last token.
 * Without that, 305–314 MiB: the heap the JVM commits while the connections open, garbage included, is most of the
 * resident set, so what is shed early counts. That case is held to 290 MiB: it fails without the shedding, and leaves
 * room for a machine that is not this one.
 *
 * <p>With `-Didle-connections.results=DIR` the figures are also written to `DIR/idle-connections-<UTC>.txt`
 * (`loadtest/idle-connections.sh` does that).
 */
class IdleConnectionsMemoryTest {
  static final int CONNECTIONS = 10_000;
  /**
   * What the pod's JVM is given and picks by itself (see the class comment): the limit it sees, the image's
   * `JDK_JAVA_OPTIONS` (the chart's defaults render the same: `HelmChartTest`), Serial, and the entrypoint's exit
   * on running out of memory.
   */
  static final List<String> POD_JVM = Stream.of(List.of("-XX:MaxRAM=512m"), ImageJvmOptions.list(),
      List.of("-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError")).flatMap(List::stream).toList();

  enum Tokens {
    /** One compact test token (about 1 KB) on every connection: issue 11's target, 256 MiB. */
    ONE_COMPACT_TOKEN(256),
    /** Each connection its own Entra-sized token (about 2.3 KB): 290 MiB (see the class comment). */
    OWN_ENTRA_SIZED_TOKENS(290);

    final long limitKib;

    Tokens(long limitMib) {
      this.limitKib = limitMib * 1024;
    }

    String describe(int bytes) {
      return this == ONE_COMPACT_TOKEN
          ? "the same %d-byte token on each".formatted(bytes)
          : "each its own %d-byte Entra-sized token (all %d verified and cached)".formatted(bytes, CONNECTIONS);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Tokens.class)
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void tenThousandIdleKeepAliveConnectionsStayUnderTheLimit(Tokens tokens, @TempDir Path dir) throws Exception {
    DescriptorBudget.require(CONNECTIONS + 200);
    List<String> authorizations = authorizations(tokens);
    try (RecordingUpstream upstream = new RecordingUpstream();
        ChildGateway gateway = ChildGateway.start(dir, upstream.uri(), "", POD_JVM)) {
      warmUp(gateway);
      Poll.until("the warm-up connections counted closed", Duration.ofSeconds(10),
          () -> gateway.clientConnections() == 0);
      long before = gateway.rssKib();

      long with;
      long heap;
      try (ClientConnections idle = ClientConnections.open(gateway.address(), CONNECTIONS, authorizations::get)) {
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
          connections: %d, each made one GET with a valid token (200) and then stayed open, idle; tokens: %s
          RSS before (started, keys loaded, warmed up): %d KiB (%.1f MiB)
          RSS with %d idle connections:                %d KiB (%.1f MiB)
          heap used then (jcmd GC.heap_info):           %d KiB (%.1f MiB)
          peak RSS (VmHWM):                             %d KiB (%.1f MiB)
          per connection ((with - before) / connections): %.1f KiB
          limit: under %d MiB (%d KiB)
          """.formatted(Instant.now(), System.getProperty("java.vm.name"), System.getProperty("java.version"),
          POD_JVM, CONNECTIONS, tokens.describe(authorizations.get(0).length() - "Bearer ".length()), before,
          mib(before), CONNECTIONS, with, mib(with), heap, mib(heap), peak, mib(peak),
          (with - before) / (double) CONNECTIONS, tokens.limitKib / 1024, tokens.limitKib);
      System.out.println(figures);
      record(figures, tokens);

      assertThat(with).as(figures).isLessThan(tokens.limitKib);
      assertThat(gateway.isAlive()).isTrue();
    }
  }

  private static List<String> authorizations(Tokens tokens) {
    if (tokens == Tokens.ONE_COMPACT_TOKEN) {
      return Collections.nCopies(CONNECTIONS, TestGateway.validAuthorization());
    }
    Instant now = Instant.now();
    List<String> all = new ArrayList<>(CONNECTIONS);
    for (int i = 0; i < CONNECTIONS; i++) {
      Map<String, Object> claims = TestIssuer.entraSizedUserClaims(now);
      claims.put("oid", new UUID(0x0a1b2c3d4e5f4a6bL, 0x8c7d000000000000L + i).toString());
      claims.put("uti", "uti" + i);
      all.add("Bearer " + TestGateway.ISSUER.mint(claims));
    }
    return all;
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

  private static void record(String figures, Tokens tokens) throws Exception {
    String dir = System.getProperty("idle-connections.results");
    if (dir == null || dir.isBlank()) {
      return;
    }
    String stamp = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmm'Z'").withZone(ZoneOffset.UTC).format(Instant.now());
    String name = "idle-connections-" + stamp + (tokens == Tokens.ONE_COMPACT_TOKEN ? "" : "-entra-sized") + ".txt";
    Files.writeString(Path.of(dir).resolve(name), figures);
  }
}
