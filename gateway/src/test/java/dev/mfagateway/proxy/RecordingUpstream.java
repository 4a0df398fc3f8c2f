package dev.mfagateway.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real upstream for tests, streaming both ways. It records every connection, every request head and every complete
 * request (with the SHA-256 of its body), and answers by path:
 *
 * <ul>
 *   <li>{@code /hang…}: never answers;
 *   <li>{@code /break}: announces 1 000 000 bytes, sends 1000, closes;
 *   <li>{@code /stall}: announces 1 000 000 bytes, sends 1000, then stays silent;
 *   <li>{@code /drip/N}: N parts of 10 bytes ("drip-drip-"), one every 100 ms, with Content-Length;
 *   <li>{@code /download/N}: N bytes of seeded random data with Content-Length, written as the client can take them;
 *   <li>{@code /gate}: answers once {@link #gate} completes;
 *   <li>{@code /head-then-gate}: sends its head at once and its 8-byte body ("released") once {@link #gate} completes;
 *   <li>{@code /hop}: a response carrying hop-by-hop headers;
 *   <li>anything else: 200 with the hex SHA-256 of the request body, and the connection number in
 *       {@code x-upstream-connection}.
 * </ul>
 */
final class RecordingUpstream implements AutoCloseable {
  static final long DOWNLOAD_SEED = 42;
  private static final int CHUNK = 16 * 1024;
  private static final String DRIP = "drip-drip-";

  record Recorded(String method, String uri, HttpHeaders headers, long bodyBytes, String sha256, int connection) {}

  final AtomicInteger connections = new AtomicInteger();
  final AtomicInteger closedConnections = new AtomicInteger();
  final BlockingQueue<HttpRequest> heads = new LinkedBlockingQueue<>();
  final List<Recorded> requests = new CopyOnWriteArrayList<>();
  final CompletableFuture<Void> gate = new CompletableFuture<>();
  /** Server names (SNI) clients asked for in their TLS handshakes. */
  final List<String> serverNames = new CopyOnWriteArrayList<>();
  private final MultiThreadIoEventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel listener;
  private final boolean tls;

  RecordingUpstream() throws InterruptedException {
    this(null);
  }

  RecordingUpstream(SslContext tls) throws InterruptedException {
    this.tls = tls != null;
    listener =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    if (tls != null) {
                      ch.pipeline()
                          .addLast(
                              new SniHandler(
                                  (String name) -> {
                                    serverNames.add(String.valueOf(name));
                                    return tls;
                                  }));
                    }
                    ch.pipeline().addLast(new HttpServerCodec(), new Exchange(connections.incrementAndGet()));
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
  }

  int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  /** The upstream URI with {@code host} as its host name (for TLS tests naming `localhost`). */
  URI uri(String host) {
    return URI.create((tls ? "https://" : "http://") + host + ":" + port());
  }

  URI uri() {
    return uri("127.0.0.1");
  }

  /** True when nothing at all reached this upstream: no connection, no request. */
  boolean receivedNothing() {
    return connections.get() == 0 && receivedNoRequest();
  }

  /** True when no request head reached this upstream (a connection may have been opened). */
  boolean receivedNoRequest() {
    return heads.isEmpty() && requests.isEmpty();
  }

  @Override
  public void close() throws InterruptedException {
    if (!group.isShuttingDown()) {
      listener.close().sync();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  private final class Exchange extends SimpleChannelInboundHandler<HttpObject> {
    private final int connection;
    private HttpRequest request;
    private MessageDigest digest;
    private long bodyBytes;
    private long downloadLeft;
    private Random downloadData;

    Exchange(int connection) {
      this.connection = connection;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) throws NoSuchAlgorithmException {
      if (msg instanceof HttpRequest head) {
        request = head;
        heads.add(head);
        digest = MessageDigest.getInstance("SHA-256");
        bodyBytes = 0;
      }
      if (msg instanceof HttpContent part) {
        if (part.decoderResult().isFailure()) {
          ctx.close();
          return;
        }
        bodyBytes += part.content().readableBytes();
        digest.update(part.content().nioBuffer());
        if (part instanceof LastHttpContent) {
          String sha = HexFormat.of().formatHex(digest.digest());
          requests.add(
              new Recorded(
                  request.method().name(), request.uri(), request.headers().copy(), bodyBytes, sha, connection));
          answer(ctx, sha);
        }
      }
    }

    private void answer(ChannelHandlerContext ctx, String sha) {
      String uri = request.uri();
      if (uri.startsWith("/hang")) {
        return;
      }
      if (uri.startsWith("/break") || uri.startsWith("/stall")) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, 1_000_000);
        ctx.write(head);
        var written = ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[1000])));
        if (uri.startsWith("/break")) {
          written.addListener(ChannelFutureListener.CLOSE);
        }
        return;
      }
      if (uri.startsWith("/drip/")) {
        int parts = Integer.parseInt(uri.substring("/drip/".length()));
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, parts * DRIP.length());
        ctx.writeAndFlush(head);
        drip(ctx, parts);
        return;
      }
      if (uri.startsWith("/download/")) {
        downloadLeft = Long.parseLong(uri.substring("/download/".length()));
        downloadData = new Random(DOWNLOAD_SEED);
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, downloadLeft);
        ctx.write(head);
        streamDownload(ctx);
        return;
      }
      if (uri.startsWith("/head-then-gate")) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, 8);
        ctx.writeAndFlush(head);
        gate.thenRun(() -> ctx.executor().execute(() -> ctx.writeAndFlush(
            new DefaultLastHttpContent(Unpooled.copiedBuffer("released", StandardCharsets.US_ASCII)))));
        return;
      }
      if (uri.startsWith("/gate")) {
        gate.thenRun(() -> ctx.executor().execute(() -> ctx.writeAndFlush(text(ctx, "released"))));
        return;
      }
      FullHttpResponse response = text(ctx, sha);
      response.headers().set("x-upstream-connection", connection);
      if (uri.startsWith("/hop")) {
        response.headers().set(HttpHeaderNames.CONNECTION, "x-secret-hop");
        response.headers().set("x-secret-hop", "must not reach the client");
        response.headers().set("keep-alive", "timeout=5");
        response.headers().set(HttpHeaderNames.UPGRADE, "h2c");
        response.headers().set("x-request-id", "upstream-made-this-up");
      }
      if (uri.startsWith("/nominate-length")) {
        response.headers().set(HttpHeaderNames.CONNECTION, "content-length");
      }
      ctx.writeAndFlush(response);
    }

    private void drip(ChannelHandlerContext ctx, int left) {
      ctx.executor().schedule(() -> {
        ByteBuf part = Unpooled.copiedBuffer(DRIP, StandardCharsets.US_ASCII);
        if (left == 1) {
          ctx.writeAndFlush(new DefaultLastHttpContent(part));
        } else {
          ctx.writeAndFlush(new DefaultHttpContent(part));
          drip(ctx, left - 1);
        }
      }, 100, TimeUnit.MILLISECONDS);
    }

    private void streamDownload(ChannelHandlerContext ctx) {
      while (downloadLeft > 0 && ctx.channel().isWritable()) {
        byte[] chunk = new byte[(int) Math.min(CHUNK, downloadLeft)];
        downloadData.nextBytes(chunk);
        downloadLeft -= chunk.length;
        ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk)));
      }
      if (downloadLeft == 0) {
        downloadData = null;
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
      } else {
        ctx.flush();
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (downloadData != null && ctx.channel().isWritable()) {
        streamDownload(ctx);
      }
    }

    private FullHttpResponse text(ChannelHandlerContext ctx, String body) {
      ByteBuf content = ctx.alloc().buffer().writeBytes(body.getBytes(StandardCharsets.UTF_8));
      FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, content);
      response.headers().set(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
      return response;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      closedConnections.incrementAndGet();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
