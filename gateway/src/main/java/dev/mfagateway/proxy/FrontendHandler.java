package dev.mfagateway.proxy;

import dev.mfagateway.auth.Authenticator;
import dev.mfagateway.auth.Decision;
import dev.mfagateway.auth.LastVerifiedToken;
import dev.mfagateway.auth.Reason;
import dev.mfagateway.telemetry.StatusClass;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Ticker;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One client connection: decode, check the HTTP shape, ask the {@link Authenticator}, then forward or refuse, and
 * stream the response back. Each request's state is an {@link Exchange}; this class keeps the connection's (its phase,
 * the messages waiting, its timers). Requests are served one at a time, in order: messages that arrive while an
 * exchange is under way wait in {@link #waiting}, and reading stops only once something waits there (so a client that
 * sends one request at a time never has its reading switched off and on, which costs two `epoll_ctl` calls a request).
 * Bodies stream with backpressure: a side that cannot write stops the other side from reading. A client that
 * half-closes (sends FIN after its request) still gets its answer; the connection closes after it. One that ends its
 * input in the middle of a request body is closed at once: that request can never be complete, so none of it goes
 * further.
 */
final class FrontendHandler extends ChannelInboundHandlerAdapter implements UpstreamListener {
  private static final Logger LOG = LogManager.getLogger(FrontendHandler.class);

  private enum Phase {
    /** Waiting for the next request head. */
    IDLE,
    /** Head received; waiting for the verdict and then an upstream connection. Body parts wait. */
    DECIDING,
    /** Upstream attached: request body parts are forwarded as they come. */
    FORWARDING,
    /** The gateway answered itself (or the upstream finished early): the rest of the request body is dropped. */
    DISCARDING,
    /** The connection is closing: everything is dropped. */
    CLOSED
  }

  /** The upstream's response head could not be decoded as HTTP. */
  private static final class MalformedResponse extends DecoderException {
    private static final long serialVersionUID = 1L;

    MalformedResponse(Throwable cause) {
      super(cause);
    }
  }

  /**
   * How long a keep-alive connection is quiet between requests before it gives back what its last request made it
   * hold: the last token, and the request decoder's scratch buffer, which Netty sizes for the longest header line it
   * has read (4 KiB after a 2.3 KB `Authorization` line) and keeps for as long as the decoder lives. The next request
   * after such a pause pays a new decoder and a lookup of its token in the shared cache.
   */
  static final Duration SHED_AFTER = Duration.ofMillis(500);

  private final GatewayContext gateway;
  private final ResponseEncoder encoder;
  private final ArrayDeque<HttpObject> waiting = new ArrayDeque<>();
  private final LastVerifiedToken lastToken = new LastVerifiedToken();
  private ChannelHandlerContext ctx;
  private Phase phase = Phase.IDLE;
  /** Set when a request head timed out while another exchange was under way: answered 408 once it ends. */
  private boolean headTimedOut;
  /** The client half-closed: no further request can come, so the connection closes after the current answer. */
  private boolean inputShutdown;

  /** The client's address, as forwarded in `X-Forwarded-For` and logged. */
  private String client;
  /** The connection's clock: the event loop's ticker, which its timers run on too. */
  private Ticker clock;

  /** How many exchanges the connection has begun. */
  private long exchanges;
  /** The exchange under way, or null between exchanges. */
  private Exchange current;
  private Deadline responseDeadline;
  /** Runs from the end of each exchange: see {@link #SHED_AFTER}. */
  private Deadline shedDeadline;
  /**
   * `limits.idle-timeout`: runs from the last read from the client, the end of an exchange, or a part of a streamed
   * response; the connection closes when it expires while the gateway waits for the client.
   */
  private Deadline idleDeadline;

