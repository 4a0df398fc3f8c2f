package dev.mfagateway.proxy;

import dev.mfagateway.telemetry.RouteMeters;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import java.net.URI;

/**
 * Where a client connection gets its upstream connections: {@link UpstreamPool} in the gateway; the HTTP front-end
 * fuzz test stands in connections that record what is forwarded.
 */
interface UpstreamConnections {
  /** A connection to {@code upstream} on {@code loop}, new or reused. Call on {@code loop}. */
  Future<Channel> acquire(URI upstream, EventLoop loop, RouteMeters meters);

  /** Gives a healthy connection back for reuse. */
  void release(Channel channel);

  /** Closes a connection that must not be reused. */
  void discard(Channel channel);
}
