package dev.mfagateway.bench;

import dev.mfagateway.Gateway;
import dev.mfagateway.auth.Reason;
import dev.mfagateway.auth.Verdict;
import dev.mfagateway.config.ConfigLoader;
import dev.mfagateway.telemetry.GatewayMetrics;
import dev.mfagateway.telemetry.RouteMeters;
import dev.mfagateway.telemetry.StatusClass;
import io.micrometer.core.instrument.Clock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the metrics cost one forwarded request: every recording the proxy and the verdict make for an allowed request
 * (the clock reads they add, the decision, token validation time, upstream latency, total time, added latency, request
 * and response bytes), against the same request recording nothing. Divide the difference by the gateway's CPU time
 * per request for the throughput cost.
 *
 * <pre>
 * ./mvnw -B -Pbench -pl loadtest -am package -DskipTests
 * java -jar loadtest/target/benchmarks.jar RecordingBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RecordingBenchmark {
  private static final int ALLOW = Verdict.ALLOW.ordinal();
  private static final int OK = Reason.OK.ordinal();

  private GatewayMetrics metrics;
  private RouteMeters route;

  @Setup
  public void start() throws Exception {
    metrics = Gateway.newMetrics(ConfigLoader.fromString("""
        gateway.routes = [{ name = partner-center, path-prefix = "/", upstream = "http://127.0.0.1:1",
                            audiences = ["https://api.partnercenter.microsoft.com"] }]
        """), Clock.SYSTEM);
    route = metrics.route("partner-center");
  }

  @TearDown
  public void stop() {
    metrics.close();
  }

  /**
   * The clock reads (five: head received, validation start and end, request sent upstream, response head back) and
   * recordings of one allowed, forwarded request with a cached token. Durations get realistic offsets so the
   * histograms search their buckets as in service.
   */
  @Benchmark
  public long recordingsOfOneRequest() {
    long headReceived = System.nanoTime();
    long validationStarted = System.nanoTime();
    metrics.tokenValidation(true, System.nanoTime() - validationStarted + 15_000);
    route.decision(ALLOW, OK);
    long upstreamStarted = System.nanoTime();
    long responseHead = System.nanoTime();
    long upstream = responseHead - upstreamStarted + 40_000_000;
    route.upstream(StatusClass.SUCCESS, upstream);
    route.responseBytes(2048);
    long total = responseHead - headReceived + 40_300_000;
    route.request(total);
    route.addedLatency(total - upstream);
    route.requestBytes(512);
    return total;
  }

  /** The same request recording nothing. */
  @Benchmark
  public long nothing() {
    return 0;
  }
}
