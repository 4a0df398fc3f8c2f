package dev.mfagateway.proxy;

import io.netty.handler.codec.DefaultHeaders.NameValidator;
import io.netty.handler.codec.DefaultHeaders.ValueValidator;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Header hygiene between client and upstream (SPEC §5, §8): hop-by-hop and `Connection`-nominated headers are removed
 * first, then the proxy headers are added. The request target is copied as the client sent it, never decoded.
 */
final class Forwarding {
  // Header names are AsciiStrings: they keep their hash, so each lookup costs a bucket, not a pass over the name.
  static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
  static final AsciiString X_FORWARDED_HOST = AsciiString.cached("x-forwarded-host");
  private static final AsciiString HTTP = AsciiString.cached("http");
  private static final AsciiString HTTPS = AsciiString.cached("https");

  /** RFC 9110 §7.6.1 plus the legacy ones; `HTTP2-Settings` only ever travels with `Upgrade` (h2c). */
  static final List<AsciiString> HOP_BY_HOP =
      List.of(
          HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.PROXY_CONNECTION,
          HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.TE,
          HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE,
          AsciiString.cached("http2-settings"));

  private static final Pattern SANE_REQUEST_ID = Pattern.compile("[A-Za-z0-9._~:-]{1,128}");

  private static final NameValidator<CharSequence> WIRE_NAMES =
      DefaultHttpHeadersFactory.headersFactory().getNameValidator();

  /** Names from the wire are validated as Netty validates them; the gateway's own names are valid as made. */
  private static final NameValidator<CharSequence> NAMES =
      name -> {
        if (!setByTheGateway(name)) {
          WIRE_NAMES.validateName(name);
        }
      };

  /**
   * The header maps of client requests. Values are not validated again: {@link RequestHeadDecoder} refused any head
   * whose header lines hold a character Netty's validation refuses ({@link HeadScan}), and the values the gateway sets
   * are valid as made (addresses, the client's own `Host`, a sane or new request id, the configured upstream's
   * authority). Checking the kilobyte-long bearer token of every request once more, as a `String`, was a measurable
   * part of the data path.
   */
  @SuppressWarnings("unchecked")
  static final HttpHeadersFactory REQUEST_HEADERS =
      DefaultHttpHeadersFactory.headersFactory()
          .withNameValidator(NAMES)
          .withValueValidator((ValueValidator<CharSequence>) ValueValidator.NO_VALIDATION);

  /**
   * The header maps of upstream responses: names as above, every value validated as Netty validates it, by {@link
   * HeaderValueCheck}.
   */
  static final HttpHeadersFactory RESPONSE_HEADERS =
      DefaultHttpHeadersFactory.headersFactory().withNameValidator(NAMES).withValueValidator(HeaderValueCheck.INSTANCE);

  private Forwarding() {}

  /** Identity, not equality: a name from the wire is never one of these objects. */
  private static boolean setByTheGateway(CharSequence name) {
    return name == X_FORWARDED_FOR || name == X_FORWARDED_PROTO || name == X_FORWARDED_HOST
        || name == Refusal.REQUEST_ID || name == HttpHeaderNames.HOST || name == HttpHeaderNames.TRANSFER_ENCODING
        || name == HttpHeaderNames.CONNECTION;
  }

  /** The client's `X-Request-Id` when it is exactly one sane value, otherwise a new UUID. */
  static String requestId(HttpHeaders headers) {
    String value = headers.get(Refusal.REQUEST_ID);
    if (value != null && SANE_REQUEST_ID.matcher(value).matches() && headers.getAll(Refusal.REQUEST_ID).size() == 1) {
      return value;
    }
    return newRequestId();
  }

