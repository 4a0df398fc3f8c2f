package dev.mfagateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

/**
 * The "no event loop blocked" check of the fault tests: while a fault is in progress, a request on a new connection and
 * the admin `/healthz` each answer within {@link #BOUND}. The fault tests run the gateway on one event loop, so the
 * probe shares its thread with the connection under fault.
 */
final class PromptProbe {
  static final Duration BOUND = Duration.ofSeconds(1);

  private PromptProbe() {}

  /** A GET of {@code target} with {@code token} on a connection of its own, answered within {@link #BOUND}. */
  static KeepAliveConnection.Response request(RunningGateway gateway, String target, String token) throws Exception {
    long started = System.nanoTime();
    KeepAliveConnection.Response response;
    try (KeepAliveConnection connection = new KeepAliveConnection(gateway.address())) {
      response = connection.get(target, "Bearer " + token);
    }
    assertThat(since(started)).as("probe %s answered %s", target, response.status()).isLessThan(BOUND);
    return response;
  }

  /** `/healthz` on the admin port: 200 within {@link #BOUND}. */
  static void healthz(RunningGateway gateway) throws Exception {
    long started = System.nanoTime();
    assertThat(gateway.healthz()).isEqualTo(200);
    assertThat(since(started)).as("/healthz").isLessThan(BOUND);
  }

  static Duration since(long startedNanos) {
    return Duration.ofNanos(System.nanoTime() - startedNanos);
  }
}