  FrontendHandler(GatewayContext gateway, ResponseEncoder encoder) {
    this.gateway = gateway;
    this.encoder = encoder;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.client = clientAddress(ctx.channel().remoteAddress());
    this.clock = ctx.executor().ticker();
    this.responseDeadline =
        new Deadline(
            ctx.executor(), gateway.config().upstream().responseTimeout().toNanos(), this::responseTimedOut);
    this.shedDeadline = new Deadline(ctx.executor(), SHED_AFTER.toNanos(), unused -> shedWhatTheLastRequestLeft());
    this.idleDeadline =
        new Deadline(ctx.executor(), gateway.config().limits().idleTimeout().toNanos(), unused -> idleTimedOut());
    idleDeadline.start(0);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof HttpObject message) || phase == Phase.CLOSED) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (!(message instanceof FullHttpRequest)) {
      idleDeadline.start(exchanges); // a whole request: the wait for the client starts again once it is answered
    }
    if (phase == Phase.DECIDING && !current.requestDone && message instanceof HttpContent part
        && part.decoderResult().isFailure()) {
      // The body of the request being decided is broken: refuse now, before anything is forwarded.
      releaseWaiting();
      requestPart(part);
      return;
    }
    waiting.add(message);
    process();
  }

  /** Takes waiting messages for as long as the current state can use them, then decides whether to read more. */
  private void process() {
    while (!waiting.isEmpty() && phase != Phase.CLOSED) {
      HttpObject next = waiting.peek();
      if (phase == Phase.IDLE) {
        waiting.poll();
        if (next instanceof HttpRequest head) {
          begin(head);
        } else {
          ReferenceCountUtil.release(next);
        }
      } else if (current.requestDone || phase == Phase.DECIDING) {
        break;
      } else {
        waiting.poll();
        requestPart((HttpContent) next);
      }
    }
    if (phase == Phase.CLOSED) {
      releaseWaiting();
      return;
    }
    ctx.channel().config().setAutoRead(wantsInput());
  }

  /**
   * Whether to keep reading: yes unless a message already waits, or the request body must wait for a slow upstream. A
   * pipelined request read meanwhile waits in {@link #waiting} (and reading then stops).
   */
  private boolean wantsInput() {
    if (!waiting.isEmpty() || inputShutdown) {
      return false;
    }
    return switch (phase) {
      case IDLE, DECIDING, DISCARDING -> true;
      case FORWARDING -> current.requestDone || (current.upstream != null && current.upstream.isWritable());
      case CLOSED -> false;
    };
  }

  private void begin(HttpRequest head) {
    Exchange ex =
        new Exchange(++exchanges, head, Forwarding.requestId(head.headers()), clock.nanoTime(), gateway, client);
    current = ex;
    ex.requestDone = head instanceof LastHttpContent;
    ex.keepAlive = HttpUtil.isKeepAlive(head) && !gateway.draining() && !lastRequest();
    ex.expectsContinue = HttpUtil.is100ContinueExpected(head);
    encoder.answeringHead(head.method().equals(HttpMethod.HEAD));

    RequestChecks.Problem problem = RequestChecks.decoderProblem(head);
    if (problem == null) {
      problem = RequestChecks.headProblem(head);
    }
    if (problem != null) {
      ReferenceCountUtil.release(head);
      refuseAndClose(problem);
      return;
    }
    ConfigSnapshot rules = gateway.current(); // once per request: the route holds the rest of the exchange to it
    ex.route = rules.routes().match(head.uri());
    if (ex.route == null) {
      // No reason of SPEC §8 names "no route"; the path is what is wrong with the request, so it is `bad_http`.
      gateway.metrics().httpRejection(HttpRejection.NO_ROUTE.ordinal());
      ex.refusedBeforeVerdict(Reason.BAD_HTTP);
      answer(refusal(HttpResponseStatus.NOT_FOUND, Reason.BAD_HTTP, "no route for this path", !ex.keepAlive));
      return;
    }
    phase = Phase.DECIDING;
    CompletableFuture<Decision> verdict =
        rules
            .authenticator()
            .authenticate(
                head.headers().getAll(HttpHeaderNames.AUTHORIZATION), head.uri(), ex.route.config(), lastToken)
            .toCompletableFuture();
    if (verdict.isDone()) {
      decided(ex, verdict.getNow(null), null);
    } else {
      verdict.whenComplete((decision, error) -> ctx.executor().execute(() -> decided(ex, decision, error)));
    }
  }

  private void decided(Exchange ex, Decision decision, Throwable error) {
    if (ex != current || phase != Phase.DECIDING) {
      return;
    }
    if (error != null || decision == null) {
      // Only the exception's type: its message could quote token material.
      LOG.error("verdict failed for request {}: {}", ex.requestId, error == null ? "no decision" : error.getClass());
      ex.decided(Decision.deny(Reason.KEYS_UNAVAILABLE, "the verdict could not be reached"));
      answer(
          refusal(HttpResponseStatus.SERVICE_UNAVAILABLE, Reason.KEYS_UNAVAILABLE,
              "the verdict could not be reached: retry later", !ex.keepAlive));
      process();
      return;
    }
    ex.decided(decision);
    if (!decision.verdict().forwards()) {
      answer(Refusal.of(decision, ex.requestId, !ex.keepAlive || ex.awaitsContinue(), ctx.alloc()));
      process();
      return;
    }
    if (ex.awaitsContinue()) {
      ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
    }
    gateway
        .upstreams()
        .acquire(ex.route.config().upstream(), ctx.channel().eventLoop(), ex.route.meters())
        .addListener((Future<Channel> f) -> connected(ex, f));
  }

  private void connected(Exchange ex, Future<Channel> connection) {
    if (ex != current || phase != Phase.DECIDING) {
      if (connection.isSuccess()) {
        gateway.upstreams().release(connection.getNow());
      }
      return;
    }
    if (!connection.isSuccess()) {
      ex.upstreamOutcome(StatusClass.UNAVAILABLE, clock.nanoTime());
      answer(upstreamRefusal(connection.cause()));
      process();
      return;
    }
    Channel upstream = connection.getNow();
    ex.upstream = upstream;
    upstream.pipeline().get(UpstreamHandler.class).attach(this);
    upstream.config().setAutoRead(true);
    phase = Phase.FORWARDING;
    HttpRequest forwarded =
        Forwarding.upstreamRequest(ex.request, ex.route.upstreamAuthority(), client, gateway.clientTls(), ex.requestId);
    long now = clock.nanoTime();
    ex.upstreamStarted(now);
    // Parts of this request's body that already arrived wait in `waiting`; process() writes and flushes them next, and
    // the head goes out with that flush instead of one of its own.
    ChannelFuture written =
        ex.requestDone || waiting.isEmpty() ? upstream.writeAndFlush(forwarded) : upstream.write(forwarded);
    if (ex.requestDone) {
      whenSent(ex, written, now);
    } else {
      written.addListener(f -> writeFailed(ex, f));
    }
    process();
  }

  /** One part of the current request's body. */
  private void requestPart(HttpContent part) {
    Exchange ex = current;
    RequestChecks.Problem problem = RequestChecks.decoderProblem(part);
    boolean last = part instanceof LastHttpContent;
    if (problem != null) {
      ReferenceCountUtil.release(part);
      ex.requestDone = true;
      dropUpstream();
      if (ex.responseStarted) {
        close();
      } else {
        refuseAndClose(problem);
      }
      return;
    }
    if (last) {
      ex.requestDone = true;
    }
    if (phase != Phase.FORWARDING) {
      ReferenceCountUtil.release(part);
      if (last && ex.responseDone) {
        finish(clock.nanoTime());
      }
      return;
    }
    ex.requestBytes(part.content().readableBytes());
    ChannelFuture written = ex.upstream.writeAndFlush(part);
    if (last) {
      whenSent(ex, written, clock.nanoTime());
    } else {
      written.addListener(f -> writeFailed(ex, f));
    }
  }

  /**
   * {@code written} carries the request's last byte: once it has gone, the response timeout starts. A write that went
   * out at once did so at {@code now}; one that waits reads the clock when it goes.
   */
  private void whenSent(Exchange ex, ChannelFuture written, long now) {
    if (written.isDone()) {
      requestSent(ex, written, now);
    } else {
      written.addListener(f -> requestSent(ex, f, clock.nanoTime()));
    }
  }

  private void writeFailed(Exchange ex, Future<?> write) {
    if (!write.isSuccess() && ex == current && ex.upstream != null) {
      upstreamFailed(write.cause());
    }
  }

  /** The request's last byte reached the upstream at {@code now}: the response timeout starts then. */
  private void requestSent(Exchange ex, Future<?> write, long now) {
    if (ex != current || ex.upstream == null) {
      return;
    }
    if (!write.isSuccess()) {
      upstreamFailed(write.cause());
      return;
    }
    if (!ex.responseStarted) {
      responseDeadline.start(ex.number, now);
    }
  }

  private void responseTimedOut(long exchangeNumber) {
    Exchange ex = current;
    if (ex == null || ex.number != exchangeNumber || ex.upstream == null || ex.responseStarted) {
      return;
    }
    dropUpstream();
    ex.upstreamOutcome(StatusClass.TIMEOUT, clock.nanoTime());
    answer(
        refusal(HttpResponseStatus.GATEWAY_TIMEOUT, Reason.UPSTREAM_TIMEOUT,
            "the upstream did not answer within upstream.response-timeout", !ex.keepAlive));
    process();
  }

  @Override
  public void upstreamRead(HttpObject message) {
    if (message instanceof CompleteResponse whole) {
      completeResponse(whole);
      return;
    }
    if (message instanceof HttpResponse head) {
      responseHead(head);
    }
    if (message instanceof HttpContent part) {
      responsePart(part);
    } else {
      ReferenceCountUtil.release(message);
    }
  }

  private void responseHead(HttpResponse head) {
    Exchange ex = current;
    if (head.decoderResult().isFailure()) {
      upstreamFailed(new MalformedResponse(head.decoderResult().cause()));
      return;
    }
    if (head.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
      if (head.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
        upstreamFailed(new IllegalStateException("upstream switched protocols, which was never asked for"));
      } else {
        ex.skippingInterim = true;
      }
      return;
    }
    responseDeadline.stop();
    long now = clock.nanoTime();
    ex.upstreamOutcome(StatusClass.of(head.status().code()), now);
    ex.responseStarted = true;
    boolean bodiless =
        ex.request.method().equals(HttpMethod.HEAD)
            || head.status().code() == 204
            || head.status().code() == 304;
    Forwarding.ClientResponse response =
        Forwarding.clientResponse(
            head, ex.requestId, ex.request.protocolVersion(), bodiless, ex.keepAlive && !gateway.draining());
    ex.keepAlive = response.keepAlive();
    ex.upstreamReusable = HttpUtil.isKeepAlive(head);
    ex.heldHead = response.response();
    ex.responseHeadWritten(head.status().code(), now);
  }

  /** The same steps as {@link #responseHead} and {@link #responsePart} for a response read whole. */
  private void completeResponse(CompleteResponse whole) {
    Exchange ex = current;
    if (ex == null || ex.upstream == null) {
      whole.release();
      return;
    }
    responseDeadline.stop();
    long now = clock.nanoTime();
    ex.upstreamOutcome(StatusClass.of(whole.status()), now);
    ex.responseStarted = true;
    ex.keepAlive = ex.keepAlive && !gateway.draining();
    ex.upstreamReusable = whole.upstreamKeepAlive();
    ex.responseHeadWritten(whole.status(), now);
    ex.responseBytes(whole.bodyLength());
    ByteBuf response;
    try {
      response = whole.forClient(ctx.alloc(), ex.requestId, ex.request.protocolVersion(), ex.keepAlive);
    } finally {
      whole.release();
    }
    lastPart(ex, response);
  }

  private void responsePart(HttpContent part) {
    Exchange ex = current;
    if (ex == null || ex.upstream == null) {
      ReferenceCountUtil.release(part);
      return;
    }
    if (ex.skippingInterim) {
      ex.skippingInterim = !(part instanceof LastHttpContent);
      ReferenceCountUtil.release(part);
      return;
    }
    if (part.decoderResult().isFailure()) {
      ReferenceCountUtil.release(part);
      upstreamFailed(part.decoderResult().cause());
      return;
    }
    ex.responseBytes(part.content().readableBytes());
    if (ex.heldHead != null) {
      part = withHeldHead(ex, part);
    }
    if (!(part instanceof LastHttpContent)) {
      idleDeadline.start(ex.number);
      ctx.writeAndFlush(part);
      if (!ctx.channel().isWritable()) {
        ex.upstream.config().setAutoRead(false);
      }
      return;
    }
    lastPart(ex, part);
  }

  /** The response's last part (or all of it) to the client; the upstream connection goes back or is dropped. */
  private void lastPart(Exchange ex, Object part) {
    if (ex.upstreamReusable && ex.requestDone) {
      Channel reusable = ex.upstream;
      ex.upstream = null;
      gateway.upstreams().release(reusable);
    } else {
      dropUpstream();
    }
    if (!ex.requestDone) {
      phase = Phase.DISCARDING;
    }
    ctx.writeAndFlush(part)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                close();
              } else if (ex == current) {
                ex.responseDone = true;
                if (ex.requestDone) {
                  finish(clock.nanoTime());
                } else if (inputShutdown && !requestArrived()) {
                  truncated();
                } else {
                  process();
                }
              }
            });
  }

  /** The held head joined to its body's last part, or written ahead of a part that is not the last. */
  private HttpContent withHeldHead(Exchange ex, HttpContent part) {
    HttpResponse head = ex.heldHead;
    ex.heldHead = null;
    if (part instanceof LastHttpContent last) {
      return new DefaultFullHttpResponse(
          head.protocolVersion(), head.status(), last.content(), head.headers(), last.trailingHeaders());
    }
    ctx.write(head);
    return part;
  }

  /** What was read of the response goes out now: a head whose body has not come yet is not held longer. */
  @Override
  public void upstreamReadComplete() {
    Exchange ex = current;
    if (ex != null && ex.heldHead != null) {
      ctx.writeAndFlush(ex.heldHead);
      ex.heldHead = null;
    }
  }

  @Override
  public void upstreamWritabilityChanged() {
    if (phase == Phase.FORWARDING) {
      ctx.channel().config().setAutoRead(wantsInput());
    }
  }

  /**
   * Silence matters only in the middle of a response body the gateway is ready to read: while the request is still
   * being sent the upstream has nothing to say, and the wait for the response head is `upstream.response-timeout`.
   */
  @Override
  public void upstreamIdle() {
    Exchange ex = current;
    if (ex != null && ex.responseStarted && ex.upstream != null && ex.upstream.config().isAutoRead()) {
      upstreamFailed(new IOException("upstream silent beyond upstream.idle-timeout"));
    }
  }

  @Override
  public void upstreamFailed(Throwable cause) {
    Exchange ex = current;
    if (ex == null || ex.upstream == null) {
      return;
    }
    dropUpstream();
    if (ex.responseStarted) {
      LOG.debug("upstream failed mid-response for request {}: {}", ex.requestId, cause.toString());
      close();
      return;
    }
    ex.upstreamOutcome(StatusClass.UNAVAILABLE, clock.nanoTime());
    answer(upstreamRefusal(cause));
    process();
  }

  private FullHttpResponse upstreamRefusal(Throwable cause) {
    LOG.debug("upstream unavailable for request {}: {}", current.requestId, cause.toString());
    return refusal(
        HttpResponseStatus.BAD_GATEWAY, Reason.UPSTREAM_UNAVAILABLE, whatFailed(cause),
        !current.keepAlive || current.awaitsContinue());
  }

  private static String whatFailed(Throwable upstreamFailure) {
    if (upstreamFailure instanceof MalformedResponse) {
      return "the upstream's response is not valid HTTP";
    }
    if (upstreamFailure instanceof SSLException
        || upstreamFailure instanceof DecoderException && upstreamFailure.getCause() instanceof SSLException) {
      return "TLS with the upstream failed";
    }
    return "the upstream refused, reset or closed the connection";
  }

  /** A refusal of the current request; {@code close} ends the connection after it. */
  private FullHttpResponse refusal(HttpResponseStatus status, Reason reason, String description, boolean close) {
    return Refusal.of(status, reason, description, current.requestId, close, ctx.alloc());
  }

  /** The gateway answers the current request itself; the rest of its body is dropped. */
  private void answer(FullHttpResponse response) {
    Exchange ex = current;
    ex.responseStarted = true;
    boolean closing = !HttpUtil.isKeepAlive(response);
    ex.answerBytes(response.content().readableBytes());
    int code = response.status().code();
    ChannelFuture written = ctx.writeAndFlush(response);
    long now = clock.nanoTime();
    ex.responseHeadWritten(code, now);
    if (closing) {
      // CLOSED first: the close can deliver the connection's last events at once (the decoder's flush of a request cut
      // off), and a request waiting behind this one must not be served from inside it.
      phase = Phase.CLOSED;
      written.addListener(ChannelFutureListener.CLOSE);
      ex.accessLine(now);
      return;
    }
    ex.responseDone = true;
    phase = Phase.DISCARDING;
    if (ex.requestDone) {
      finish(now);
    }
  }

  private void refuseAndClose(RequestChecks.Problem problem) {
    gateway.metrics().httpRejection(problem.kind().ordinal());
    current.refusedBeforeVerdict(problem.reason());
    current.keepAlive = false;
    answer(refusal(problem.status(), problem.reason(), problem.description(), true));
  }

  /** Both directions are complete (the last at {@code now}): the next request may begin. */
  private void finish(long now) {
    Exchange ex = current;
    responseDeadline.stop();
    ex.accessLine(now);
    current = null;
    if (headTimedOut) {
      phase = Phase.IDLE;
      headTimeout();
      return;
    }
    if (!ex.keepAlive || gateway.draining() || lastRequest()) {
      close();
      return;
    }
    phase = Phase.IDLE;
    shedDeadline.start(ex.number, now);
    idleDeadline.start(ex.number, now);
    process();
  }

  /** See {@link #SHED_AFTER}. */
  private void shedWhatTheLastRequestLeft() {
    if (!betweenExchanges()) {
      return;
    }
    lastToken.forget();
    RequestHeadDecoder decoder = ctx.pipeline().get(RequestHeadDecoder.class);
    if (decoder != null) {
      decoder.renewIfBetweenRequests(ctx.pipeline());
    }
  }

  private void idleTimedOut() {
    boolean waitingForClient =
        betweenExchanges()
            || ((phase == Phase.FORWARDING || phase == Phase.DISCARDING)
                && !current.requestDone && ctx.channel().config().isAutoRead());
    if (waitingForClient) {
      close();
    } else if (phase != Phase.CLOSED) {
      idleDeadline.start(exchanges);
    }
  }

  /** No exchange under way and no request waiting. */
  private boolean betweenExchanges() {
    return phase == Phase.IDLE && waiting.isEmpty();
  }

  /** Whether no request can follow the current one: the client half-closed and no further request head waits. */
  private boolean lastRequest() {
    if (!inputShutdown) {
      return false;
    }
    for (HttpObject message : waiting) {
      if (message instanceof HttpRequest) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether the current request's last part has arrived: taken already, or waiting behind the verdict (the native
   * transport reports a FIN while the request it ended still waits there).
   */
  private boolean requestArrived() {
    if (current.requestDone) {
      return true;
    }
    for (HttpObject message : waiting) {
      if (message instanceof HttpRequest) {
        return false; // the next request (a request without a body is its own last part)
      }
      if (message instanceof LastHttpContent) {
        return true;
      }
    }
    return false;
  }

  /**
   * The client stopped sending in the middle of its request body: the request can never be complete, so nothing more of
   * it goes upstream (that connection closes), and the connection ends once what was already written has gone out.
   */
  private void truncated() {
    LOG.debug("client ended its input in the middle of request {}", current.requestId);
    phase = Phase.CLOSED;
    dropUpstream();
    releaseWaiting();
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> close());
  }

  private void headTimeout() {
    current = new Exchange(++exchanges, null, Forwarding.newRequestId(), clock.nanoTime(), gateway, client);
    gateway.metrics().httpRejection(HttpRejection.HEADER_TIMEOUT.ordinal());
    current.refusedBeforeVerdict(Reason.REQUEST_TIMEOUT);
    answer(
        refusal(HttpResponseStatus.REQUEST_TIMEOUT, Reason.REQUEST_TIMEOUT,
            "request headers not complete within limits.header-timeout", true));
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event == RequestHeadDecoder.HeadTimeout.INSTANCE) {
      if (phase == Phase.IDLE) {
        headTimeout();
      } else {
        headTimedOut = true;
      }
    } else if (event instanceof ChannelInputShutdownEvent) {
      // Requests received before the FIN are still answered (the native transport reports the FIN even while
      // reading is paused); the connection closes after the last of them.
      inputShutdown = true;
      if (betweenExchanges()) {
        close();
      } else if (current != null && current.request != null && !requestArrived()
          && !(current.responseStarted && !current.responseDone)) {
        truncated();
      }
    } else if (event == GatewayContext.Drain.INSTANCE) {
      if (betweenExchanges()) {
        close();
      } else if (current != null) {
        current.keepAlive = false;
      }
    } else if (event instanceof SslHandshakeCompletionEvent handshake && !handshake.isSuccess()) {
      close();
    } else {
      ctx.fireUserEventTriggered(event);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    Exchange ex = current;
    if (ex != null && ex.upstream != null && ex.responseStarted) {
      ex.upstream.config().setAutoRead(ctx.channel().isWritable());
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    endCurrent();
    responseDeadline.cancel();
    shedDeadline.cancel();
    idleDeadline.cancel();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!MemoryExhaustionLog.closedForWantOfMemory("client", cause)) {
      LOG.debug("client connection failed: {}", cause.toString());
    }
    close();
  }

  private void close() {
    endCurrent();
    ctx.close();
  }

  /** The connection is ending: the exchange under way gets its access line, and nothing of it goes further. */
  private void endCurrent() {
    if (current != null) {
      current.accessLine(clock.nanoTime());
    }
    phase = Phase.CLOSED;
    dropUpstream();
    releaseWaiting();
  }

  /** Detaches the upstream connection of the current exchange and closes it: it is never reused. */
  private void dropUpstream() {
    responseDeadline.stop();
    Exchange ex = current;
    if (ex == null) {
      return;
    }
    ex.heldHead = null;
    if (ex.upstream != null) {
      Channel broken = ex.upstream;
      ex.upstream = null;
      gateway.upstreams().discard(broken);
    }
  }

  private void releaseWaiting() {
    HttpObject message;
    while ((message = waiting.poll()) != null) {
      ReferenceCountUtil.release(message);
    }
  }

  private static String clientAddress(SocketAddress address) {
    return address instanceof InetSocketAddress inet ? inet.getAddress().getHostAddress() : String.valueOf(address);
  }
}
