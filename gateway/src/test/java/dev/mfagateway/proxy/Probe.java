package dev.mfagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The check that no event loop is blocked: a valid request on a new connection is answered 200 within {@link #BOUND}.
 * Connections are spread over the event loops round-robin, so {@link #everyLoop} probes once per loop.
 */
final class Probe {
  /** Loopback round trips take about a millisecond; the rest is room for a machine busy with other builds. */
  static final Duration BOUND = Duration.ofSeconds(3);
  /** TestConfig's `server.event-loop-threads`, doubled so that each loop gets at least one probe. */
  private static final int PROBES = 4;

  private Probe() {}

  /**
   * Valid requests on new connections, untimed: the first requests of a gateway load classes and warm the JIT, which
   * a loaded machine can stretch beyond {@link #BOUND}. Call before the fault, so probes during it time the fault.
   */
  static void warmUp(InetSocketAddress gateway) throws IOException {
    for (int i = 0; i < 20; i++) {
      try (RawClient client = new RawClient(gateway)) {
        assertThat(client.send(TestGateway.get("/probe/warm-up")).read().status()).isEqualTo(200);
      }
    }
  }

  /** Probes every event loop of {@code gateway}; returns the slowest answer's time. */
  static Duration everyLoop(InetSocketAddress gateway) throws IOException {
    Duration slowest = Duration.ZERO;
    for (int i = 0; i < PROBES; i++) {
      Duration took = once(gateway, "/probe/" + i);
      slowest = took.compareTo(slowest) > 0 ? took : slowest;
    }
    return slowest;
  }

  /** One valid GET on a new connection: asserts 200 within {@link #BOUND} and returns the time it took. */
  static Duration once(InetSocketAddress gateway, String target) throws IOException {
    long start = System.nanoTime();
    try (RawClient client = new RawClient(gateway)) {
      RawClient.Response response = client.send(TestGateway.get(target)).read();
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(response.status()).as("probe %s", target).isEqualTo(200);
      assertThat(took).as("probe %s answered within %s", target, BOUND).isLessThan(BOUND);
      return took;
    }
  }

  /** `GET /healthz` on the admin port: asserts 200 within {@link #BOUND} and returns the time it took. */
  static Duration health(InetSocketAddress admin) throws IOException {
    long start = System.nanoTime();
    try (RawClient client = new RawClient(admin)) {
      RawClient.Response response = client.send("GET /healthz HTTP/1.1\r\nHost: admin\r\n\r\n").read();
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(response.status()).isEqualTo(200);
      assertThat(took).as("/healthz answered within %s", BOUND).isLessThan(BOUND);
      return took;
    }
  }
}
