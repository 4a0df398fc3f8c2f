package dev.mfagateway.proxy;

import static dev.mfagateway.proxy.TestGateway.validAuthorization;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every "Gateway must" row of SECURITY-NOTES §3.2 whose answer is a refusal: the status, the JSON reason, the request
 * id, the connection closed where framing is in doubt, and nothing at all reaching the upstream.
 */
class HostileHttpTest {
  private static final String AUTH = "Authorization: " + validAuthorization() + "\r\n";

  private TestGateway gateway;

  @BeforeEach
  void start() throws Exception {
    gateway = TestGateway.start();
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
  }

  static Stream<Arguments> shapeRefusals() {
    return Stream.of(
        row("Content-Length with Transfer-Encoding",
            "POST / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            400),
        row("TE chunked, identity",
            "POST / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", 400),
        row("TE chunked, xchunked",
            "POST / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "Transfer-Encoding: chunked, xchunked\r\n\r\n0\r\n\r\n", 400),
        row("two TE lines",
            "POST / HTTP/1.1\r\nHost: gw\r\n" + AUTH
                + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            400),
        row("TE xchunked with Content-Length",
            "POST / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "Transfer-Encoding: xchunked\r\nContent-Length: 3\r\n\r\nabc",
            400),
        row("TE chunked with parameter",
            "POST / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "Transfer-Encoding: chunked;a=1\r\n\r\n0\r\n\r\n", 400),
        row("TE identity, chunked (accepted by Netty)",
            "POST / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "Transfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n", 400),
        row("space before the colon",
            "POST / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400),
        row("obs-fold smuggling Transfer-Encoding",
            "POST / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "X-Note: a\r\n Transfer-Encoding: chunked\r\n"
                + "Content-Length: 3\r\n\r\nabc",
            400),
        row("obs-fold with a tab",
            "GET / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "X-Note: a\r\n\tb\r\n\r\n", 400),
        row("two equal Content-Length",
            "POST / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400),
        row("Content-Length +3", "POST / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "Content-Length: +3\r\n\r\nabc", 400),
        row("Content-Length 0x3", "POST / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "Content-Length: 0x3\r\n\r\nabc", 400),
        row("separator in a header name",
            "GET / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "X-Forwarded(For): 1\r\n\r\n", 400),
        row("header without colon", "GET / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "NoColonHere\r\n\r\n", 400),
        row("bare LF line endings", "GET / HTTP/1.1\nHost: gw\n" + AUTH.replace("\r\n", "\n") + "\n", 400),
        row("NUL in a header value", "GET / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "X-A: a\0b\r\n\r\n", 400),
        row("DEL in a long header value",
            "GET / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "X-A: " + "a".repeat(40) + "\u007fb\r\n\r\n", 400),
        row("control character inside the bearer token",
            "GET / HTTP/1.1\r\nHost: gw\r\n" + AUTH.replace("Bearer ey", "Bearer e\u0001y") + "\r\n", 400),
        row("CR inside a header value", "GET / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "X-A: a\rb\r\n\r\n", 400),
        row("CR before the line's CR LF", "GET / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "X-A: ab\r\r\n\r\n", 400),
        row("control character in a header name",
            "GET / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "X-\u001bA: b\r\n\r\n", 400),
        row("HTTP/1.0 with Transfer-Encoding",
            "POST / HTTP/1.0\r\nHost: gw\r\n" + AUTH + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        row("absolute-form target", "GET http://evil.example:8443/x HTTP/1.1\r\nHost: gw\r\n" + AUTH + "\r\n", 400),
        row("two Host headers", "GET / HTTP/1.1\r\nHost: gw\r\nHost: evil.example\r\n" + AUTH + "\r\n", 400),
        row("no Host header", "GET / HTTP/1.1\r\n" + AUTH + "\r\n", 400),
        row("asterisk target with GET", "GET * HTTP/1.1\r\nHost: gw\r\n" + AUTH + "\r\n", 400),
        row("OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: gw\r\n" + AUTH + "\r\n", 400),
        row("CONNECT", "CONNECT gw:443 HTTP/1.1\r\nHost: gw:443\r\n" + AUTH + "\r\n", 400),
        row("HTTP/1.2", "GET / HTTP/1.2\r\nHost: gw\r\n" + AUTH + "\r\n", 505),
        row("HTTP/2.0 in an HTTP/1 request line", "GET / HTTP/2.0\r\nHost: gw\r\n" + AUTH + "\r\n", 505),
        row("lower-case method", "get / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "\r\n", 405),
        row("Connection naming Authorization",
            "GET / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "Connection: keep-alive, Authorization\r\n\r\n", 400),
        row("Connection naming Host", "GET / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "Connection: host\r\n\r\n", 400),
        row("Connection naming Content-Length",
            "POST / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "Content-Length: 3\r\nConnection: Content-Length\r\n\r\nabc",
            400),
        row("fragment in the target", "GET /a#b HTTP/1.1\r\nHost: gw\r\n" + AUTH + "\r\n", 400));
  }

  private static Arguments row(String name, String raw, int status) {
    return Arguments.of(name, raw, status);
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("shapeRefusals")
  void refusesHostileShapeAndCloses(String name, String raw, int status) throws Exception {
    try (RawClient client = gateway.client()) {
      RawClient.Response response = client.send(raw).read();

      assertThat(response.status()).isEqualTo(status);
      assertThat(response.bodyText()).contains("\"reason\":\"bad_http\"").contains("\"error\":\"bad_http\"");
      assertThat(response.header("x-request-id")).isNotBlank();
      assertThat(response.header("connection")).isEqualTo("close");
      assertThat(client.closedByServer()).isTrue();
    }
    assertThat(gateway.upstream.receivedNothing()).isTrue();
  }

  @Test
  void requestLineOverTheLimitIs414() throws Exception {
    String target = "/" + "a".repeat(9000);
    try (RawClient client = gateway.client()) {
      RawClient.Response response = client.send(TestGateway.get(target)).read();

      assertThat(response.status()).isEqualTo(414);
      assertThat(response.bodyText()).contains("\"reason\":\"uri_too_long\"");
      assertThat(client.closedByServer()).isTrue();
    }
    assertThat(gateway.upstream.receivedNothing()).isTrue();
  }

  @Test
  void headerBlockOverTheLimitIs431() throws Exception {
    String big = "X-Big: " + "b".repeat(33 * 1024) + "\r\n";
    try (RawClient client = gateway.client()) {
      RawClient.Response response = client.send(TestGateway.get("/", big)).read();

      assertThat(response.status()).isEqualTo(431);
      assertThat(response.bodyText()).contains("\"reason\":\"headers_too_large\"");
      assertThat(client.closedByServer()).isTrue();
    }
    assertThat(gateway.upstream.receivedNothing()).isTrue();
  }

  @Test
  void twoAuthorizationHeadersAreMalformedRequest() throws Exception {
    try (RawClient client = gateway.client()) {
      RawClient.Response response =
          client.send("GET / HTTP/1.1\r\nHost: gw\r\n" + AUTH + AUTH + "\r\n").read();

      assertThat(response.status()).isEqualTo(400);
      assertThat(response.bodyText()).contains("\"reason\":\"malformed_request\"");
      assertThat(response.header("www-authenticate"))
          .isEqualTo("Bearer realm=\"mfa-gateway\", error=\"invalid_request\"");

      // Framing is sound, so the connection stays usable.
      assertThat(client.send(TestGateway.get("/after")).read().status()).isEqualTo(200);
    }
    assertThat(gateway.upstream.requests).extracting(RecordingUpstream.Recorded::uri).containsExactly("/after");
  }

  @Test
  void brokenChunkAfterTheHeadIsRefusedAndNothingCompleteReachesTheUpstream() throws Exception {
    try (RawClient client = gateway.client()) {
      RawClient.Response response =
          client
              .send("POST / HTTP/1.1\r\nHost: gw\r\n" + AUTH + "Transfer-Encoding: chunked\r\n\r\n"
                  + "100000004\r\nabcd\r\n")
              .read();

      assertThat(response.status()).isEqualTo(400);
      assertThat(response.bodyText()).contains("\"reason\":\"bad_http\"");
      assertThat(client.closedByServer()).isTrue();
    }
    assertThat(gateway.upstream.receivedNoRequest()).isTrue();
  }
}
