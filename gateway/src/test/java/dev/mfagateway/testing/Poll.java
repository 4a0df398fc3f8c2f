package dev.mfagateway.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** Bounded polling for a condition nothing signals (a file watcher's pick-up, another process's state). */
public final class Poll {
  private static final long PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  /** A condition to check again. */
  public interface Condition {
    boolean holds() throws Exception;
  }

  private Poll() {}

  /** Checks {@code condition} every 20 ms until it holds; fails with {@code what} once {@code timeout} has passed. */
  public static void until(String what, Duration timeout, Condition condition) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.holds()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not within " + timeout + ": " + what);
      }
      LockSupport.parkNanos(PAUSE_NANOS);
    }
  }
}
