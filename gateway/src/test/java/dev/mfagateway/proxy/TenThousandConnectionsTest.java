package dev.mfagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.testing.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * 10,000 concurrent client connections (issue 12, client faults), against the gateway as `serve` in a child JVM (one
 * process cannot hold both ends of 10,000 connections under this machine's 20,000 descriptor limit). Each connection
 * makes a request and stays open; a probe on a new connection is still answered promptly; the connection beyond the
 * cap is refused; when the clients go, every connection closes, the gateway's descriptors return to their baseline,
 * Netty's leak detector (paranoid, in the child) reports nothing, and the gateway serves as before.
 */
class TenThousandConnectionsTest {
  private static final int CONNECTIONS = 10_000;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void tenThousandConnectionsAreHeldAndAllCloseCleanly(@TempDir Path dir) throws Exception {
    DescriptorBudget.require(CONNECTIONS + 200);
    List<String> jvm = new ArrayList<>(IdleConnectionsMemoryTest.POD_JVM);
    jvm.add("-Dio.netty.leakDetection.level=paranoid");
    try (RecordingUpstream upstream = new RecordingUpstream();
        ChildGateway gateway =
            ChildGateway.start(dir, upstream.uri(), "max-connections = " + (CONNECTIONS + 1), jvm)) {
      Probe.warmUp(gateway.address());
      Poll.until("warm-up connections closed", Duration.ofSeconds(10), () -> gateway.clientConnections() == 0);
      long baseline = gateway.openDescriptors();

      long opened = System.nanoTime();
      try (ClientConnections clients = ClientConnections.open(gateway.address(), CONNECTIONS)) {
        Duration opening = Duration.ofNanos(System.nanoTime() - opened);
        assertThat(gateway.clientConnections()).isEqualTo(CONNECTIONS);
        Duration health = Probe.health(gateway.adminAddress());
        Duration probe;
        try (RawClient probing = new RawClient(gateway.address())) {
          long start = System.nanoTime();
          assertThat(probing.send(TestGateway.get("/probe/10001")).read().status()).isEqualTo(200);
          probe = Duration.ofNanos(System.nanoTime() - start);
          assertThat(probe).as("the probe on connection %d", CONNECTIONS + 1).isLessThan(Probe.BOUND);
          try (RawClient beyond = new RawClient(gateway.address())) {
            assertThat(beyond.closedByServer()).as("connection %d, beyond the cap", CONNECTIONS + 2).isTrue();
          }
          assertThat(clients.get(0).send(TestGateway.get("/again")).read().status())
              .as("the first connection still served").isEqualTo(200);
        }
        System.out.printf("10,000 connections: opened in %d ms (each one request); descriptors %d -> %d;"
                + " probe %d ms; /healthz %d ms%n", opening.toMillis(), baseline, gateway.openDescriptors(),
            probe.toMillis(), health.toMillis());
      }

      Poll.until("every client connection closed", Duration.ofSeconds(30), () -> gateway.clientConnections() == 0);
      Poll.until("descriptors back to the baseline of " + baseline, Duration.ofSeconds(30),
          () -> gateway.openDescriptors() <= baseline);
      gateway.jcmd("GC.run");
      Probe.warmUp(gateway.address()); // allocations after the collection make the detector report what it found
      assertThat(gateway.logLines()).noneMatch(line -> line.contains("LEAK"));
      assertThat(gateway.isAlive()).isTrue();
    }
  }
}