  /**
   * A random (version 4) UUID from the thread's fast generator: request ids need to be unique, not unguessable, and
   * `UUID.randomUUID()` would make every request queue for one shared SecureRandom.
   */
  static String newRequestId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;
    long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(high, low).toString();
  }

  /** The header names the `Connection` header nominates, lower-cased. */
  static Set<String> nominated(HttpHeaders headers) {
    if (!headers.contains(HttpHeaderNames.CONNECTION)) {
      return Set.of(); // the usual request: no iterator
    }
    Set<String> names = Set.of();
    Iterator<String> values = headers.valueStringIterator(HttpHeaderNames.CONNECTION);
    while (values.hasNext()) {
      String value = values.next();
      if (value.equalsIgnoreCase("keep-alive") || value.equalsIgnoreCase("close")) {
        continue; // the usual value names no header to remove beyond the hop-by-hop ones
      }
      for (String name : value.split(",")) {
        String trimmed = name.trim();
        if (!trimmed.isEmpty()) {
          if (names.isEmpty()) {
            names = new HashSet<>();
          }
          names.add(trimmed.toLowerCase(Locale.ROOT));
        }
      }
    }
    return names;
  }

  /**
   * The request as the upstream sees it, made from the client's (whose headers it takes over and changes: read what
   * you need of them first). A request read whole (one without a body) goes whole; otherwise the body is streamed
   * separately, its framing kept: chunked stays chunked, a `Content-Length` stays. `Expect` is not forwarded: the
   * gateway answers `100 Continue` itself.
   */
  static HttpRequest upstreamRequest(
      HttpRequest client, String upstreamAuthority, String clientAddress, boolean clientTls, String requestId) {
    HttpHeaders headers = client.headers();
    boolean chunked = HttpUtil.isTransferEncodingChunked(client);
    String clientHost = headers.get(HttpHeaderNames.HOST);
    removeHopByHop(headers);
    headers.remove(HttpHeaderNames.EXPECT);

    String chain = clientAddress;
    if (headers.contains(X_FORWARDED_FOR)) {
      chain = String.join(", ", headers.getAll(X_FORWARDED_FOR)) + ", " + clientAddress;
    }
    headers.set(X_FORWARDED_FOR, chain);
    headers.set(X_FORWARDED_PROTO, clientTls ? HTTPS : HTTP);
    if (clientHost != null) {
      headers.set(X_FORWARDED_HOST, clientHost);
    } else {
      headers.remove(X_FORWARDED_HOST);
    }
    headers.set(Refusal.REQUEST_ID, requestId);
    headers.set(HttpHeaderNames.HOST, upstreamAuthority);
    if (chunked) {
      headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    if (client instanceof FullHttpRequest whole) {
      return new DefaultFullHttpRequest(
          HttpVersion.HTTP_1_1, client.method(), client.uri(), whole.content(), headers, whole.trailingHeaders());
    }
    return new DefaultHttpRequest(HttpVersion.HTTP_1_1, client.method(), client.uri(), headers);
  }

  /** What the client gets, and whether its connection can stay open after this response. */
  record ClientResponse(HttpResponse response, boolean keepAlive) {}

  /**
   * The upstream's response for the client (taking over and changing the upstream's headers): hop-by-hop headers
   * removed, framing chosen for the client's HTTP version, the request id echoed. {@code bodiless} is true for
   * responses that never carry a body (HEAD, 204, 304).
   */
  static ClientResponse clientResponse(
      HttpResponse upstream, String requestId, HttpVersion clientVersion, boolean bodiless, boolean keepAlive) {
    HttpHeaders headers = upstream.headers();
    removeHopByHop(headers); // before the length is looked at: a Connection header may have named Content-Length
    boolean hasLength = headers.contains(HttpHeaderNames.CONTENT_LENGTH);
    headers.set(Refusal.REQUEST_ID, requestId);
    boolean open = keepAlive;
    if (!bodiless && !hasLength) {
      if (clientVersion.equals(HttpVersion.HTTP_1_1)) {
        headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      } else {
        open = false;
      }
    }
    AsciiString connection = clientConnection(clientVersion, open);
    if (connection != null) {
      headers.set(HttpHeaderNames.CONNECTION, connection);
    }
    return new ClientResponse(new DefaultHttpResponse(HttpVersion.HTTP_1_1, upstream.status(), headers), open);
  }

  /**
   * The client's `Connection` header for a response, or null for none: `close` when the connection ends after it,
   * `keep-alive` when an HTTP/1.0 client's stays open.
   */
  static AsciiString clientConnection(HttpVersion clientVersion, boolean open) {
    if (!open) {
      return HttpHeaderValues.CLOSE;
    }
    return clientVersion.equals(HttpVersion.HTTP_1_0) ? HttpHeaderValues.KEEP_ALIVE : null;
  }

  private static void removeHopByHop(HttpHeaders headers) {
    Set<String> nominated = nominated(headers);
    for (AsciiString name : HOP_BY_HOP) {
      headers.remove(name);
    }
    for (String name : nominated) {
      headers.remove(name);
    }
  }
}
