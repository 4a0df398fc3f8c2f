package dev.mfagateway.proxy;

import dev.mfagateway.config.UpstreamConfig;
import dev.mfagateway.telemetry.ConnectionSide;
import dev.mfagateway.telemetry.GatewayMetrics;
import dev.mfagateway.telemetry.RouteMeters;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.pool.AbstractChannelPoolHandler;
import io.netty.channel.pool.ChannelHealthChecker;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * Keep-alive connections to the upstreams. There is one bounded pool per upstream and event loop, so a client
 * connection and the upstream connection serving it share a thread; each holds at most
 * {@code pool.max-connections / event loops} connections (at least one). An unused connection closes after
 * `pool.idle-timeout`; a connection that broke is closed and never offered again.
 */
final class UpstreamPool implements UpstreamConnections, AutoCloseable {
  private static final int MAX_RESPONSE_LINE = 8 * 1024;
  private static final int MAX_RESPONSE_HEADERS = 64 * 1024;
  private static final int MAX_CHUNK = 64 * 1024;

  private record Key(URI origin, EventLoop loop) {}

  private final UpstreamConfig config;
  private final SslContext tls;
  private final AddressResolverGroup<InetSocketAddress> resolver;
  private final int perLoopMax;
  private final int maxPendingAcquires;
  private final GatewayMetrics metrics;
  private final Map<Key, FixedChannelPool> pools = new ConcurrentHashMap<>();

  UpstreamPool(
      UpstreamConfig config,
      SslContext tls,
      AddressResolverGroup<InetSocketAddress> resolver,
      int eventLoops,
      int maxPendingAcquires,
      GatewayMetrics metrics) {
    this.config = config;
    this.tls = tls;
    this.resolver = resolver;
    this.perLoopMax = Math.max(1, config.poolMaxConnections() / eventLoops);
    this.maxPendingAcquires = maxPendingAcquires;
    this.metrics = metrics;
  }

  /**
   * A connection to {@code upstream} on {@code loop}, new or reused; fails after `connect-timeout`. Counts a pool wait
   * in {@code meters} when every connection of the pool is in use. Call on {@code loop}.
   */
  @Override
  public Future<Channel> acquire(URI upstream, EventLoop loop, RouteMeters meters) {
    FixedChannelPool pool = pools.computeIfAbsent(new Key(upstream, loop), this::newPool);
    if (pool.acquiredChannelCount() >= perLoopMax) {
      meters.poolWait();
    }
    return pool.acquire();
  }

  /**
   * Gives a healthy connection back for reuse, reading again (a slow client may have paused it), so that an idle
   * connection the upstream closes or writes to is noticed and closed at once.
   */
  @Override
  public void release(Channel channel, URI upstream) {
    idle(channel);
    giveBack(channel, upstream);
  }

  /** Detached from its exchange and reading again: how a connection waits for its next exchange. */
  static void idle(Channel channel) {
    channel.pipeline().get(UpstreamHandler.class).detach();
    channel.config().setAutoRead(true);
  }

  /** Closes a connection that must not be reused and frees its place in the pool. */
  @Override
  public void discard(Channel channel, URI upstream) {
    channel.pipeline().get(UpstreamHandler.class).detach();
    channel.close();
    giveBack(channel, upstream);
  }

  /** To its pool; once the pools are closed (shutdown), the connection is closed instead. */
  private void giveBack(Channel channel, URI upstream) {
    FixedChannelPool pool = pools.get(new Key(upstream, channel.eventLoop()));
    if (pool == null) {
      channel.close();
    } else {
      pool.release(channel);
    }
  }

  @Override
  public void close() {
    pools.values().forEach(FixedChannelPool::close);
    pools.clear();
  }

  private FixedChannelPool newPool(Key key) {
    URI origin = key.origin();
    boolean https = origin.getScheme().equals("https");
    String host = origin.getHost();
    int port = origin.getPort() > 0 ? origin.getPort() : https ? 443 : 80;
    long connectMillis = config.connectTimeout().toMillis();
    Bootstrap bootstrap =
        new Bootstrap()
            .group(key.loop())
            .channel(Transport.clientChannel())
            .resolver(resolver)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectMillis))
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .remoteAddress(InetSocketAddress.createUnresolved(host, port));
    AbstractChannelPoolHandler handler =
        new AbstractChannelPoolHandler() {
          @Override
          public void channelCreated(Channel channel) {
            metrics.connectionOpened(ConnectionSide.UPSTREAM);
            channel.closeFuture().addListener(closed -> metrics.connectionClosed(ConnectionSide.UPSTREAM));
            ChannelPipeline pipeline = channel.pipeline();
            if (https) {
              SslHandler ssl = tls.newHandler(channel.alloc(), host, port);
              ssl.setHandshakeTimeoutMillis(connectMillis);
              requestServerName(ssl.engine(), host);
              pipeline.addLast(ssl);
            }
            pipeline.addLast(newCodec());
            pipeline.addLast(new UpstreamHandler(config.idleTimeout(), config.poolIdleTimeout()));
          }
        };
    return new LoopPool(key.loop(), bootstrap, handler, connectMillis, perLoopMax, maxPendingAcquires);
  }

  /**
   * Netty's bounded pool with its queue of waiting acquires, keeping its idle connections in a plain deque instead of
   * a concurrent one: the pool lives on one event loop, that of its connections, where they are taken and given back,
   * and the concurrent deque cost more than the rest of taking a connection. Only Netty's close() reads the deque
   * from elsewhere (its global executor, at shutdown): it reads it through the event loop.
   */
  private static final class LoopPool extends FixedChannelPool {
    private final EventLoop loop;
    private final ArrayDeque<Channel> idle = new ArrayDeque<>();

    LoopPool(
        EventLoop loop,
        Bootstrap bootstrap,
        AbstractChannelPoolHandler handler,
        long acquireTimeoutMillis,
        int maxConnections,
        int maxPendingAcquires) {
      super(
          bootstrap, handler, ChannelHealthChecker.ACTIVE, FixedChannelPool.AcquireTimeoutAction.FAIL,
          acquireTimeoutMillis, maxConnections, maxPendingAcquires, true, true);
      this.loop = loop;
    }

    @Override
    protected Channel pollChannel() {
      if (loop.inEventLoop()) {
        return idle.pollLast();
      }
      return loop.isShuttingDown() ? null : loop.submit(idle::pollLast).syncUninterruptibly().getNow();
    }

    @Override
    protected boolean offerChannel(Channel channel) {
      return idle.offerLast(channel);
    }
  }

  /** The HTTP codec of an upstream connection: requests out, responses in (up to the response limits). */
  static UpstreamCodec newCodec() {
    return new UpstreamCodec(
        new HttpDecoderConfig()
            .setHeadersFactory(Forwarding.HEADERS)
            .setMaxInitialLineLength(MAX_RESPONSE_LINE)
            .setMaxHeaderSize(MAX_RESPONSE_HEADERS)
            .setMaxChunkSize(MAX_CHUNK));
  }

  /**
   * SNI for every host name: the TLS engines only send it on their own for names with a dot, and an upstream behind a
   * name like `gateway-sidecar` needs it as much as any other.
   */
  private static void requestServerName(SSLEngine engine, String host) {
    if (!NetUtil.isValidIpV4Address(host) && !NetUtil.isValidIpV6Address(host)) {
      SSLParameters parameters = engine.getSSLParameters();
      parameters.setServerNames(List.of(new SNIHostName(host)));
      engine.setSSLParameters(parameters);
    }
  }
}
