package dev.mfagateway.bench;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The same three measurements as {@link VerdictBenchmark}, as CPU time per operation: of the measuring thread, and of
 * the whole process (which adds GC, and native providers' cleaner threads). Unlike JMH's wall-clock throughput, CPU
 * time hardly changes when other processes compete for the cores (a shared CI machine).
 *
 * <pre>
 * ./mvnw -B -Pbench -pl loadtest -am package -DskipTests
 * java -cp loadtest/target/benchmarks.jar dev.mfagateway.bench.VerdictCpuCost [provider...]
 * </pre>
 *
 * Without arguments it measures every provider (`accp`, `conscrypt`, `jdk`).
 */
public final class VerdictCpuCost {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final OperatingSystemMXBean PROCESS =
      (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  /** CPU µs per operation: the measuring thread's, and the process's. */
  private record Cost(double thread, double process) {
    @Override
    public String toString() {
      return String.format("%7.2f / %7.2f", thread, process);
    }
  }

  private VerdictCpuCost() {}

  public static void main(String[] args) throws Exception {
    System.out.println("CPU µs per operation, thread / process");
    System.out.printf("%-10s %18s %18s %18s %15s %16s%n", "provider", "raw RS256 verify", "uncached verdict",
        "cached verdict", "raw/uncached", "uncached/cached");
    String[] providers = args.length > 0 ? args : new String[] {"accp", "conscrypt", "jdk"};
    for (String provider : providers) {
      VerdictBenchmark bench = new VerdictBenchmark();
      bench.provider = provider;
      bench.start();
      try {
        Cost raw = cost(bench::rawRs256Verify, 20_000);
        Cost uncached = cost(bench::uncachedVerdict, 20_000);
        Cost cached = cost(bench::cachedVerdict, 1_000_000);
        System.out.printf("%-10s %18s %18s %18s %14.0f%% %15.1fx%n", provider, raw, uncached, cached,
            100 * raw.process() / uncached.process(), uncached.process() / cached.process());
      } finally {
        bench.stop();
      }
    }
  }

  /** The cheapest of five rounds (after a warm-up round), by process CPU time. */
  private static Cost cost(Operation operation, int operations) throws Exception {
    Cost best = new Cost(Double.MAX_VALUE, Double.MAX_VALUE);
    Object sink = null;
    for (int round = 0; round < 6; round++) {
      long thread = THREADS.getCurrentThreadCpuTime();
      long process = PROCESS.getProcessCpuTime();
      for (int i = 0; i < operations; i++) {
        sink = operation.run();
      }
      Cost cost = new Cost((THREADS.getCurrentThreadCpuTime() - thread) / 1e3 / operations,
          (PROCESS.getProcessCpuTime() - process) / 1e3 / operations);
      if (round > 0 && cost.process() < best.process()) {
        best = cost;
      }
    }
    if (sink == null) {
      throw new IllegalStateException("no result");
    }
    return best;
  }

  @FunctionalInterface
  private interface Operation {
    Object run() throws Exception;
  }
}
