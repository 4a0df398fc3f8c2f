package dev.mfagateway.proxy;

import dev.mfagateway.config.UpstreamConfig;
import dev.mfagateway.telemetry.ConnectionSide;
import dev.mfagateway.telemetry.GatewayMetrics;
import dev.mfagateway.telemetry.RouteMeters;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * Keep-alive connections to the upstreams. There is one bounded pool ({@link LoopPool}) per upstream and event loop,
 * so a client connection and the upstream connection serving it share a thread; each holds at most
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
  private final Map<Key, LoopPool> pools = new ConcurrentHashMap<>();

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
    LoopPool pool = pools.computeIfAbsent(new Key(upstream, loop), this::newPool);
    if (pool.exhausted()) {
      meters.poolWait();
    }
    return pool.acquire();
  }

  /**
   * Gives a healthy connection back for reuse, reading again (a slow client may have paused it), so that an idle
   * connection the upstream closes or writes to is noticed and closed at once.
   */
  @Override
  public void release(Channel channel) {
    idle(channel);
    LoopPool.of(channel).release(channel);
  }

  /** Detached from its exchange and reading again: how a connection waits for its next exchange. */
  static void idle(Channel channel) {
    channel.pipeline().get(UpstreamHandler.class).detach();
    channel.config().setAutoRead(true);
  }

  /** Closes a connection that must not be reused; its place in the pool is freed once it has closed. */
  @Override
  public void discard(Channel channel) {
    channel.pipeline().get(UpstreamHandler.class).detach();
    channel.close();
  }

  @Override
  public void close() {
    pools.values().forEach(LoopPool::close);
    pools.clear();
  }

  private LoopPool newPool(Key key) {
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
            .remoteAddress(InetSocketAddress.createUnresolved(host, port))
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel channel) {
                    metrics.connectionOpened(ConnectionSide.UPSTREAM);
                    channel.closeFuture().addListener(closed -> metrics.connectionClosed(ConnectionSide.UPSTREAM));
                    ChannelPipeline pipeline = channel.pipeline();
                    if (https) {
                      SslHandler ssl = tls.newHandler(channel.alloc(), host, port);
                      ssl.setHandshakeTimeoutMillis(connectMillis);
                      requestServerName(ssl.engine(), host);
                      pipeline.addLast(ssl);
                    }
                    pipeline.addLast(newCodec().handlers());
                    pipeline.addLast(new UpstreamHandler(config.idleTimeout(), config.poolIdleTimeout()));
                  }
                });
    return new LoopPool(key.loop(), bootstrap, perLoopMax, maxPendingAcquires, config.connectTimeout());
  }

  /** The HTTP codec of an upstream connection: requests out, responses in (up to the response limits). */
  static UpstreamCodec newCodec() {
    return new UpstreamCodec(
        new HttpDecoderConfig()
            .setHeadersFactory(Forwarding.RESPONSE_HEADERS)
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
