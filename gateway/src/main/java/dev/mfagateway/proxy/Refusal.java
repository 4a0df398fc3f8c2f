package dev.mfagateway.proxy;

import dev.mfagateway.auth.Decision;
import dev.mfagateway.auth.Reason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * A response the gateway makes itself (SPEC §4, §8): status, `WWW-Authenticate` for token refusals, `Retry-After` on
 * `keys_unavailable`, `X-Request-Id`, and the JSON body `{"error","error_description","reason","request_id"}` whose
 * `error` is the challenge's error code, or the reason where there is none.
 */
final class Refusal {
  static final String REALM = "mfa-gateway";
  static final AsciiString REQUEST_ID = AsciiString.cached("x-request-id");
  /** Seconds a client should wait before retrying while signing keys are unavailable. */
  static final int KEYS_RETRY_AFTER_SECONDS = 5;

  private Refusal() {}

  static FullHttpResponse of(Decision decision, String requestId, boolean close, ByteBufAllocator alloc) {
    Reason reason = decision.reason();
    return of(HttpResponseStatus.valueOf(reason.status()), reason, decision.description(), requestId, close, alloc);
  }

  static FullHttpResponse of(
      HttpResponseStatus status,
      Reason reason,
      String description,
      String requestId,
      boolean close,
      ByteBufAllocator alloc) {
    String error = reason.challengeError() != null ? reason.challengeError() : reason.wireName();
    String body =
        "{\"error\":" + Json.quote(error)
            + ",\"error_description\":" + Json.quote(description)
            + ",\"reason\":" + Json.quote(reason.wireName())
            + ",\"request_id\":" + Json.quote(requestId) + "}";
    ByteBuf content = alloc.buffer(body.length());
    content.writeCharSequence(body, StandardCharsets.UTF_8);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
    HttpHeaders headers = response.headers();
    headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    headers.set(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
    headers.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
    headers.set(REQUEST_ID, requestId);
    if (reason.challenges()) {
      headers.set(HttpHeaderNames.WWW_AUTHENTICATE, challenge(reason, description));
    }
    if (reason == Reason.KEYS_UNAVAILABLE) {
      headers.set(HttpHeaderNames.RETRY_AFTER, KEYS_RETRY_AFTER_SECONDS);
    }
    if (status.equals(HttpResponseStatus.METHOD_NOT_ALLOWED)) {
      headers.set(HttpHeaderNames.ALLOW, "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
    }
    if (close) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    return response;
  }

  /**
   * RFC 6750 §3: no `error` when the request had no credentials; `invalid_request` alone for a malformed request;
   * otherwise the error code with a description.
   */
  static String challenge(Reason reason, String description) {
    String error = reason.challengeError();
    if (error == null) {
      return "Bearer realm=\"" + REALM + "\"";
    }
    String challenge = "Bearer realm=\"" + REALM + "\", error=\"" + error + "\"";
    if (reason == Reason.MALFORMED_REQUEST || description.isEmpty()) {
      return challenge;
    }
    return challenge + ", error_description=\"" + quotedStringContent(description) + "\"";
  }

  /** RFC 9110 quoted-string content: visible ASCII and spaces, `"` and `\` escaped, anything else dropped. */
  private static String quotedStringContent(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c >= 0x20 && c < 0x7f) {
        out.append(c);
      }
    }
    return out.toString();
  }
}
