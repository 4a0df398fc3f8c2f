package dev.mfagateway.proxy;

import dev.mfagateway.auth.Decision;
import dev.mfagateway.auth.Reason;
import dev.mfagateway.auth.TokenIdentity;
import dev.mfagateway.auth.Verdict;
import dev.mfagateway.telemetry.StatusClass;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;

/**
 * One request on a client connection and its answer: how far each direction has got, the upstream connection serving
 * it, and what it records for the route's meters, the compliance report and the audit log. {@link FrontendHandler}
 * keeps what belongs to the connection; a callback that carries an exchange acts only while that exchange is still the
 * connection's current one. Times are {@link System#nanoTime()} values that the caller read for the event.
 */
final class Exchange {
  /** The connection's count of exchanges when this one began: the token of the timeouts that run per exchange. */
  final long number;
  /** Null for the refusal of a request head that never came complete. */
  final HttpRequest request;
  final String requestId;
  private final long started;
  private final GatewayContext gateway;
  private final String client;

  Routes.Route route;
  boolean keepAlive;
  boolean expectsContinue;
  boolean requestDone;
  boolean responseStarted;
  boolean responseDone;
  boolean upstreamReusable;
  /** An interim (1xx) response is being read: its parts are dropped. */
  boolean skippingInterim;
  /** The response head, held until the first part of its body: a response read whole goes out in one write. */
  HttpResponse heldHead;
  Channel upstream;

  /** Until a request goes upstream, a failure to reach it is timed from the request's arrival. */
  private long upstreamStarted;
  private long upstreamNanos = -1;
  private int status;
  private Decision decision;
  /** Why the gateway refused the request before any verdict (its HTTP shape, no route, a header timeout). */
  private Reason shapeRefusal;
  private long bytesIn;
  private long bytesOut;
  private boolean logged;

  Exchange(long number, HttpRequest request, String requestId, long started, GatewayContext gateway, String client) {
    this.number = number;
    this.request = request;
    this.requestId = requestId;
    this.started = started;
    this.upstreamStarted = started;
    this.gateway = gateway;
    this.client = client;
  }

  /** Whether the client waits for `100 Continue` before it sends the body. */
  boolean awaitsContinue() {
    return !requestDone && expectsContinue;
  }

  void refusedBeforeVerdict(Reason reason) {
    shapeRefusal = reason;
  }

  /**
   * Counts the verdict on the route and in the compliance report; a refusal (or a report-only `would_deny`) also gets
   * its audit line.
   */
  void decided(Decision verdict) {
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

  /** The request went upstream at {@code now}. */
  void upstreamStarted(long now) {
    upstreamStarted = now;
  }

  /** The upstream answered (or failed, or timed out) at {@code now}. */
  void upstreamOutcome(StatusClass statusClass, long now) {
    upstreamNanos = now - upstreamStarted;
    route.meters().upstream(statusClass, upstreamNanos);
  }

  void requestBytes(int bytes) {
    bytesIn += bytes;
    route.meters().requestBytes(bytes);
  }

  void responseBytes(int bytes) {
    bytesOut += bytes;
    route.meters().responseBytes(bytes);
  }

  /** A body part of the gateway's own answer: not the upstream's, so not on the route's response-bytes meter. */
  void answerBytes(int bytes) {
    bytesOut += bytes;
  }

  /**
   * The response head went to the client at {@code now}: the gateway's total time, and for forwarded requests what it
   * added.
   */
  void responseHeadWritten(int code, long now) {
    status = code;
    if (route == null) {
      return;
    }
    long total = now - started;
    route.meters().request(total);
    if (upstreamNanos >= 0) {
      route.meters().addedLatency(Math.max(0, total - upstreamNanos));
    }
  }

  /** The access line, once, as `gateway.logging.access-log` asks; {@code now} ends the exchange's duration. */
  void accessLine(long now) {
    if (logged) {
      return;
    }
    logged = true;
    Decision verdict = decision;
    String decided = verdict != null ? verdict.verdict().label() : shapeRefusal != null ? Verdict.DENY.label() : null;
    Reason reason = verdict != null ? verdict.reason() : shapeRefusal;
    HttpRequest line =
        request == null || request.decoderResult().cause() instanceof RequestHeadDecoder.ScanRefusal ? null : request;
    gateway.audit().access(requestId, line == null ? null : line.method().name(),
        line == null ? null : line.uri(), status, now - started, bytesIn, bytesOut,
        route == null ? null : route.config().name(), decided, reason == null ? null : reason.wireName(), client);
  }
}
