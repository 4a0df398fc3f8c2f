package dev.mfagateway.proxy;

import static dev.mfagateway.proxy.TestGateway.get;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Header deadline (slowloris), idle keep-alive timeout and the client connection cap (SPEC §8 limits). */
class LimitsTest {

  @Test
  void headersNotCompleteInTimeGet408AndClose() throws Exception {
    TestConfig config = new TestConfig();
    config.headerTimeout = Duration.ofMillis(300);
    try (TestGateway gateway = TestGateway.start(config);
        RawClient client = gateway.client()) {
      RawClient.Response response =
          client.send("GET /slow HTTP/1.1\r\nHost: gw\r\nAuthorization: " + TestGateway.validAuthorization() + "\r\nX-Trickle: ").read();

      assertThat(response.status()).isEqualTo(408);
      assertThat(response.bodyText()).contains("\"reason\":\"request_timeout\"");
      assertThat(response.header("connection")).isEqualTo("close");
      assertThat(client.closedByServer()).isTrue();
      assertThat(gateway.upstream.receivedNothing()).isTrue();
    }
  }

  @Test
  void aSlowlorisDrippingHeaderBytesGets408WhileStillDripping() throws Exception {
    TestConfig config = new TestConfig();
    config.headerTimeout = Duration.ofMillis(400);
    byte[] head =
        ("GET /drip HTTP/1.1\r\nHost: gw\r\nAuthorization: " + TestGateway.validAuthorization() + "\r\n" + "X-Slow: " + "z".repeat(200))
            .getBytes(StandardCharsets.ISO_8859_1);
    ScheduledExecutorService dripper = Executors.newSingleThreadScheduledExecutor();
    try (TestGateway gateway = TestGateway.start(config);
        RawClient client = gateway.client()) {
      AtomicInteger sent = new AtomicInteger();
      dripper.scheduleAtFixedRate(
          () -> {
            int i = sent.getAndIncrement();
            try {
              if (i < head.length) {
                client.send(new byte[] {head[i]});
              }
            } catch (IOException closed) {
              throw new IllegalStateException(closed);
            }
          },
          0, 20, TimeUnit.MILLISECONDS);

      RawClient.Response response = client.read();

      assertThat(response.status()).isEqualTo(408);
      assertThat(sent.get()).isLessThan(head.length);
      assertThat(gateway.upstream.receivedNothing()).isTrue();
    } finally {
      dripper.shutdownNow();
    }
  }

  @Test
  void aClientSilentInTheMiddleOfItsBodyIsClosedAfterTheIdleTimeout() throws Exception {
    TestConfig config = new TestConfig();
    config.idleTimeout = Duration.ofMillis(300);
    try (TestGateway gateway = TestGateway.start(config);
        RawClient client = gateway.client()) {
      client.send(
          "POST /slow-body HTTP/1.1\r\nHost: gw\r\nAuthorization: " + TestGateway.validAuthorization() + "\r\nContent-Length: 10\r\n\r\n123");

      assertThat(client.closedByServer()).isTrue();
    }
  }

  @Test
  void eachHeadOnAKeepAliveConnectionGetsTheWholeHeaderTimeout() throws Exception {
    TestConfig config = new TestConfig();
    config.headerTimeout = Duration.ofMillis(600);
    try (TestGateway gateway = TestGateway.start(config);
        RawClient client = gateway.client()) {
      // The connection's timer is armed by the first head and due 600 ms later; the second head starts 300 ms in,
      // so when that timer fires the second head has had only about 300 ms: it must get its full 600 ms.
      assertThat(client.send(get("/one")).read().status()).isEqualTo(200);
      CompletableFuture<Long> secondHeadStarted = new CompletableFuture<>();
      CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS).execute(() -> {
        try {
          client.send("GET /two HTTP/1.1\r\nHost: gw\r\nX-Trickle: ");
          secondHeadStarted.complete(System.nanoTime());
        } catch (IOException e) {
          secondHeadStarted.completeExceptionally(e);
        }
      });
      RawClient.Response response = client.read();
      Duration waited = Duration.ofNanos(System.nanoTime() - secondHeadStarted.get(5, TimeUnit.SECONDS));

      assertThat(response.status()).isEqualTo(408);
      // The gateway may read the first byte just before the send returns here: 550 ms, not 600 (a deadline kept
      // from the first head would answer after about 300 ms).
      assertThat(waited).isGreaterThanOrEqualTo(Duration.ofMillis(550)).isLessThan(Duration.ofSeconds(10));
    }
  }

  @Test
  void theHeaderDeadlineDoesNotApplyToAnIdleKeepAliveConnection() throws Exception {
    TestConfig config = new TestConfig();
    config.headerTimeout = Duration.ofMillis(200);
    config.idleTimeout = Duration.ofMillis(1500);
    try (TestGateway gateway = TestGateway.start(config);
        RawClient client = gateway.client()) {
      assertThat(client.send(get("/one")).read().status()).isEqualTo(200);
      long idleStart = System.nanoTime();

      assertThat(client.closedByServer()).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - idleStart)).isGreaterThanOrEqualTo(Duration.ofMillis(1400));
    }
  }

  @Test
  void anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() throws Exception {
    TestConfig config = new TestConfig();
    config.idleTimeout = Duration.ofMillis(300);
    try (TestGateway gateway = TestGateway.start(config);
        RawClient client = gateway.client()) {
      assertThat(client.send(get("/one")).read().status()).isEqualTo(200);
      long idleStart = System.nanoTime();

      assertThat(client.closedByServer()).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - idleStart)).isLessThan(Duration.ofSeconds(10));
    }
  }

  @Test
  void aResponseSlowerThanTheIdleTimeoutLeavesTheClientTheWholeIdleTimeoutAfterIt() throws Exception {
    TestConfig config = new TestConfig();
    config.idleTimeout = Duration.ofMillis(1000);
    ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    try (TestGateway gateway = TestGateway.start(config);
        RawClient client = gateway.client()) {
      client.send(get("/gate"));
      later.schedule(() -> gateway.upstream.gate.complete(null), 2500, TimeUnit.MILLISECONDS);

      assertThat(client.read().bodyText()).isEqualTo("released");
      long idleStart = System.nanoTime();

      // The idle timer counts from the answer's write, a little before this read: 700 ms leaves room for that, while a
      // timer counting only the client's own traffic fires during the 2.5 s wait and closes about 500 ms after it.
      assertThat(client.closedByServer()).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - idleStart)).isGreaterThanOrEqualTo(Duration.ofMillis(700));
    } finally {
      later.shutdownNow();
    }
  }

  @Test
  void connectionsBeyondTheCapAreClosedAtOnce() throws Exception {
    TestConfig config = new TestConfig();
    config.maxConnections = 2;
    try (TestGateway gateway = TestGateway.start(config);
        RawClient first = gateway.client();
        RawClient second = gateway.client()) {
      assertThat(first.send(get("/1")).read().status()).isEqualTo(200);
      assertThat(second.send(get("/2")).read().status()).isEqualTo(200);

      try (RawClient third = gateway.client()) {
        assertThat(third.closedByServer()).isTrue();
      }
      first.close();
      boolean admitted = false;
      for (int attempt = 0; attempt < 100 && !admitted; attempt++) {
        try (RawClient again = gateway.client()) {
          again.send(get("/again"));
          admitted = again.read().status() == 200;
        } catch (java.io.IOException refused) {
          admitted = false;
        }
      }
      assertThat(admitted).as("a connection is admitted once one closed").isTrue();
      assertThat(gateway.openConnections()).isLessThanOrEqualTo(2);
    }
  }
}
