package dev.mfagateway.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The same three measurements as {@link VerdictBenchmark}, as CPU time of the measuring thread per operation: unlike
 * JMH's wall-clock throughput, this hardly changes when other processes compete for the cores (a shared CI machine).
 *
 * <pre>
 * ./mvnw -B -Pbench -pl loadtest -am package -DskipTests
 * java -cp loadtest/target/benchmarks.jar dev.mfagateway.bench.VerdictCpuCost
 * </pre>
 */
public final class VerdictCpuCost {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private VerdictCpuCost() {}

  public static void main(String[] args) throws Exception {
    System.out.printf("%-10s %16s %16s %16s %16s%n", "provider", "raw verify µs", "uncached µs", "cached µs",
        "cached/uncached");
    for (String provider : new String[] {"accp", "conscrypt", "jdk"}) {
      VerdictBenchmark bench = new VerdictBenchmark();
      bench.provider = provider;
      bench.start();
      try {
        double raw = microsPerOp(bench::rawRs256Verify, 20_000);
        double uncached = microsPerOp(bench::uncachedVerdict, 20_000);
        double cached = microsPerOp(bench::cachedVerdict, 1_000_000);
        System.out.printf("%-10s %16.2f %16.2f %16.3f %15.1fx%n", provider, raw, uncached, cached, uncached / cached);
      } finally {
        bench.stop();
      }
    }
  }

  /** Best of five rounds (after a warm-up round) of thread CPU time per operation, in µs. */
  private static double microsPerOp(ThrowingSupplier operation, int operations) throws Exception {
    double best = Double.MAX_VALUE;
    Object sink = null;
    for (int round = 0; round < 6; round++) {
      long start = THREADS.getCurrentThreadCpuTime();
      for (int i = 0; i < operations; i++) {
        sink = operation.get();
      }
      double micros = (THREADS.getCurrentThreadCpuTime() - start) / 1e3 / operations;
      if (round > 0) {
        best = Math.min(best, micros);
      }
    }
    if (sink == null) {
      throw new IllegalStateException("no result");
    }
    return best;
  }

  @FunctionalInterface
  private interface ThrowingSupplier {
    Object get() throws Exception;
  }
}
