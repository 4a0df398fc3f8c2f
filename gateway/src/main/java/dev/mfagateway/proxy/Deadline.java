package dev.mfagateway.proxy;

import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * A timeout that one connection arms for request after request (the header timeout, the response timeout), with one
 * timer that re-arms itself instead of one task scheduled and cancelled per request: each of those costs the event
 * loop's timer queue an insert and a removal. The timer fires at most once per timeout period; when it finds a later
 * deadline it waits for that one. Event-loop thread only.
 */
final class Deadline {
  private final EventExecutor executor;
  private final long timeoutNanos;
  private final LongConsumer onExpiry;
  private ScheduledFuture<?> timer;
  private long token;
  private long due;
  private boolean armed;

  /** {@code onExpiry} gets the token given to the {@link #start} that expired. */
  Deadline(EventExecutor executor, long timeoutNanos, LongConsumer onExpiry) {
    this.executor = executor;
    this.timeoutNanos = timeoutNanos;
    this.onExpiry = onExpiry;
  }

  /** From now, the timeout runs for {@code token} (an exchange number, say). */
  void start(long token) {
    start(token, executor.ticker().nanoTime());
  }

  /** As {@link #start(long)}, from {@code now}: the executor's ticker read by the caller for the same event. */
  void start(long token, long now) {
    this.token = token;
    due = now + timeoutNanos;
    armed = true;
    if (timer == null) {
      timer = executor.schedule(this::check, timeoutNanos, TimeUnit.NANOSECONDS);
    }
  }

  boolean armed() {
    return armed;
  }

  /** What was awaited happened: nothing is due. */
  void stop() {
    armed = false;
  }

  /** The connection is gone: the timer goes too. */
  void cancel() {
    armed = false;
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  private void check() {
    timer = null;
    if (!armed) {
      return;
    }
    long left = due - executor.ticker().nanoTime();
    if (left > 0) {
      timer = executor.schedule(this::check, left, TimeUnit.NANOSECONDS);
      return;
    }
    armed = false;
    onExpiry.accept(token);
  }
}
