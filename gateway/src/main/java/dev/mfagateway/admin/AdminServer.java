package dev.mfagateway.admin;

import dev.mfagateway.compliance.ComplianceReport;
import dev.mfagateway.compliance.ReportJson;
import dev.mfagateway.compliance.ReportPage;
import dev.mfagateway.compliance.ReportView;
import dev.mfagateway.compliance.Window;
import dev.mfagateway.config.Endpoint;
import dev.mfagateway.proxy.MemoryExhaustionLog;
import dev.mfagateway.telemetry.GatewayMetrics;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The admin listener (`gateway.admin`): `/healthz` (200 while the process serves), `/readyz` (200 only while
 * {@code readiness} says so, 503 otherwise) and `/metrics` (Prometheus text 0.0.4, or OpenMetrics when the `Accept`
 * header asks for it), `/compliance[?window=all|1h|24h]` (JSON) and `/compliance.html` (the same as a page). Anything
 * else is 404. Small requests only; one event-loop thread of its own.
 *
 * <p>With a token (`gateway.admin.token-file`), every path but the probes `/healthz` and `/readyz` (so `/metrics`,
 * `/compliance*` and whatever is added later) answers 401 unless the request carries `Authorization: Bearer <token>`.
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(AdminServer.class);
  private static final int MAX_REQUEST = 16 * 1024;

  private final Endpoint endpoint;
  private final BooleanSupplier readiness;
  private final GatewayMetrics metrics;
  private final ComplianceReport compliance;
  private final String replica;
  private final Optional<AdminToken> token;
  private MultiThreadIoEventLoopGroup group;
  private Channel listener;

  /** {@code replica} names this process on the compliance page (each replica reports its own share). */
  public AdminServer(
      Endpoint endpoint,
      BooleanSupplier readiness,
      GatewayMetrics metrics,
      ComplianceReport compliance,
      String replica) {
    this.endpoint = endpoint;
    this.readiness = readiness;
    this.metrics = metrics;
    this.compliance = compliance;
    this.replica = replica;
    this.token = endpoint.token().map(AdminToken::new);
  }

  public synchronized void start() throws InterruptedException {
    group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("admin", true), NioIoHandler.newFactory());
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel channel) {
                    channel
                        .pipeline()
                        .addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_REQUEST), new Endpoints());
                  }
                });
    try {
      listener = bootstrap.bind(endpoint.host(), endpoint.port()).sync().channel();
    } catch (RuntimeException | InterruptedException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
      throw e;
    }
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) listener.localAddress();
  }

  @Override
  public synchronized void close() {
    if (listener != null) {
      listener.close().syncUninterruptibly();
      listener = null;
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  private final class Endpoints extends SimpleChannelInboundHandler<FullHttpRequest> {
    /**
     * A failed read or answer closes the connection, so the scraper is not left waiting. A reset is routine; anything
     * but that and running out of memory is a fault of this server, and is logged as one.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof IOException) {
        LOG.debug("admin connection failed: {}", cause.toString());
      } else if (!MemoryExhaustionLog.closedForWantOfMemory("admin", cause)) {
        LOG.warn("admin request failed", cause);
      }
      ctx.close();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      if (!request.decoderResult().isSuccess()) {
        respond(ctx, request, HttpResponseStatus.BAD_REQUEST, "text/plain", "bad request\n", false);
        return;
      }
      QueryStringDecoder target = new QueryStringDecoder(request.uri());
      String path;
      try {
        path = target.path();
        target.parameters();
      } catch (IllegalArgumentException badEscape) {
        respond(ctx, request, HttpResponseStatus.BAD_REQUEST, "text/plain", "bad percent-encoding in the target\n",
            false);
        return;
      }
      if (!isProbe(path) && !authorized(request)) {
        unauthorized(ctx, request);
        return;
      }
      boolean get = request.method().equals(HttpMethod.GET) || request.method().equals(HttpMethod.HEAD);
      switch (path) {
        case "/healthz" -> answer(ctx, request, get, HttpResponseStatus.OK, "text/plain", "ok\n");
        case "/readyz" -> {
          boolean ready = readiness.getAsBoolean();
          answer(
              ctx, request, get, ready ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
              "text/plain", ready ? "ready\n" : "not ready\n");
        }
        case "/metrics" -> {
          if (get) {
            GatewayMetrics.Scrape scrape = metrics.scrape(request.headers().get(HttpHeaderNames.ACCEPT));
            respond(ctx, request, HttpResponseStatus.OK, scrape.contentType(), scrape.body(), true);
          } else {
            answer(ctx, request, false, HttpResponseStatus.OK, "text/plain", "");
          }
        }
        case "/compliance", "/compliance.html" -> complianceReport(ctx, request, get, path, target);
        default -> respond(ctx, request, HttpResponseStatus.NOT_FOUND, "text/plain", "not found\n", true);
      }
    }

    /** The report, computed on this (admin) event loop: memory reads only, no I/O. */
    private void complianceReport(
        ChannelHandlerContext ctx, FullHttpRequest request, boolean get, String path, QueryStringDecoder target) {
      List<String> windows = target.parameters().getOrDefault("window", List.of(Window.ALL.parameter()));
      Optional<Window> window = windows.size() == 1 ? Window.fromParameter(windows.get(0)) : Optional.empty();
      if (!get || window.isEmpty()) {
        answer(ctx, request, get, HttpResponseStatus.BAD_REQUEST, "text/plain",
            "window must be one of all, 1h, 24h (e.g. /compliance?window=24h)\n");
        return;
      }
      ReportView report = compliance.view(window.get());
      if (path.equals("/compliance")) {
        respond(ctx, request, HttpResponseStatus.OK, "application/json", ReportJson.render(report, replica), true);
      } else {
        respond(ctx, request, HttpResponseStatus.OK, "text/html; charset=utf-8", ReportPage.render(report, replica),
            true);
      }
    }

    private static boolean isProbe(String path) {
      return path.equals("/healthz") || path.equals("/readyz");
    }

    private boolean authorized(FullHttpRequest request) {
      return token.isEmpty() || token.get().admits(request.headers().getAll(HttpHeaderNames.AUTHORIZATION));
    }

    private void unauthorized(ChannelHandlerContext ctx, FullHttpRequest request) {
      respond(ctx, request, HttpResponseStatus.UNAUTHORIZED, "text/plain", "admin token required\n", true);
    }

    private void answer(
        ChannelHandlerContext ctx, FullHttpRequest request, boolean get, HttpResponseStatus status, String type,
        String body) {
      if (get) {
        respond(ctx, request, status, type, body, true);
      } else {
        respond(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain", "use GET\n", true);
      }
    }

    private void respond(
        ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status, String type, String body,
        boolean keepAlive) {
      respond(ctx, request, status, type, body.getBytes(StandardCharsets.UTF_8), keepAlive);
    }

    private void respond(
        ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status, String type, byte[] body,
        boolean keepAlive) {
      byte[] bytes = request.method().equals(HttpMethod.HEAD) ? new byte[0] : body;
      ByteBuf content = ctx.alloc().buffer(bytes.length).writeBytes(bytes);
      FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
      response.headers().set(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
      response.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
      if (status.equals(HttpResponseStatus.METHOD_NOT_ALLOWED)) {
        response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
      }
      if (status.equals(HttpResponseStatus.UNAUTHORIZED)) {
        response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"mfa-gateway-admin\"");
      }
      boolean open = keepAlive && HttpUtil.isKeepAlive(request);
      if (!open) {
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      }
      ctx.writeAndFlush(response)
          .addListener(open ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
    }
  }
}
