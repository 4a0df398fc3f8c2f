package dev.mfagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.testing.Poll;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Beyond `limits.max-connections` (issue 12, overload). SPEC §8 names no reason for a refused connection, so the
 * gateway closes it at once, before reading anything (no HTTP answer). While a storm of such clients keeps coming,
 * admitted connections keep their latency, `/healthz` answers, and once the storm ends new clients are admitted again.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OverloadTest {
  private static final int CAP = 50;
  private static final int SAMPLES = 300;
  /** Admitted requests during the storm: no slower than this at the 99th percentile (loopback, shared machine). */
  private static final Duration LATENCY_BUDGET = Duration.ofMillis(250);
  private static final Duration FAST_REFUSAL = Duration.ofSeconds(1);

  @Test
  void beyondTheCapNewClientsAreRefusedFastWhileAdmittedOnesKeepTheirLatency() throws Exception {
    TestConfig config = new TestConfig();
    config.maxConnections = CAP;
    List<RawClient> admitted = new ArrayList<>();
    AtomicBoolean storming = new AtomicBoolean(true);
    try (TestGateway gateway = TestGateway.start(config)) {
      Probe.warmUp(gateway.address());
      Poll.until("warm-up connections closed", Duration.ofSeconds(5), () -> gateway.openConnections() == 0);
      for (int i = 0; i < CAP; i++) {
        RawClient client = gateway.client();
        admitted.add(client);
        assertThat(client.send(TestGateway.get("/admitted/" + i)).read().status()).isEqualTo(200);
      }
      long[] before = latencies(admitted);

      CompletableFuture<List<Duration>> storm = CompletableFuture.supplyAsync(() -> refusals(gateway, storming),
          runnable -> new Thread(runnable, "storm").start());
      Poll.until("the storm under way", Duration.ofSeconds(10), () -> refusedSoFar.get() >= 10);
      long[] during = latencies(admitted);
      Duration health = Probe.health(gateway.adminAddress());
      storming.set(false);
      List<Duration> refused = storm.get(60, TimeUnit.SECONDS);

      System.out.printf("overload: %d refusals, slowest %d ms; admitted p50/p99 before %.2f/%.2f ms, during"
              + " %.2f/%.2f ms; /healthz %d ms%n", refused.size(), slowest(refused).toMillis(),
          ms(percentile(before, 50)), ms(percentile(before, 99)), ms(percentile(during, 50)),
          ms(percentile(during, 99)), health.toMillis());
      assertThat(refused).as("clients refused during the storm").hasSizeGreaterThan(100);
      assertThat(slowest(refused)).as("slowest refusal").isLessThan(FAST_REFUSAL);
      assertThat(Duration.ofNanos(percentile(during, 99))).as("admitted p99 during the storm")
          .isLessThan(LATENCY_BUDGET);
      assertThat(gateway.upstream.heads).extracting(h -> h.uri()).noneMatch(uri -> uri.startsWith("/refused"));

      admitted.remove(0).close();
      Poll.until("a new client admitted after one left", Duration.ofSeconds(10), () -> admittedNow(gateway));
      for (RawClient client : admitted) {
        client.close();
      }
      admitted.clear();
      Poll.until("every connection closed", Duration.ofSeconds(10), () -> gateway.openConnections() == 0);
      Probe.everyLoop(gateway.address());
    } finally {
      storming.set(false);
      for (RawClient client : admitted) {
        client.close();
      }
    }
  }

  /** One request on each admitted connection in turn, {@link #SAMPLES} in all; nanoseconds each. */
  private static long[] latencies(List<RawClient> admitted) throws IOException {
    long[] nanos = new long[SAMPLES];
    for (int i = 0; i < SAMPLES; i++) {
      RawClient client = admitted.get(i % admitted.size());
      long start = System.nanoTime();
      assertThat(client.send(TestGateway.get("/admitted/sample")).read().status()).isEqualTo(200);
      nanos[i] = System.nanoTime() - start;
    }
    return nanos;
  }

  /** New clients, one after another, each sending a request: the time until the gateway closed each. */
  private final AtomicInteger refusedSoFar = new AtomicInteger();

  private List<Duration> refusals(TestGateway gateway, AtomicBoolean storming) {
    List<Duration> refused = new ArrayList<>();
    while (storming.get() || refused.size() < 100) {
      long start = System.nanoTime();
      try (RawClient client = gateway.client()) {
        client.send(TestGateway.get("/refused"));
        if (!client.closedByServer()) {
          throw new AssertionError("a client beyond the cap was not closed");
        }
      } catch (IOException resetOrClosed) {
        // closed before or while the request was written: refused all the same
      }
      refused.add(Duration.ofNanos(System.nanoTime() - start));
      refusedSoFar.incrementAndGet();
    }
    return refused;
  }

  private static boolean admittedNow(TestGateway gateway) {
    try (RawClient client = gateway.client()) {
      return client.send(TestGateway.get("/again")).read().status() == 200;
    } catch (IOException stillFull) {
      return false;
    }
  }

  private static long percentile(long[] nanos, int p) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
  }

  private static Duration slowest(List<Duration> durations) {
    return durations.stream().max(Duration::compareTo).orElse(Duration.ZERO);
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }
}
