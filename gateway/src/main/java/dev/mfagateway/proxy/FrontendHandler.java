package dev.mfagateway.proxy;

import dev.mfagateway.auth.Authenticator;
import dev.mfagateway.auth.Decision;
import dev.mfagateway.auth.LastVerifiedToken;
import dev.mfagateway.auth.Reason;
import dev.mfagateway.auth.TokenIdentity;
import dev.mfagateway.auth.Verdict;
import dev.mfagateway.telemetry.StatusClass;
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
 * stream the response back. Requests are served one at a time, in order: messages that arrive while an exchange is
 * under way wait in {@link #waiting}, and reading stops only once something waits there (so a client that sends one
 * request at a time never has its reading switched off and on, which costs two `epoll_ctl` calls a request). Bodies
 * stream with backpressure: a side that cannot write stops the other side from reading. A client that half-closes
 * (sends FIN after its request) still gets its answer; the connection closes after it. One that ends its input in the
 * middle of a request body is closed at once: that request can never be complete, so none of it goes further.
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

  // The current exchange.
  private long exchange;
  private HttpRequest request;
  private Routes.Route route;
  private String requestId;
  private boolean keepAlive;
  private boolean expectsContinue;
  private boolean requestDone;
  private boolean responseStarted;
  private boolean responseDone;
  private boolean upstreamReusable;
  private boolean skippingInterim;
  /** The response head, held until the first part of its body: a response read whole goes out in one write. */
  private HttpResponse heldHead;
  private Channel upstream;
  private Deadline responseDeadline;
  /** Runs from the end of each exchange: see {@link #SHED_AFTER}. */
  private Deadline shedDeadline;
  /**
   * `limits.idle-timeout`: runs from the last read from the client, the end of an exchange, or a part of a streamed
   * response; the connection closes when it expires while the gateway waits for the client.
   */
  private Deadline idleDeadline;
  // What the current exchange records: times from System.nanoTime(), the outcome, body bytes.
  private long headReceived;
  private long upstreamStarted;
  private long upstreamNanos;
  private int status;
  private Decision decision;
  /** Why the gateway refused the request before any verdict (its HTTP shape, no route, a header timeout). */
  private Reason shapeRefusal;
  private long bytesIn;
  private long bytesOut;
  private boolean accessLogged;

  FrontendHandler(GatewayContext gateway, ResponseEncoder encoder) {
    this.gateway = gateway;
    this.encoder = encoder;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.client = clientAddress(ctx.channel().remoteAddress());
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
      idleDeadline.start(exchange); // a whole request: the wait for the client starts again once it is answered
    }
    if (phase == Phase.DECIDING && !requestDone && message instanceof HttpContent part
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
      } else if (requestDone || phase == Phase.DECIDING) {
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
      case FORWARDING -> requestDone || (upstream != null && upstream.isWritable());
      case CLOSED -> false;
    };
  }

  private void begin(HttpRequest head) {
    exchange++;
    request = head;
    startRecord();
    requestId = Forwarding.requestId(head.headers());
    requestDone = head instanceof LastHttpContent;
    responseStarted = false;
    responseDone = false;
    upstreamReusable = false;
    skippingInterim = false;
    keepAlive = HttpUtil.isKeepAlive(head) && !gateway.draining() && !lastRequest();
    expectsContinue = HttpUtil.is100ContinueExpected(head);
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
    route = rules.routes().match(head.uri());
    if (route == null) {
      // No reason of SPEC §8 names "no route"; the path is what is wrong with the request, so it is `bad_http`.
      gateway.metrics().httpRejection(HttpRejection.NO_ROUTE.ordinal());
      shapeRefusal = Reason.BAD_HTTP;
      answer(refusal(HttpResponseStatus.NOT_FOUND, Reason.BAD_HTTP, "no route for this path", !keepAlive));
      return;
    }
    phase = Phase.DECIDING;
    long current = exchange;
    CompletableFuture<Decision> verdict =
        rules
            .authenticator()
            .authenticate(
                head.headers().getAll(HttpHeaderNames.AUTHORIZATION), head.uri(), route.config(), lastToken)
            .toCompletableFuture();
    if (verdict.isDone()) {
      decided(current, verdict.getNow(null), null);
    } else {
      verdict.whenComplete((decision, error) -> ctx.executor().execute(() -> decided(current, decision, error)));
    }
  }

  private void decided(long forExchange, Decision decision, Throwable error) {
    if (forExchange != exchange || phase != Phase.DECIDING) {
      return;
    }
    if (error != null || decision == null) {
      // Only the exception's type: its message could quote token material.
      LOG.error("verdict failed for request {}: {}", requestId, error == null ? "no decision" : error.getClass());
      recordDecision(Decision.deny(Reason.KEYS_UNAVAILABLE, "the verdict could not be reached"));
      answer(
          refusal(HttpResponseStatus.SERVICE_UNAVAILABLE, Reason.KEYS_UNAVAILABLE,
              "the verdict could not be reached: retry later", !keepAlive));
      process();
      return;
    }
    recordDecision(decision);
    if (!decision.verdict().forwards()) {
      answer(Refusal.of(decision, requestId, !keepAlive || awaitsContinue(), ctx.alloc()));
      process();
      return;
    }
    if (awaitsContinue()) {
      ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
    }
    long current = exchange;
    gateway
        .upstreams()
        .acquire(route.config().upstream(), ctx.channel().eventLoop(), route.meters())
        .addListener((Future<Channel> f) -> connected(current, f));
  }

  private boolean awaitsContinue() {
    return !requestDone && expectsContinue;
  }

  private void connected(long forExchange, Future<Channel> connection) {
    if (forExchange != exchange || phase != Phase.DECIDING) {
      if (connection.isSuccess()) {
        gateway.upstreams().release(connection.getNow());
      }
      return;
    }
    if (!connection.isSuccess()) {
      upstreamStarted = headReceived; // no request went out: the failure is timed from the request's arrival
      upstreamOutcome(StatusClass.UNAVAILABLE);
      answer(upstreamRefusal(connection.cause()));
      process();
      return;
    }
    upstream = connection.getNow();
    upstream.pipeline().get(UpstreamHandler.class).attach(this);
    upstream.config().setAutoRead(true);
    phase = Phase.FORWARDING;
    HttpRequest forwarded =
        Forwarding.upstreamRequest(request, route.upstreamAuthority(), client, gateway.clientTls(), requestId);
    upstreamStarted = System.nanoTime();
    // Parts of this request's body that already arrived wait in `waiting`; process() writes and flushes them next, and
    // the head goes out with that flush instead of one of its own.
    ChannelFuture written =
        requestDone || waiting.isEmpty() ? upstream.writeAndFlush(forwarded) : upstream.write(forwarded);
    if (requestDone) {
      written.addListener(f -> requestSent(forExchange, f));
    } else {
      written.addListener(f -> writeFailed(forExchange, f));
    }
    process();
  }

  /** One part of the current request's body. */
  private void requestPart(HttpContent part) {
    RequestChecks.Problem problem = RequestChecks.decoderProblem(part);
    boolean last = part instanceof LastHttpContent;
    if (problem != null) {
      ReferenceCountUtil.release(part);
      requestDone = true;
      dropUpstream();
      if (responseStarted) {
        close();
      } else {
        refuseAndClose(problem);
      }
      return;
    }
    if (last) {
      requestDone = true;
    }
    if (phase != Phase.FORWARDING) {
      ReferenceCountUtil.release(part);
      if (last && responseDone) {
        finish();
      }
      return;
    }
    long current = exchange;
    int bytes = part.content().readableBytes();
    bytesIn += bytes;
    route.meters().requestBytes(bytes);
    ChannelFuture written = upstream.writeAndFlush(part);
    written.addListener(last ? f -> requestSent(current, f) : f -> writeFailed(current, f));
  }

  private void writeFailed(long forExchange, Future<?> write) {
    if (!write.isSuccess() && forExchange == exchange && upstream != null) {
      upstreamFailed(write.cause());
    }
  }

  /** The request's last byte reached the upstream: the response timeout starts now. */
  private void requestSent(long forExchange, Future<?> write) {
    if (forExchange != exchange || upstream == null) {
      return;
    }
    if (!write.isSuccess()) {
      upstreamFailed(write.cause());
      return;
    }
    if (!responseStarted) {
      responseDeadline.start(forExchange);
    }
  }

  private void responseTimedOut(long forExchange) {
    if (forExchange != exchange || upstream == null || responseStarted) {
      return;
    }
    dropUpstream();
    upstreamOutcome(StatusClass.TIMEOUT);
    answer(
        refusal(HttpResponseStatus.GATEWAY_TIMEOUT, Reason.UPSTREAM_TIMEOUT,
            "the upstream did not answer within upstream.response-timeout", !keepAlive));
    process();
  }

  @Override
  public void upstreamRead(HttpObject message) {
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
    if (head.decoderResult().isFailure()) {
      upstreamFailed(head.decoderResult().cause());
      return;
    }
    if (head.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
      if (head.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
        upstreamFailed(new IllegalStateException("upstream switched protocols, which was never asked for"));
      } else {
        skippingInterim = true;
      }
      return;
    }
    responseDeadline.stop();
    long headArrived = upstreamOutcome(StatusClass.of(head.status().code()));
    responseStarted = true;
    boolean bodiless =
        request.method().equals(HttpMethod.HEAD)
            || head.status().code() == 204
            || head.status().code() == 304;
    Forwarding.ClientResponse response =
        Forwarding.clientResponse(
            head, requestId, request.protocolVersion(), bodiless, keepAlive && !gateway.draining());
    keepAlive = response.keepAlive();
    upstreamReusable = HttpUtil.isKeepAlive(head);
    heldHead = response.response();
    responseHeadWritten(head.status().code(), headArrived);
  }

  private void responsePart(HttpContent part) {
    if (upstream == null) {
      ReferenceCountUtil.release(part);
      return;
    }
    if (skippingInterim) {
      skippingInterim = !(part instanceof LastHttpContent);
      ReferenceCountUtil.release(part);
      return;
    }
    if (part.decoderResult().isFailure()) {
      ReferenceCountUtil.release(part);
      upstreamFailed(part.decoderResult().cause());
      return;
    }
    int bytes = part.content().readableBytes();
    bytesOut += bytes;
    route.meters().responseBytes(bytes);
    if (heldHead != null) {
      part = withHeldHead(part);
    }
    if (!(part instanceof LastHttpContent)) {
      idleDeadline.start(exchange);
      ctx.writeAndFlush(part);
      if (!ctx.channel().isWritable()) {
        upstream.config().setAutoRead(false);
      }
      return;
    }
    if (upstreamReusable && requestDone) {
      Channel reusable = upstream;
      upstream = null;
      gateway.upstreams().release(reusable);
    } else {
      dropUpstream();
    }
    if (!requestDone) {
      phase = Phase.DISCARDING;
    }
    long current = exchange;
    ctx.writeAndFlush(part)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                close();
              } else if (current == exchange) {
                responseDone = true;
                if (requestDone) {
                  finish();
                } else if (inputShutdown && !requestArrived()) {
                  truncated();
                } else {
                  process();
                }
              }
            });
  }

  /** The held head joined to its body's last part, or written ahead of a part that is not the last. */
  private HttpContent withHeldHead(HttpContent part) {
    HttpResponse head = heldHead;
    heldHead = null;
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
    if (heldHead != null) {
      ctx.writeAndFlush(heldHead);
      heldHead = null;
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
    if (responseStarted && upstream != null && upstream.config().isAutoRead()) {
      upstreamFailed(new IOException("upstream silent beyond upstream.idle-timeout"));
    }
  }

  @Override
  public void upstreamFailed(Throwable cause) {
    if (upstream == null) {
      return;
    }
    dropUpstream();
    if (responseStarted) {
      LOG.debug("upstream failed mid-response for request {}: {}", requestId, cause.toString());
      close();
      return;
    }
    upstreamOutcome(StatusClass.UNAVAILABLE);
    answer(upstreamRefusal(cause));
    process();
  }

  private FullHttpResponse upstreamRefusal(Throwable cause) {
    String description =
        cause instanceof SSLException || cause instanceof DecoderException
                && cause.getCause() instanceof SSLException
            ? "TLS with the upstream failed"
            : "the upstream refused, reset or closed the connection";
    LOG.debug("upstream unavailable for request {}: {}", requestId, cause.toString());
    return refusal(
        HttpResponseStatus.BAD_GATEWAY, Reason.UPSTREAM_UNAVAILABLE, description, !keepAlive || awaitsContinue());
  }

  /** The gateway answers the current request itself; the rest of its body is dropped. */
  /** A refusal of this request; {@code close} ends the connection after it. */
  private FullHttpResponse refusal(HttpResponseStatus status, Reason reason, String description, boolean close) {
    return Refusal.of(status, reason, description, requestId, close, ctx.alloc());
  }

  private void answer(FullHttpResponse response) {
    responseStarted = true;
    boolean closing = !HttpUtil.isKeepAlive(response);
    bytesOut += response.content().readableBytes();
    int code = response.status().code();
    ChannelFuture written = ctx.writeAndFlush(response);
    responseHeadWritten(code, System.nanoTime());
    if (closing) {
      // CLOSED first: the close can deliver the connection's last events at once (the decoder's flush of a request cut
      // off), and a request waiting behind this one must not be served from inside it.
      phase = Phase.CLOSED;
      written.addListener(ChannelFutureListener.CLOSE);
      accessLine();
      return;
    }
    responseDone = true;
    phase = Phase.DISCARDING;
    if (requestDone) {
      finish();
    }
  }

  private void refuseAndClose(RequestChecks.Problem problem) {
    gateway.metrics().httpRejection(problem.kind().ordinal());
    shapeRefusal = problem.reason();
    keepAlive = false;
    answer(refusal(problem.status(), problem.reason(), problem.description(), true));
  }

  /** Both directions are complete: the next request may begin. */
  private void finish() {
    responseDeadline.stop();
    accessLine();
    request = null;
    route = null;
    if (headTimedOut) {
      phase = Phase.IDLE;
      headTimeout();
      return;
    }
    if (!keepAlive || gateway.draining() || lastRequest()) {
      close();
      return;
    }
    phase = Phase.IDLE;
    shedDeadline.start(exchange);
    idleDeadline.start(exchange);
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
                && !requestDone && ctx.channel().config().isAutoRead());
    if (waitingForClient) {
      close();
    } else if (phase != Phase.CLOSED) {
      idleDeadline.start(exchange);
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
    if (requestDone) {
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
    LOG.debug("client ended its input in the middle of request {}", requestId);
    phase = Phase.CLOSED;
    dropUpstream();
    releaseWaiting();
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> close());
  }

  private void headTimeout() {
    startRecord();
    requestId = Forwarding.newRequestId();
    gateway.metrics().httpRejection(HttpRejection.HEADER_TIMEOUT.ordinal());
    shapeRefusal = Reason.REQUEST_TIMEOUT;
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
      } else if (request != null && !requestArrived() && !(responseStarted && !responseDone)) {
        truncated();
      }
    } else if (event == GatewayContext.Drain.INSTANCE) {
      if (betweenExchanges()) {
        close();
      } else {
        keepAlive = false;
      }
    } else if (event instanceof SslHandshakeCompletionEvent handshake && !handshake.isSuccess()) {
      close();
    } else {
      ctx.fireUserEventTriggered(event);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (upstream != null && responseStarted) {
      upstream.config().setAutoRead(ctx.channel().isWritable());
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (request != null) {
      accessLine();
    }
    phase = Phase.CLOSED;
    dropUpstream();
    releaseWaiting();
    responseDeadline.cancel();
    shedDeadline.cancel();
    idleDeadline.cancel();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("client connection failed: {}", cause.toString());
    close();
  }

  private void close() {
    if (request != null) {
      accessLine();
    }
    phase = Phase.CLOSED;
    dropUpstream();
    releaseWaiting();
    ctx.close();
  }

  /** Detaches the upstream connection of the current exchange and closes it: it is never reused. */
  private void dropUpstream() {
    responseDeadline.stop();
    heldHead = null;
    if (upstream != null) {
      Channel broken = upstream;
      upstream = null;
      gateway.upstreams().discard(broken);
    }
  }

  private void releaseWaiting() {
    HttpObject message;
    while ((message = waiting.poll()) != null) {
      ReferenceCountUtil.release(message);
    }
  }

  private void startRecord() {
    headReceived = System.nanoTime();
    upstreamNanos = -1;
    status = 0;
    decision = null;
    shapeRefusal = null;
    bytesIn = 0;
    bytesOut = 0;
    accessLogged = false;
  }

  /**
   * Counts the verdict on the route and in the compliance report; a refusal (or a report-only `would_deny`) also gets
   * its audit line.
   */
  private void recordDecision(Decision verdict) {
    decision = verdict;
    route.meters().decision(verdict.verdict().ordinal(), verdict.reason().ordinal());
    gateway.compliance().record(verdict);
    if (verdict.verdict() != Verdict.ALLOW) {
      TokenIdentity who = verdict.identity();
      gateway.audit().refusal(requestId, route.config().name(), verdict.verdict().label(),
          verdict.reason().wireName(), who.tenantId(), who.appId(), who.objectId(), client,
          request.headers().get(HttpHeaderNames.USER_AGENT));
    }
  }

  /** The upstream answered (or failed, or timed out) for the current exchange; returns the time it did. */
  private long upstreamOutcome(StatusClass statusClass) {
    long now = System.nanoTime();
    upstreamNanos = now - upstreamStarted;
    route.meters().upstream(statusClass, upstreamNanos);
    return now;
  }

  /**
   * The response head went to the client at {@code now}: the gateway's total time, and for forwarded requests what it
   * added.
   */
  private void responseHeadWritten(int code, long now) {
    status = code;
    if (route == null) {
      return;
    }
    long total = now - headReceived;
    route.meters().request(total);
    if (upstreamNanos >= 0) {
      route.meters().addedLatency(Math.max(0, total - upstreamNanos));
    }
  }

  /** The access line of the current exchange, once, as `gateway.logging.access-log` asks. */
  private void accessLine() {
    if (accessLogged) {
      return;
    }
    accessLogged = true;
    Decision verdict = decision;
    String decided = verdict != null ? verdict.verdict().label() : shapeRefusal != null ? Verdict.DENY.label() : null;
    Reason reason = verdict != null ? verdict.reason() : shapeRefusal;
    gateway.audit().access(requestId, request == null ? null : request.method().name(),
        request == null ? null : request.uri(), status, System.nanoTime() - headReceived, bytesIn, bytesOut,
        route == null ? null : route.config().name(), decided, reason == null ? null : reason.wireName(), client);
  }

  private static String clientAddress(SocketAddress address) {
    return address instanceof InetSocketAddress inet ? inet.getAddress().getHostAddress() : String.valueOf(address);
  }
}
