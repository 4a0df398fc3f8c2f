package dev.mfagateway.proxy;

import static dev.mfagateway.proxy.TestGateway.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.HttpRequest;
import java.io.EOFException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The keep-alive pool: its bound, idle eviction, and the upstream idle timeout in the middle of a body (silence beyond
 * it ends the exchange, a body that keeps coming does not).
 */
class UpstreamPoolTest {

  @Test
  void thePoolBoundMakesASecondExchangeWaitForTheConnection() throws Exception {
    TestConfig config = onePooledConnection();
    try (TestGateway gateway = TestGateway.start(config);
        RawClient first = gateway.client();
        RawClient second = gateway.client()) {
      sendAndAwaitAtTheUpstream(gateway, first, "/gate");
      second.send(get("/queued"));

      gateway.upstream.gate.complete(null);
      assertThat(first.read().bodyText()).isEqualTo("released");
      RawClient.Response queued = second.read();
      assertThat(queued.status()).isEqualTo(200);
      assertThat(queued.header("x-upstream-connection")).isEqualTo("1");
    }
  }

  @Test
  void aRequestWaitingForAConnectionLongerThanTheConnectTimeoutIsRefusedAndTheConnectionIsReusedAfter()
      throws Exception {
    TestConfig config = onePooledConnection();
    config.connectTimeout = Duration.ofMillis(300);
    try (TestGateway gateway = TestGateway.start(config);
        RawClient first = gateway.client();
        RawClient second = gateway.client()) {
      sendAndAwaitAtTheUpstream(gateway, first, "/gate");

      RawClient.Response waited = second.send(get("/queued")).read();

      assertThat(waited.status()).isEqualTo(502);
      assertThat(waited.bodyText()).contains("\"reason\":\"upstream_unavailable\"");
      gateway.upstream.gate.complete(null);
      assertThat(first.read().bodyText()).isEqualTo("released");
      RawClient.Response next = second.send(get("/next")).read();
      assertThat(next.status()).isEqualTo(200);
      assertThat(next.header("x-upstream-connection")).isEqualTo("1");
      assertThat(gateway.upstream.requests).extracting(RecordingUpstream.Recorded::uri).doesNotContain("/queued");
    }
  }

  @Test
  void aConnectionThatIsDroppedGivesItsPlaceToTheRequestWaitingForIt() throws Exception {
    TestConfig config = onePooledConnection();
    config.responseTimeout = Duration.ofSeconds(1);
    try (TestGateway gateway = TestGateway.start(config);
        RawClient first = gateway.client();
        RawClient second = gateway.client()) {
      sendAndAwaitAtTheUpstream(gateway, first, "/hang");
      second.send(get("/queued"));

      assertThat(first.read().status()).isEqualTo(504);
      RawClient.Response queued = second.read();
      assertThat(queued.status()).isEqualTo(200);
      assertThat(queued.header("x-upstream-connection")).isEqualTo("2");
    }
  }

  @Test
  void anUnusedConnectionIsClosedAfterThePoolIdleTimeout() throws Exception {
    TestConfig config = new TestConfig();
    config.eventLoopThreads = 1;
    config.poolIdleTimeout = Duration.ofMillis(200);
    try (TestGateway gateway = TestGateway.start(config);
        RawClient client = gateway.client()) {
      assertThat(client.send(get("/one")).read().header("x-upstream-connection")).isEqualTo("1");
      for (int i = 0; i < 500 && gateway.upstream.closedConnections.get() == 0; i++) {
        gateway.upstream.heads.poll(20, TimeUnit.MILLISECONDS);
      }
      assertThat(gateway.upstream.closedConnections.get()).isEqualTo(1);

      assertThat(client.send(get("/two")).read().header("x-upstream-connection")).isEqualTo("2");
    }
  }

  @Test
  void aSlowUploadOutlastingTheUpstreamIdleTimeoutIsNotCutOff() throws Exception {
    TestConfig config = new TestConfig();
    config.upstreamIdleTimeout = Duration.ofMillis(200);
    aSlowUploadIsAnsweredWhole(config);
  }

  /** A 10-byte body sent in two halves 700 ms apart is answered 200, after the second half, with the whole body. */
  static void aSlowUploadIsAnsweredWhole(TestConfig config) throws Exception {
    ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    try (TestGateway gateway = TestGateway.start(config);
        RawClient client = gateway.client()) {
      client.send(
          "PUT /slow HTTP/1.1\r\nHost: gw\r\nAuthorization: " + TestGateway.validAuthorization()
              + "\r\nContent-Length: 10\r\n\r\n01234");
      ScheduledFuture<RawClient> rest = later.schedule(() -> client.send("56789"), 700, TimeUnit.MILLISECONDS);

      RawClient.Response response = client.read();

      assertThat(rest.isDone()).as("the response came after the whole body").isTrue();
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.bodyText()).isEqualTo(ForwardingTest.sha256("0123456789"));
    } finally {
      later.shutdownNow();
    }
  }

  @Test
  void aResponseTrickledWithinTheUpstreamIdleTimeoutIsNotCutOff() throws Exception {
    TestConfig config = new TestConfig();
    config.upstreamIdleTimeout = Duration.ofMillis(300);
    try (TestGateway gateway = TestGateway.start(config);
        RawClient client = gateway.client()) {
      RawClient.Response response = client.send(get("/drip/8")).read(); // 800 ms, a part every 100 ms

      assertThat(response.status()).isEqualTo(200);
      assertThat(response.bodyText()).isEqualTo("drip-drip-".repeat(8));
    }
  }

  @Test
  void anUpstreamSilentMidBodyBeyondItsIdleTimeoutClosesTheClient() throws Exception {
    TestConfig config = new TestConfig();
    config.upstreamIdleTimeout = Duration.ofMillis(300);
    try (TestGateway gateway = TestGateway.start(config);
        RawClient client = gateway.client()) {
      client.send(get("/stall"));

      assertThatThrownBy(client::read).isInstanceOf(EOFException.class).hasMessageContaining("body ended after 1000");
    }
  }

  /** One event loop holding at most one upstream connection. */
  private static TestConfig onePooledConnection() {
    TestConfig config = new TestConfig();
    config.eventLoopThreads = 1;
    config.poolMaxConnections = 1;
    return config;
  }

  private static void sendAndAwaitAtTheUpstream(TestGateway gateway, RawClient client, String path) throws Exception {
    client.send(get(path));
    assertThat(gateway.upstream.heads.poll(10, TimeUnit.SECONDS)).extracting(HttpRequest::uri).isEqualTo(path);
  }
}
