package dev.mfagateway.proxy;

import static dev.mfagateway.proxy.TestGateway.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Upstream failures: refused → 502, silent → 504, broken mid-response → client closed, never reused. */
class UpstreamFailureTest {

  @Test
  void aRefusedConnectionIs502AndTheClientConnectionStaysOpen() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    RecordingUpstream unused = new RecordingUpstream();
    TestConfig config = new TestConfig().route("/", URI.create("http://127.0.0.1:" + closedPort));
    try (TestGateway gateway = TestGateway.start(config, unused);
        RawClient client = gateway.client()) {
      RawClient.Response response = client.send(get("/x", "X-Request-Id: r-502\r\n")).read();

      assertThat(response.status()).isEqualTo(502);
      assertThat(response.bodyText())
          .contains("\"error\":\"upstream_unavailable\"")
          .contains("\"reason\":\"upstream_unavailable\"")
          .contains("\"request_id\":\"r-502\"");
      assertThat(response.header("x-request-id")).isEqualTo("r-502");
      assertThat(client.send(get("/y")).read().status()).isEqualTo(502);
    }
  }

  @Test
  void anUpstreamThatNeverAnswersIs504AfterTheResponseTimeout() throws Exception {
    TestConfig config = new TestConfig();
    config.responseTimeout = Duration.ofMillis(500);
    try (TestGateway gateway = TestGateway.start(config);
        RawClient client = gateway.client()) {
      long started = System.nanoTime();
      RawClient.Response response = client.send(get("/hang")).read();
      Duration waited = Duration.ofNanos(System.nanoTime() - started);

      assertThat(response.status()).isEqualTo(504);
      assertThat(response.bodyText()).contains("\"reason\":\"upstream_timeout\"");
      assertThat(waited).isGreaterThanOrEqualTo(Duration.ofMillis(500)).isLessThan(Duration.ofSeconds(10));

      RawClient.Response next = client.send(get("/fine")).read();
      assertThat(next.status()).isEqualTo(200);
      assertThat(next.header("x-upstream-connection")).isEqualTo("2");
    }
  }

  @Test
  void theResponseTimeoutCountsFromEachRequestOnAKeepAliveConnection() throws Exception {
    TestConfig config = new TestConfig();
    config.responseTimeout = Duration.ofMillis(600);
    try (TestGateway gateway = TestGateway.start(config);
        RawClient client = gateway.client()) {
      // The first answer comes 300 ms into its timeout, so the connection's timer, armed for the first request, is
      // due while the second request has waited only about 300 ms: the second must still get its full 600 ms.
      client.send(get("/gate"));
      CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS).execute(() -> gateway.upstream.gate.complete(null));
      assertThat(client.read().bodyText()).isEqualTo("released");

      long started = System.nanoTime();
      RawClient.Response response = client.send(get("/hang")).read();
      Duration waited = Duration.ofNanos(System.nanoTime() - started);

      assertThat(response.status()).isEqualTo(504);
      assertThat(waited).isGreaterThanOrEqualTo(Duration.ofMillis(600)).isLessThan(Duration.ofSeconds(10));
    }
  }

  @Test
  void theResponseTimeoutStartsOnlyOnceTheWholeBodyHasGoneUpstream() throws Exception {
    TestConfig config = new TestConfig();
    config.responseTimeout = Duration.ofMillis(300);
    // The body's second half comes 700 ms after the head, well past the response timeout: the upstream cannot answer
    // before it has the whole body, so a timeout counted from the head would be a 504 here.
    UpstreamPoolTest.aSlowUploadIsAnsweredWhole(config);
  }

  @Test
  void aFailureMidResponseClosesTheClientAndTheBrokenConnectionIsNotReused() throws Exception {
    TestConfig config = new TestConfig();
    config.eventLoopThreads = 1;
    try (TestGateway gateway = TestGateway.start(config)) {
      try (RawClient client = gateway.client()) {
        assertThat(client.send(get("/first")).read().header("x-upstream-connection")).isEqualTo("1");

        client.send(get("/break"));
        assertThatThrownBy(client::read).isInstanceOf(EOFException.class).hasMessageContaining("body ended after");
      }
      try (RawClient client = gateway.client()) {
        RawClient.Response response = client.send(get("/second")).read();
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("x-upstream-connection")).isEqualTo("2");
      }
      assertThat(gateway.upstream.connections.get()).isEqualTo(2);
    }
  }
}
