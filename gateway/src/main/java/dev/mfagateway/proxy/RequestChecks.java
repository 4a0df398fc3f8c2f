package dev.mfagateway.proxy;

import dev.mfagateway.auth.Reason;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What Netty lets through and the gateway refuses (SECURITY-NOTES §3.2): decoder failures, versions other than 1.0 and
 * 1.1, lower-case methods, `CONNECT`, targets not in origin form, missing or duplicate `Host`, any transfer coding but
 * exactly `chunked`, and a `Connection` header nominating a header the gateway relies on. Every problem here ends the
 * connection after the response: once a request is refused for its shape, the framing of what follows is in doubt.
 */
final class RequestChecks {
  private static final Set<String> NOT_NOMINABLE = Set.of("authorization", "host", "content-length");

  /** A request refused for its HTTP shape; {@code kind} is its metric label. */
  record Problem(HttpResponseStatus status, Reason reason, HttpRejection kind, String description) {}

  private RequestChecks() {}

  /** The problem of a message the decoder flagged, or null when it decoded cleanly. */
  static Problem decoderProblem(HttpObject message) {
    DecoderResult result = message.decoderResult();
    if (!result.isFailure()) {
      return null;
    }
    Throwable cause = result.cause();
    if (cause instanceof TooLongHttpLineException) {
      return new Problem(
          HttpResponseStatus.REQUEST_URI_TOO_LONG, Reason.URI_TOO_LONG, HttpRejection.URI_TOO_LONG,
          "request line too long");
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return new Problem(
          HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, Reason.HEADERS_TOO_LARGE, HttpRejection.HEADERS_TOO_LARGE,
          "request headers too large");
    }
    if (cause instanceof RequestHeadDecoder.ScanRefusal refusal) {
      return refusal.finding == HeadScan.Finding.OBS_FOLD
          ? badRequest(HttpRejection.OBS_FOLD, "header line folding (obs-fold) is not accepted")
          : badRequest(HttpRejection.MALFORMED, "a header line holds a control character");
    }
    if (cause instanceof TooLongFrameException) {
      return badRequest(HttpRejection.TOO_LARGE, "request too large: " + cause.getClass().getSimpleName());
    }
    return badRequest(HttpRejection.MALFORMED, "malformed HTTP request (" + cause.getClass().getSimpleName() + ")");
  }

  /** The problem of a cleanly decoded request head, or null when it may proceed. */
  static Problem headProblem(HttpRequest request) {
    HttpVersion version = request.protocolVersion();
    if (version.majorVersion() != 1 || version.minorVersion() > 1) {
      return new Problem(
          HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, Reason.BAD_HTTP, HttpRejection.HTTP_VERSION,
          "only HTTP/1.0 and HTTP/1.1 are served");
    }
    String method = request.method().name();
    if (!method.equals(method.toUpperCase(Locale.ROOT))) {
      return new Problem(
          HttpResponseStatus.METHOD_NOT_ALLOWED, Reason.BAD_HTTP, HttpRejection.LOWER_CASE_METHOD,
          "method names are case-sensitive: use upper case");
    }
    if (request.method().equals(HttpMethod.CONNECT)) {
      return badRequest(HttpRejection.CONNECT, "CONNECT is not served: this is a reverse proxy");
    }
    Problem target = targetProblem(request.uri());
    if (target != null) {
      return target;
    }
    HttpHeaders headers = request.headers();
    List<String> hosts = headers.getAll(HttpHeaderNames.HOST);
    if (hosts.size() > 1) {
      return badRequest(HttpRejection.DUPLICATE_HOST, "several Host headers");
    }
    if (hosts.isEmpty() ? version.equals(HttpVersion.HTTP_1_1) : hosts.get(0).isBlank()) {
      return badRequest(HttpRejection.MISSING_HOST, "missing Host header");
    }
    List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
    if (!codings.isEmpty()) {
      if (codings.size() != 1 || !codings.get(0).trim().equalsIgnoreCase("chunked")) {
        return badRequest(HttpRejection.TRANSFER_ENCODING, "Transfer-Encoding must be exactly 'chunked'");
      }
      if (headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
        return badRequest(HttpRejection.TRANSFER_ENCODING_WITH_LENGTH, "both Transfer-Encoding and Content-Length");
      }
    }
    for (String name : Forwarding.nominated(headers)) {
      if (NOT_NOMINABLE.contains(name)) {
        return badRequest(HttpRejection.CONNECTION_NOMINATES, "the Connection header may not name " + name);
      }
    }
    return null;
  }

  /** Origin form only (RFC 9112 §3.2.1), visible ASCII, no fragment. */
  private static Problem targetProblem(String target) {
    if (target.equals("*")) {
      return badRequest(HttpRejection.ASTERISK_FORM, "asterisk-form request target (OPTIONS *) is not served");
    }
    if (!target.startsWith("/")) {
      return badRequest(
          HttpRejection.ABSOLUTE_FORM, "request target must be a path (origin form), not an absolute URL or authority");
    }
    for (int i = 0; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        return badRequest(
            HttpRejection.TARGET_CHARACTER, "request target holds a character that must be percent-encoded");
      }
      if (c == '#') {
        return badRequest(HttpRejection.FRAGMENT, "request target holds a fragment (#)");
      }
    }
    return null;
  }

  private static Problem badRequest(HttpRejection kind, String description) {
    return new Problem(HttpResponseStatus.BAD_REQUEST, Reason.BAD_HTTP, kind, description);
  }
}
