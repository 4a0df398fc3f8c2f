package dev.mfagateway.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The measurements of {@link VerdictBenchmark} as CPU time per operation, of the measuring thread and of the whole
 * process (which adds the JIT, GC, and native providers' cleaner threads). CPU time hardly changes when other
 * processes compete for the cores, unlike JMH's wall-clock throughput; and the rounds of the three measurements are
 * interleaved, and the ratios taken within each round, so that a neighbour who slows a whole round down shifts both
 * sides of its ratio. Reports the median of nine rounds.
 *
 * <pre>
 * ./mvnw -B -Pbench -pl loadtest -am package -DskipTests
 * java -cp loadtest/target/benchmarks.jar dev.mfagateway.bench.VerdictCpuCost [provider...]
 * </pre>
 *
 * Without arguments it measures every provider (`accp`, `conscrypt`, `jdk`), for the minimal test token and for one
 * with the claims of an Entra access token. Linux only (it reads /proc).
 */
public final class VerdictCpuCost {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final int ROUNDS = 9;

  /** CPU µs per operation: the measuring thread's, and the process's. */
  private record Cost(double thread, double process) {}

  /** One interleaved round. */
  private record Round(Cost raw, Cost uncached, Cost cached, Cost cachedNewConnection) {}

  private VerdictCpuCost() {}

  public static void main(String[] args) throws Exception {
    System.out.printf("%d cores; CPU µs per operation (thread / process), median of %d interleaved rounds%n",
        Runtime.getRuntime().availableProcessors(), ROUNDS);
    System.out.printf("%-10s %18s %18s %18s %18s %13s %16s %16s%n", "provider", "raw RS256 verify",
        "uncached verdict", "cached", "cached, new conn.", "raw/uncached", "uncached/cached", "…/cached new");
    String[] providers = args.length > 0 ? args : new String[] {"accp", "conscrypt", "jdk"};
    for (String claims : List.of("minimal", "entra")) {
      System.out.printf("token: %s claims%n", claims);
      for (String provider : providers) {
        measure(provider, claims);
      }
    }
  }

  private static void measure(String provider, String claims) throws Exception {
    VerdictBenchmark bench = new VerdictBenchmark();
    bench.provider = provider;
    bench.claims = claims;
    bench.start();
    try {
      List<Round> rounds = new ArrayList<>();
      for (int round = 0; round <= ROUNDS; round++) {
        Round measured = new Round(
            cost(bench::rawRs256Verify, 30_000),
            cost(bench::uncachedVerdict, 30_000),
            cost(bench::cachedVerdict, 500_000),
            cost(bench::cachedVerdictNewConnection, 500_000));
        if (round > 0) { // the first warms up
          rounds.add(measured);
        }
      }
      System.out.printf("%-10s %18s %18s %18s %18s %12.1f%% %15.1fx %15.1fx%n", provider,
          both(rounds, r -> r.raw().thread(), r -> r.raw().process()),
          both(rounds, r -> r.uncached().thread(), r -> r.uncached().process()),
          both(rounds, r -> r.cached().thread(), r -> r.cached().process()),
          both(rounds, r -> r.cachedNewConnection().thread(), r -> r.cachedNewConnection().process()),
          100 * median(rounds, r -> r.raw().process() / r.uncached().process()),
          median(rounds, r -> r.uncached().process() / r.cached().process()),
          median(rounds, r -> r.uncached().process() / r.cachedNewConnection().process()));
    } finally {
      bench.stop();
    }
  }

  private static String both(List<Round> rounds, ToDoubleFunction<Round> thread, ToDoubleFunction<Round> process) {
    return String.format("%7.2f / %7.2f", median(rounds, thread), median(rounds, process));
  }

  private static double median(List<Round> rounds, ToDoubleFunction<Round> value) {
    List<Double> values = new ArrayList<>();
    rounds.forEach(round -> values.add(value.applyAsDouble(round)));
    Collections.sort(values);
    return values.get(values.size() / 2);
  }

  private static Cost cost(Operation operation, int operations) throws Exception {
    Object sink = null;
    long thread = THREADS.getCurrentThreadCpuTime();
    long process = processCpuNanos();
    for (int i = 0; i < operations; i++) {
      sink = operation.run();
    }
    if (sink == null) {
      throw new IllegalStateException("no result");
    }
    return new Cost((THREADS.getCurrentThreadCpuTime() - thread) / 1e3 / operations,
        (processCpuNanos() - process) / 1e3 / operations);
  }

  /**
   * CPU time of all the process's threads, GC and JIT threads included, with nanosecond resolution (the JVM's own
   * process CPU time counts in clock ticks of 10 ms): the first field of each thread's /proc schedstat.
   */
  private static long processCpuNanos() {
    long total = 0;
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
      for (Path task : tasks) {
        try {
          String schedstat = Files.readString(task.resolve("schedstat"));
          total += Long.parseLong(schedstat.substring(0, schedstat.indexOf(' ')));
        } catch (NoSuchFileException threadEnded) {
          // its time is lost with it; threads here live as long as the process
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return total;
  }

  @FunctionalInterface
  private interface Operation {
    Object run() throws Exception;
  }
}
