package dev.mfagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.testing.Poll;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Slow clients in numbers (issue 12, client faults): heads dripped so they never complete (slowloris) get SPEC §8's 408
 * `request_timeout` at `limits.header-timeout` and are closed; a body that stalls is closed at `limits.idle-timeout`
 * and never reaches the upstream whole; bodies trickled within the idle timeout are forwarded intact. Meanwhile a
 * probe on a new connection is answered promptly (no event loop blocked), and afterwards every connection is gone and
 * the gateway serves as before. {@link LimitsTest} holds the single-connection cases.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SlowClientsTest {
  private static final int SLOWLORIS = 200;
  private static final Duration DRIP = Duration.ofMillis(50);

  @Test
  void manySlowlorisHeadsGet408AtTheHeaderTimeoutWhileOthersAreServed() throws Exception {
    DescriptorBudget.require(2L * SLOWLORIS + 100);
    TestConfig config = new TestConfig();
    config.headerTimeout = Duration.ofSeconds(5);
    byte[] head = ("GET /slowloris HTTP/1.1\r\nHost: gw\r\nAuthorization: " + TestGateway.validAuthorization()
        + "\r\nX-Drip: " + "z".repeat(2000)).getBytes(StandardCharsets.ISO_8859_1);
    ScheduledExecutorService dripper = Executors.newSingleThreadScheduledExecutor();
    List<RawClient> clients = new ArrayList<>();
    try (TestGateway gateway = TestGateway.start(config)) {
      Probe.warmUp(gateway.address());
      Duration before = Probe.everyLoop(gateway.address());
      long firstByte = System.nanoTime();
      for (int i = 0; i < SLOWLORIS; i++) {
        clients.add(gateway.client().send(new byte[] {head[0]}));
      }
      AtomicInteger dripped = new AtomicInteger(1);
      dripper.scheduleAtFixedRate(() -> drip(clients, head[dripped.getAndIncrement() % head.length]),
          DRIP.toMillis(), DRIP.toMillis(), TimeUnit.MILLISECONDS);

      Duration probe = Probe.everyLoop(gateway.address());
      assertThat(Duration.ofNanos(System.nanoTime() - firstByte)).as("probed while the heads were pending")
          .isLessThan(config.headerTimeout);

      for (RawClient client : clients) {
        RawClient.Response response = client.read();
        assertThat(response.status()).isEqualTo(408);
        assertThat(response.bodyText()).contains("\"reason\":\"request_timeout\"");
        assertThat(response.header("connection")).isEqualTo("close");
        assertThat(client.closedByServer()).isTrue();
      }
      Duration allRefused = Duration.ofNanos(System.nanoTime() - firstByte);
      assertThat(allRefused).as("the last 408 came at the header timeout, not at the idle timeout")
          .isBetween(config.headerTimeout, config.headerTimeout.plusSeconds(10));
      assertThat(dripped.get()).as("the heads were still dripping").isLessThan(head.length);
      assertThat(gateway.upstream.heads).extracting(h -> h.uri()).allMatch(uri -> uri.startsWith("/probe/"));
      System.out.printf("slowloris heads: %d refused 408 within %d ms; probe before %d ms, during %d ms%n",
          SLOWLORIS, allRefused.toMillis(), before.toMillis(), probe.toMillis());

      dripper.shutdownNow();
      Poll.until("every slowloris connection closed", Duration.ofSeconds(10), () -> gateway.openConnections() == 0);
      Probe.everyLoop(gateway.address());
    } finally {
      dripper.shutdownNow();
      for (RawClient client : clients) {
        client.close();
      }
    }
  }

  @Test
  void aBodyThatStallsIsClosedAtTheIdleTimeoutAndNeverReachesTheUpstreamWhole() throws Exception {
    TestConfig config = new TestConfig();
    config.idleTimeout = Duration.ofSeconds(5);
    try (TestGateway gateway = TestGateway.start(config);
        RawClient client = gateway.client()) {
      Probe.warmUp(gateway.address());
      client.send("POST /stalled-body HTTP/1.1\r\nHost: gw\r\nAuthorization: " + TestGateway.validAuthorization()
          + "\r\nContent-Length: 10000\r\n\r\n" + "b".repeat(1000));
      Poll.until("the head forwarded", Duration.ofSeconds(5), () -> !gateway.upstream.heads.isEmpty());
      long stalled = System.nanoTime();

      Probe.everyLoop(gateway.address());
      assertThat(Duration.ofNanos(System.nanoTime() - stalled)).as("probed while the body stalled")
          .isLessThan(config.idleTimeout);
      assertThat(client.closedByServer()).isTrue();

      assertThat(Duration.ofNanos(System.nanoTime() - stalled))
          .isBetween(config.idleTimeout.minusMillis(100), config.idleTimeout.plusSeconds(5));
      Poll.until("the upstream connection of the stalled request closed", Duration.ofSeconds(5),
          () -> gateway.upstream.closedConnections.get() >= 1);
      assertThat(gateway.upstream.requests).extracting(RecordingUpstream.Recorded::uri)
          .noneMatch(uri -> uri.equals("/stalled-body"));
      Poll.until("the client connection gone", Duration.ofSeconds(5), () -> gateway.openConnections() == 0);
      Probe.everyLoop(gateway.address());
    }
  }

  @Test
  void bodiesTrickledWithinTheIdleTimeoutAreForwardedWhole() throws Exception {
    int tricklers = 50;
    int parts = 100;
    byte[] part = "0123456789abcdef".getBytes(StandardCharsets.ISO_8859_1);
    TestConfig config = new TestConfig();
    config.idleTimeout = Duration.ofSeconds(3);
    ScheduledExecutorService trickler = Executors.newSingleThreadScheduledExecutor();
    List<RawClient> clients = new ArrayList<>();
    try (TestGateway gateway = TestGateway.start(config)) {
      Probe.warmUp(gateway.address());
      for (int i = 0; i < tricklers; i++) {
        clients.add(gateway.client().send("POST /trickle/" + i + " HTTP/1.1\r\nHost: gw\r\nAuthorization: "
            + TestGateway.validAuthorization() + "\r\nContent-Length: " + parts * part.length + "\r\n\r\n"));
      }
      AtomicInteger sent = new AtomicInteger();
      trickler.scheduleAtFixedRate(() -> {
        if (sent.getAndIncrement() < parts) {
          drip(clients, part);
        }
      }, 50, 50, TimeUnit.MILLISECONDS);

      Probe.everyLoop(gateway.address());
      assertThat(sent.get()).as("probed while the bodies trickled").isLessThan(parts);

      String sha256 = HexFormat.of().formatHex(
          MessageDigest.getInstance("SHA-256").digest(new String(part, StandardCharsets.ISO_8859_1)
              .repeat(parts).getBytes(StandardCharsets.ISO_8859_1)));
      for (RawClient client : clients) {
        RawClient.Response response = client.read();
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.bodyText()).isEqualTo(sha256);
      }
      assertThat(gateway.upstream.requests).filteredOn(r -> r.uri().startsWith("/trickle/"))
          .hasSize(tricklers).allMatch(r -> r.sha256().equals(sha256));
    } finally {
      trickler.shutdownNow();
      for (RawClient client : clients) {
        client.close();
      }
    }
  }

  /** Sends {@code bytes} on every client; a client the gateway already closed is skipped. */
  private static void drip(List<RawClient> clients, byte... bytes) {
    for (RawClient client : clients) {
      try {
        client.send(bytes);
      } catch (IOException closedByTheGateway) {
        // its 408 is on the way, or was read already
      }
    }
  }
}
