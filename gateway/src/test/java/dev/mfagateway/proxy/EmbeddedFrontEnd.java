package dev.mfagateway.proxy;

import dev.mfagateway.Gateway;
import dev.mfagateway.auth.Authenticator;
import dev.mfagateway.compliance.ComplianceReport;
import dev.mfagateway.config.GatewayConfig;
import dev.mfagateway.telemetry.AuditLog;
import dev.mfagateway.telemetry.GatewayMetrics;
import dev.mfagateway.telemetry.RouteMeters;
import dev.mfagateway.testing.StrictHttp;
import io.micrometer.core.instrument.Clock;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.Future;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's real client pipeline ({@link GatewayServer#addFrontEnd}) on an {@link EmbeddedChannel}, for the HTTP
 * front-end fuzz test. Upstream connections are stand-ins: embedded channels with the real upstream codec and
 * {@link UpstreamHandler}, one per acquire, that record the bytes forwarded and answer `200` (header
 * `x-stand-in: <number>`) once they hold a complete request (or only its head, when told to answer early). Everything
 * runs on the test thread; each step is numbered, so a test can tell what happened after what. {@link #steady} gives
 * the data-path benchmark its connection on the same pipeline.
 */
public final class EmbeddedFrontEnd {
  /** The header naming the stand-in upstream connection that answered. */
  public static final String STAND_IN = "x-stand-in";
  /** Requests under this prefix go to a report-only route; under {@link #ENFORCED} to an enforcing one. */
  public static final String REPORT_ONLY = "/r/";
  public static final String ENFORCED = "/api/";

  private final GatewayContext context;

  /** Routes {@link #REPORT_ONLY} and {@link #ENFORCED}, judged by {@code authenticator}; SPEC §8 limits. */
  public EmbeddedFrontEnd(URI jwksUri, Authenticator authenticator) {
    URI upstream = URI.create("http://upstream.test:8080");
    GatewayConfig config = new TestConfig().reportOnlyRoute(REPORT_ONLY, upstream).route(ENFORCED, upstream)
        .build(jwksUri);
    GatewayMetrics metrics = Gateway.newMetrics(config, Clock.SYSTEM);
    ConfigSnapshot snapshot = new ConfigSnapshot(new Routes(config.routes(), metrics), authenticator);
    this.context = new GatewayContext(config, () -> snapshot, null, metrics,
        new AuditLog(config.logging().accessLog()),
        ComplianceReport.create(config.compliance(), java.time.Clock.systemUTC()), false, () -> false);
  }

  /** A new client connection; {@code earlyAnswers} makes the stand-ins answer as soon as a request head arrives. */
  public Connection connect(boolean earlyAnswers) {
    return new Connection(context, earlyAnswers);
  }

  /** A new keep-alive client connection with one reused upstream connection (see {@link SteadyConnection}). */
  public SteadyConnection steady(boolean recording) {
    return new SteadyConnection(context, recording);
  }

  /** {@code shared} with the connection's own {@code upstreams}: plain HTTP, never draining. */
  static GatewayContext withUpstreams(GatewayContext shared, UpstreamConnections upstreams) {
    return new GatewayContext(shared.config(), shared.snapshots(), upstreams, shared.metrics(), shared.audit(),
        shared.compliance(), false, () -> false);
  }

  /** A message the decoder passed to the front end: its step, kind, whether it failed, and a head's method/target. */
  public record Decoded(long step, boolean head, boolean last, boolean failed, String method, String target) {}

  /** A stand-in upstream connection and what happened to it, by step. */
  public static final class StandIn {
    public final int number;
    public final long acquiredAt;
    /** How many bytes the client had been sent when this connection was taken. */
    public final int sentBefore;
    public long lastWriteAt = -1;
    public boolean released;
    public boolean discarded;
    public boolean answered;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private EmbeddedChannel channel;

    private StandIn(int number, long acquiredAt, int sentBefore) {
      this.number = number;
      this.acquiredAt = acquiredAt;
      this.sentBefore = sentBefore;
    }

    public byte[] received() {
      return received.toByteArray();
    }

    public boolean open() {
      return channel.isOpen();
    }
  }

  /** One client connection through the real pipeline. */
  public static final class Connection implements UpstreamConnections {
    private final boolean earlyAnswers;
    private final EmbeddedChannel client;
    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    private final List<Decoded> decoded = new ArrayList<>();
    private final List<StandIn> standIns = new ArrayList<>();
    private long step;
    private long closedAt = -1;

    private Connection(GatewayContext shared, boolean earlyAnswers) {
      this.earlyAnswers = earlyAnswers;
      GatewayContext context = withUpstreams(shared, this);
      client = new EmbeddedChannel(new ChannelInitializer<Channel>() {
        @Override
        protected void initChannel(Channel channel) {
          channel.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
              ByteBuf bytes = (ByteBuf) msg;
              sent.writeBytes(ByteBufUtil.getBytes(bytes));
              bytes.release();
              promise.setSuccess();
            }
          });
          GatewayServer.addFrontEnd(channel.pipeline(), context);
          String frontEnd = channel.pipeline().context(FrontendHandler.class).name();
          channel.pipeline().addBefore(frontEnd, "decoded", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
              record((HttpObject) msg);
              ctx.fireChannelRead(msg);
            }
          });
        }
      });
      // The connection's clock moves only by quietFor: on the wall clock a slow moment between two steps of a test
      // would let a timer fall due that the test means to be just short of due.
      client.freezeTime();
      client.closeFuture().addListener(f -> closedAt = ++step);
    }

    private void record(HttpObject message) {
      HttpRequest head = message instanceof HttpRequest request ? request : null;
      decoded.add(new Decoded(++step, head != null, message instanceof LastHttpContent,
          message.decoderResult().isFailure(), head == null ? null : head.method().name(),
          head == null ? null : head.uri()));
    }

    /** Bytes from the client, as one read. */
    public void write(byte[] chunk) {
      client.writeInbound(Unpooled.wrappedBuffer(chunk));
      settle();
    }

    /** The client half-closes (FIN after its requests). */
    public void halfClose() {
      client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
      settle();
    }

    /** The client sends nothing for {@code time}: the connection's timers that fall due in it run. */
    public void quietFor(Duration time) {
      client.advanceTimeBy(time.toNanos(), TimeUnit.NANOSECONDS);
      client.runScheduledPendingTasks();
      settle();
    }

    /** The request decoder in the connection's pipeline now. */
    RequestHeadDecoder requestDecoder() {
      return client.pipeline().get(RequestHeadDecoder.class);
    }

    /** The client goes away. */
    public void close() {
      client.close();
      settle();
      client.checkException();
    }

    public boolean open() {
      return client.isOpen();
    }

    /** Everything the gateway wrote to the client. */
    public byte[] sent() {
      return sent.toByteArray();
    }

    public List<Decoded> decoded() {
      return decoded;
    }

    public List<StandIn> standIns() {
      return standIns;
    }

    /** The step at which the client connection closed, or -1. */
    public long closedAt() {
      return closedAt;
    }

    /** Runs what is queued and lets stand-ins answer, until nothing moves. */
    private void settle() {
      boolean moved = true;
      while (moved) {
        moved = false;
        client.runPendingTasks();
        for (int i = 0; i < standIns.size(); i++) {
          StandIn standIn = standIns.get(i);
          standIn.channel.runPendingTasks();
          if (answerDue(standIn)) {
            standIn.answered = true;
            standIn.channel.writeInbound(Unpooled.copiedBuffer(answer(standIn), StandardCharsets.ISO_8859_1));
            moved = true;
          }
        }
      }
      client.checkException();
    }

    private boolean answerDue(StandIn standIn) {
      if (standIn.answered || !standIn.channel.isOpen()) {
        return false;
      }
      try {
        StrictHttp.Message request = StrictHttp.request(standIn.received(), 0);
        return request.complete() || (earlyAnswers && request.headComplete());
      } catch (StrictHttp.Malformed malformed) {
        return false; // the test reports it
      }
    }

    private static String answer(StandIn standIn) {
      String method;
      try {
        method = StrictHttp.request(standIn.received(), 0).method();
      } catch (StrictHttp.Malformed malformed) {
        throw new IllegalStateException(malformed);
      }
      String body = HttpMethod.HEAD.name().equals(method) ? "" : "ok";
      return "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n" + STAND_IN + ": " + standIn.number + "\r\n\r\n" + body;
    }

    @Override
    public Future<Channel> acquire(URI upstream, EventLoop loop, RouteMeters meters) {
      StandIn standIn = new StandIn(standIns.size(), ++step, sent.size());
      standIn.channel = new EmbeddedChannel();
      standIn.channel.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
          ByteBuf bytes = (ByteBuf) msg;
          standIn.received.writeBytes(ByteBufUtil.getBytes(bytes));
          bytes.release();
          standIn.lastWriteAt = ++step;
          promise.setSuccess();
        }
      }).addLast(UpstreamPool.newCodec().handlers())
          .addLast(new UpstreamHandler(Duration.ofMinutes(1), Duration.ofMinutes(1)));
      standIns.add(standIn);
      return loop.newSucceededFuture(standIn.channel);
    }

    @Override
    public void release(Channel channel) {
      StandIn standIn = standIn(channel);
      standIn.released = true;
      channel.pipeline().get(UpstreamHandler.class).detach();
      channel.close();
    }

    @Override
    public void discard(Channel channel) {
      StandIn standIn = standIn(channel);
      standIn.discarded = true;
      channel.pipeline().get(UpstreamHandler.class).detach();
      channel.close();
    }

    private StandIn standIn(Channel channel) {
      return standIns.stream().filter(s -> s.channel == channel).findFirst().orElseThrow();
    }
  }
}
