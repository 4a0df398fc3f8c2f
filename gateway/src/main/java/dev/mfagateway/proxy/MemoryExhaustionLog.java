package dev.mfagateway.proxy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Warns that a connection was closed because the gateway ran out of memory (in practice direct memory, where Netty
 * keeps connections' buffers): at most one line every ten seconds, with the number of such closings since the last
 * line. Near the limit every connection's next read can fail, and one line says as much as a thousand.
 */
public final class MemoryExhaustionLog {
  private static final Logger LOG = LogManager.getLogger(MemoryExhaustionLog.class);
  private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final AtomicLong nextLineAt = new AtomicLong(System.nanoTime());
  private static final AtomicLong unreported = new AtomicLong();

  private MemoryExhaustionLog() {}

  /**
   * Whether {@code failure}, which closed a {@code side} connection (`client`, `admin`), was the gateway running out of
   * memory; if so it is counted, and written when a line is due.
   */
  public static boolean closedForWantOfMemory(String side, Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof OutOfMemoryError exhausted) {
        report(side, exhausted);
        return true;
      }
    }
    return false;
  }

  private static void report(String side, OutOfMemoryError exhausted) {
    long now = System.nanoTime();
    long due = nextLineAt.get();
    if (now - due < 0 || !nextLineAt.compareAndSet(due, now + INTERVAL_NANOS)) {
      unreported.incrementAndGet();
      return;
    }
    LOG.warn("{} connection closed: out of memory ({}); {} others closed for the same reason since the last such line",
        side, exhausted.getMessage(), unreported.getAndSet(0));
  }
}
