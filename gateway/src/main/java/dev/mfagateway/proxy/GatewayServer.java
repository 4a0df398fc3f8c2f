package dev.mfagateway.proxy;

import dev.mfagateway.auth.Authenticator;
import dev.mfagateway.compliance.ComplianceReport;
import dev.mfagateway.config.GatewayConfig;
import dev.mfagateway.config.Limits;
import dev.mfagateway.config.Listener;
import dev.mfagateway.config.RouteConfig;
import dev.mfagateway.telemetry.AuditLog;
import dev.mfagateway.telemetry.ConnectionSide;
import dev.mfagateway.telemetry.GatewayMetrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The client listener: event loops, the per-connection pipeline, the connection cap, and graceful shutdown (stop
 * accepting, let in-flight exchanges finish up to `server.shutdown-grace`, then close what is left).
 */
public final class GatewayServer implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(GatewayServer.class);
  private static final int MAX_CHUNK = 64 * 1024;
  /** Threads for blocking host-name lookups of upstreams (rare: pooled connections are reused). */
  private static final int RESOLVER_THREADS = 2;

  private final GatewayConfig config;
  private final GatewayMetrics metrics;
  private final AuditLog audit;
  private final ComplianceReport compliance;
  private final AtomicInteger openConnections = new AtomicInteger();
  private volatile boolean draining;
  private volatile boolean serving;
  /** Published with one volatile write; each request reads it once (see {@link ConfigSnapshot}). */
  private volatile ConfigSnapshot current;
  private MultiThreadIoEventLoopGroup acceptor;
  private MultiThreadIoEventLoopGroup workers;
  private ExecutorService resolverThreads;
  private UpstreamPool upstreams;
  private ChannelGroup clients;
  private Channel listener;
  private volatile InetSocketAddress boundAddress;

  /** {@code metrics}, {@code audit} and {@code compliance} receive every request's measurements and decisions. */
  public GatewayServer(
      GatewayConfig config,
      Authenticator authenticator,
      GatewayMetrics metrics,
      AuditLog audit,
      ComplianceReport compliance) {
    this.config = config;
    this.metrics = metrics;
    this.audit = audit;
    this.compliance = compliance;
    this.current = new ConfigSnapshot(new Routes(config.routes(), metrics), authenticator);
  }

  /**
   * Applies a reloaded configuration's routes and the verdict built for it to the next request on every connection.
   * Settings read at start only (listener, limits, upstream, server) keep the values the gateway started with.
   */
  public void apply(GatewayConfig reloaded, Authenticator authenticator) {
    warnAboutPlainUpstreams(reloaded.routes());
    current = new ConfigSnapshot(new Routes(reloaded.routes(), metrics), authenticator);
  }

  /**
   * Binds the listener. Throws when the listener's or upstream TLS material cannot be read, or the address cannot be
   * bound; nothing is left running then.
   */
  public synchronized void start() throws IOException, GeneralSecurityException, InterruptedException {
    Listener listen = config.listen();
    SslContext serverTls = listen.tls().isPresent() ? TlsContexts.server(listen.tls().get()) : null;
    SslContext upstreamTls = TlsContexts.upstream(config.upstream().caFile());
    acceptor = Transport.group(1, "gateway-accept");
    workers = Transport.group(config.server().eventLoopThreads(), "gateway-io");
    resolverThreads = Executors.newFixedThreadPool(RESOLVER_THREADS, daemon("gateway-dns"));
    int loops = workers.executorCount();
    upstreams =
        new UpstreamPool(
            config.upstream(),
            upstreamTls,
            OffloadedNameResolver.group(resolverThreads),
            loops,
            config.limits().maxConnections(),
            metrics);
    clients = new DefaultChannelGroup("gateway-clients", GlobalEventExecutor.INSTANCE);
    GatewayContext context =
        new GatewayContext(
            config, () -> current, upstreams, metrics, audit, compliance, serverTls != null, () -> draining);
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(acceptor, workers)
            .channel(Transport.serverChannel())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .childOption(ChannelOption.TCP_NODELAY, true)
            // A client's FIN after its request is an event, not a close: FrontendHandler answers, then closes.
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel channel) {
                    if (!admit(channel)) {
                      return;
                    }
                    ChannelPipeline pipeline = channel.pipeline();
                    if (serverTls != null) {
                      pipeline.addLast(serverTls.newHandler(channel.alloc()));
                    }
                    addFrontEnd(pipeline, context);
                  }
                });
    try {
      listener = bootstrap.bind(listen.host(), listen.port()).sync().channel();
      boundAddress = (InetSocketAddress) listener.localAddress();
    } catch (Exception e) {
      release();
      throw e;
    }
    serving = true;
    warnAboutPlainUpstreams(config.routes());
    LOG.info(
        "gateway listening on {} ({}, {}, transport {}, leak detection {})",
        address(), serverTls != null ? "https" : "http", "tls provider " + TlsContexts.provider(), Transport.name(),
        ResourceLeakDetector.getLevel().name().toLowerCase(Locale.ROOT));
    if (!Transport.isNative()) {
      LOG.warn("native epoll transport unavailable, serving with NIO: {}", Transport.unavailabilityCause());
    }
    metrics.transport(Transport.name());
  }

  /**
   * The HTTP front end of a client connection, after TLS: decoder, encoder, {@link FrontendHandler} (which keeps the
   * idle timeout).
   */
  static void addFrontEnd(ChannelPipeline pipeline, GatewayContext context) {
    Limits limits = context.config().limits();
    pipeline.addLast(
        new RequestHeadDecoder(
            new HttpDecoderConfig()
                .setHeadersFactory(Forwarding.REQUEST_HEADERS)
                .setMaxInitialLineLength(limits.maxInitialLine())
                .setMaxHeaderSize(limits.maxHeaderSize())
                .setMaxChunkSize(MAX_CHUNK),
            limits.headerTimeout()));
    ResponseEncoder encoder = new ResponseEncoder();
    pipeline.addLast(encoder);
    pipeline.addLast(new FrontendHandler(context, encoder));
  }

  /** The bound listener address (the real port when configured with port 0). */
  public InetSocketAddress address() {
    return boundAddress;
  }

  /** Whether the listener is bound and not draining: the gateway's part of readiness. */
  public boolean isServing() {
    return serving;
  }

  /** Client connections open now. */
  public int openConnections() {
    return openConnections.get();
  }

  /**
   * Graceful shutdown, blocking until done: stops accepting, closes idle connections, lets exchanges under way finish
   * for up to `server.shutdown-grace`, then closes everything. Call from outside the event loops.
   */
  public synchronized void shutdown() throws InterruptedException {
    if (listener == null) {
      return;
    }
    serving = false;
    draining = true;
    listener.close().sync();
    listener = null;
    Duration grace = config.server().shutdownGrace();
    for (Channel client : clients) {
      client.pipeline().fireUserEventTriggered(GatewayContext.Drain.INSTANCE);
    }
    if (!clients.newCloseFuture().await(grace.toMillis(), TimeUnit.MILLISECONDS)) {
      LOG.warn("{} client connections still busy after the shutdown grace; closing them", clients.size());
    }
    clients.close().await(grace.toMillis(), TimeUnit.MILLISECONDS);
    release();
    LOG.info("gateway stopped");
  }

  /** {@link #shutdown()}; an interrupt while draining ends the wait and is kept on the thread. */
  @Override
  public void close() {
    try {
      shutdown();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SPEC §8: `http://` upstreams are allowed (sidecars, tests), but one off the loopback interface is warned about. */
  private static void warnAboutPlainUpstreams(List<RouteConfig> routes) {
    for (RouteConfig route : routes) {
      String host = route.upstream().getHost();
      boolean loopback = host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
      if (route.upstream().getScheme().equals("http") && !loopback) {
        LOG.warn("route {} forwards bearer tokens in clear text to {}", route.name(), route.upstream());
      }
    }
  }

  private boolean admit(Channel channel) {
    if (draining) {
      channel.close();
      return false;
    }
    if (openConnections.incrementAndGet() > config.limits().maxConnections()) {
      openConnections.decrementAndGet();
      channel.close();
      return false;
    }
    clients.add(channel);
    metrics.connectionOpened(ConnectionSide.CLIENT);
    channel.closeFuture().addListener(f -> {
      openConnections.decrementAndGet();
      metrics.connectionClosed(ConnectionSide.CLIENT);
    });
    return true;
  }

  private void release() throws InterruptedException {
    if (upstreams != null) {
      upstreams.close();
    }
    if (acceptor != null) {
      acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
    if (workers != null) {
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
    if (resolverThreads != null) {
      resolverThreads.shutdownNow();
    }
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, name + "-" + n.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
