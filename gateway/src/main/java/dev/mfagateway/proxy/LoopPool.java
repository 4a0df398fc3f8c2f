package dev.mfagateway.proxy;

import static java.util.concurrent.TimeUnit.NANOSECONDS;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * The connections to one upstream that one event loop uses, kept on that loop and touched only from it: at most
 * {@code max} open (connecting, in use or idle); an idle one is reused most recent first; an acquire beyond the bound
 * waits, in order, for a connection to come back or to close, at most {@code waitLimit}, and at most {@code maxWaiting}
 * wait. Netty's FixedChannelPool does the same through a promise, a listener and a health-check future per acquire and
 * per release, which cost a measurable share of each request.
 */
final class LoopPool {
  private static final AttributeKey<LoopPool> OWNER = AttributeKey.valueOf(LoopPool.class, "owner");

  private record Waiter(Promise<Channel> promise, ScheduledFuture<?> timeout) {}

  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final int max;
  private final int maxWaiting;
  private final Duration waitLimit;
  private final ArrayDeque<Channel> idle = new ArrayDeque<>();
  private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
  private int open;
  private boolean closed;

  LoopPool(EventLoop loop, Bootstrap bootstrap, int max, int maxWaiting, Duration waitLimit) {
    this.loop = loop;
    this.bootstrap = bootstrap;
    this.max = max;
    this.maxWaiting = maxWaiting;
    this.waitLimit = waitLimit;
  }

  /** The pool a connection belongs to. */
  static LoopPool of(Channel channel) {
    return channel.attr(OWNER).get();
  }

  /** Whether an acquire now would have to wait. */
  boolean exhausted() {
    return idle.isEmpty() && open >= max;
  }

  Future<Channel> acquire() {
    if (closed) {
      return loop.newFailedFuture(new IllegalStateException("the upstream pool is closed"));
    }
    Channel reused;
    while ((reused = idle.pollLast()) != null) {
      if (reused.isActive()) {
        return loop.newSucceededFuture(reused);
      }
    }
    Promise<Channel> promise = loop.newPromise();
    if (open < max) {
      connect(promise);
    } else if (waiting.size() < maxWaiting) {
      waiting.add(new Waiter(promise, loop.schedule(() -> waitedTooLong(promise), waitLimit.toNanos(), NANOSECONDS)));
    } else {
      promise.setFailure(new IllegalStateException("too many requests wait for an upstream connection"));
    }
    return promise;
  }

  /** A healthy connection back from its exchange: to the next waiter, else idle. */
  void release(Channel channel) {
    if (closed || !channel.isActive()) {
      channel.close();
      return;
    }
    Waiter next = waiting.poll();
    while (next != null) {
      next.timeout().cancel(false);
      if (next.promise().trySuccess(channel)) {
        return;
      }
      next = waiting.poll();
    }
    idle.addLast(channel);
  }

  /** Closes the idle connections and fails the waiting acquires; a connection given back later is closed. */
  void close() {
    if (!loop.inEventLoop()) {
      try {
        loop.execute(this::close);
      } catch (RejectedExecutionException loopGone) {
        closed = true; // the loop closed its connections as it shut down
      }
      return;
    }
    closed = true;
    Waiter waiter;
    while ((waiter = waiting.poll()) != null) {
      waiter.timeout().cancel(false);
      waiter.promise().tryFailure(new IllegalStateException("the upstream pool is closed"));
    }
    Channel channel;
    while ((channel = idle.poll()) != null) {
      channel.close();
    }
  }

  private void connect(Promise<Channel> promise) {
    open++;
    ChannelFuture connecting = bootstrap.connect();
    Channel channel = connecting.channel();
    channel.attr(OWNER).set(this);
    connecting.addListener(
        done -> {
          if (!done.isSuccess()) {
            open--;
            promise.tryFailure(done.cause());
            // Later, not from here: a connect can fail at once (no file descriptor left), and serving the next waiter
            // from inside this listener would then recurse once per waiter.
            loop.execute(this::serveWaiter);
            return;
          }
          channel.closeFuture().addListener(gone -> closed(channel));
          if (!promise.trySuccess(channel)) {
            UpstreamPool.idle(channel);
            release(channel);
          }
        });
  }

  /** A connected channel closed (while idle, in use or discarded): its place goes to a waiting acquire, if any. */
  private void closed(Channel channel) {
    open--;
    idle.remove(channel);
    serveWaiter();
  }

  private void serveWaiter() {
    if (closed || open >= max) {
      return;
    }
    Waiter next;
    while ((next = waiting.poll()) != null) {
      next.timeout().cancel(false);
      if (!next.promise().isDone()) {
        connect(next.promise());
        return;
      }
    }
  }

  private void waitedTooLong(Promise<Channel> promise) {
    waiting.removeIf(waiter -> waiter.promise() == promise);
    promise.tryFailure(new TimeoutException("no upstream connection came free within upstream.connect-timeout"));
  }
}
