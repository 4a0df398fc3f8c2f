package dev.mfagateway.proxy;

import static dev.mfagateway.proxy.TestGateway.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpRequest;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Graceful shutdown: stop accepting, let the exchange under way finish, then close. */
class ShutdownTest {

  @Test
  void aRequestInFlightFinishesWhileNewConnectionsAreRefused() throws Exception {
    try (TestGateway gateway = TestGateway.start();
        RawClient busy = gateway.client();
        RawClient idle = gateway.client()) {
      assertThat(idle.send(get("/warm")).read().status()).isEqualTo(200);
      busy.send(get("/gate"));
      assertThat(gateway.upstream.heads.poll(10, TimeUnit.SECONDS)).extracting(HttpRequest::uri).isEqualTo("/warm");
      assertThat(gateway.upstream.heads.poll(10, TimeUnit.SECONDS)).extracting(HttpRequest::uri).isEqualTo("/gate");

      CompletableFuture<Void> shutdown =
          CompletableFuture.runAsync(
              () -> {
                try {
                  gateway.shutdown();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      assertThat(refusesConnections(gateway)).isTrue();
      assertThat(gateway.isServing()).isFalse();
      assertThat(idle.closedByServer()).as("an idle keep-alive connection is closed at once").isTrue();
      assertThat(shutdown).isNotDone();

      gateway.upstream.gate.complete(null);
      RawClient.Response response = busy.read();
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.bodyText()).isEqualTo("released");
      assertThat(response.header("connection")).isEqualTo("close");
      shutdown.get(10, TimeUnit.SECONDS);
      assertThat(busy.closedByServer()).isTrue();
    }
  }

  @Test
  void exchangesStillBusyAfterTheGraceAreClosed() throws Exception {
    TestConfig config = new TestConfig();
    config.shutdownGrace = Duration.ofMillis(300);
    try (TestGateway gateway = TestGateway.start(config);
        RawClient busy = gateway.client()) {
      busy.send(get("/hang"));
      assertThat(gateway.upstream.heads.poll(10, TimeUnit.SECONDS)).extracting(HttpRequest::uri).isEqualTo("/hang");

      long started = System.nanoTime();
      gateway.shutdown();

      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
      assertThat(busy.closedByServer()).isTrue();
    }
  }

  /** Bounded wait until a connection attempt is refused: the listener is closed. */
  private static boolean refusesConnections(TestGateway gateway) throws IOException {
    for (int attempt = 0; attempt < 200; attempt++) {
      try (Socket probe = new Socket(gateway.address().getAddress(), gateway.address().getPort())) {
        probe.setSoTimeout(200);
        if (probe.getInputStream().read() == -1) {
          continue;
        }
      } catch (ConnectException refused) {
        return true;
      } catch (IOException other) {
        continue;
      }
    }
    return false;
  }
}
