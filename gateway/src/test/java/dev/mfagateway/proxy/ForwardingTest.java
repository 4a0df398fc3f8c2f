package dev.mfagateway.proxy;

import static dev.mfagateway.proxy.TestGateway.get;
import static dev.mfagateway.proxy.TestGateway.validAuthorization;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpHeaders;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What is forwarded and what comes back (SPEC §5, §8), over real sockets. */
class ForwardingTest {
  private static final String EMPTY_SHA256 = sha256("");

  private TestGateway gateway;

  @BeforeEach
  void start() throws Exception {
    gateway = TestGateway.start();
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
  }

  @Test
  void aValueWithATabAndBytesAboveAsciiReachesTheUpstreamAsSent() throws Exception {
    String note = "caf\u00e9\tau lait \u00ff";
    String raw =
        "GET /v1/customers HTTP/1.1\r\nHost: gw\r\nAuthorization: " + validAuthorization() + "\r\nX-Note: " + note
            + "\r\n\r\n";
    try (RawClient client = gateway.client()) {
      assertThat(client.send(raw).read().status()).isEqualTo(200);
    }
    assertThat(gateway.upstream.requests.get(0).headers().getAll("x-note")).containsExactly(note);
  }

  @Test
  void proxyHeadersAreAddedAfterHopByHopHeadersAreStripped() throws Exception {
    String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    String raw =
        "GET /v1/customers HTTP/1.1\r\n"
            + "Host: gw.test:8443\r\n"
            + "Authorization: " + validAuthorization() + "\r\n"
            + "X-Forwarded-For: 10.0.0.1\r\n"
            + "X-Forwarded-Proto: https\r\n"
            + "X-Forwarded-Host: spoofed.example\r\n"
            + "X-Request-Id: abc-123.~:_\r\n"
            + "traceparent: " + traceparent + "\r\n"
            + "Connection: keep-alive, X-Hop-Me, X-Forwarded-Host\r\n"
            + "X-Hop-Me: secret\r\n"
            + "Keep-Alive: timeout=5\r\n"
            + "Proxy-Authorization: Basic Zm9vOmJhcg==\r\n"
            + "Proxy-Connection: keep-alive\r\n"
            + "TE: trailers\r\n"
            + "Trailer: X-T\r\n"
            + "Upgrade: h2c\r\n"
            + "HTTP2-Settings: AAMAAABkAAQAAP__\r\n"
            + "X-Custom: kept\r\n"
            + "\r\n";
    try (RawClient client = gateway.client()) {
      RawClient.Response response = client.send(raw).read();

      assertThat(response.status()).isEqualTo(200);
      assertThat(response.header("x-request-id")).isEqualTo("abc-123.~:_");
    }
    HttpHeaders seen = gateway.upstream.requests.get(0).headers();
    assertThat(seen.getAll("host")).containsExactly("127.0.0.1:" + gateway.upstream.port());
    assertThat(seen.getAll("x-forwarded-for")).containsExactly("10.0.0.1, 127.0.0.1");
    assertThat(seen.getAll("x-forwarded-proto")).containsExactly("http");
    assertThat(seen.getAll("x-forwarded-host")).containsExactly("gw.test:8443");
    assertThat(seen.getAll("x-request-id")).containsExactly("abc-123.~:_");
    assertThat(seen.getAll("traceparent")).containsExactly(traceparent);
    assertThat(seen.getAll("authorization")).containsExactly(validAuthorization());
    assertThat(seen.getAll("x-custom")).containsExactly("kept");
    for (String gone :
        List.of("connection", "x-hop-me", "keep-alive", "proxy-authorization", "proxy-connection", "te", "trailer",
            "upgrade", "http2-settings")) {
      assertThat(seen.contains(gone)).as(gone).isFalse();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "has space", "ünïcode", "semi;colon"})
  void anInsaneRequestIdIsReplacedAndEchoed(String requestId) throws Exception {
    String header = requestId.isEmpty() ? "X-Request-Id:\r\n" : "X-Request-Id: " + requestId + "\r\n";
    try (RawClient client = gateway.client()) {
      RawClient.Response response = client.send(get("/", header)).read();

      assertThat(response.status()).isEqualTo(200);
      String echoed = response.header("x-request-id");
      assertThat(echoed).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
      assertThat(gateway.upstream.requests.get(0).headers().getAll("x-request-id")).containsExactly(echoed);
    }
  }

  @Test
  void aRequestIdOf129CharactersIsReplaced() throws Exception {
    String tooLong = "a".repeat(129);
    try (RawClient client = gateway.client()) {
      RawClient.Response response = client.send(get("/", "X-Request-Id: " + tooLong + "\r\n")).read();

      assertThat(response.header("x-request-id")).isNotEqualTo(tooLong).hasSize(36);
    }
  }

  @Test
  void hopByHopHeadersOfTheResponseAreStrippedAndTheRequestIdIsOurs() throws Exception {
    try (RawClient client = gateway.client()) {
      RawClient.Response response = client.send(get("/hop", "X-Request-Id: mine\r\n")).read();

      assertThat(response.status()).isEqualTo(200);
      assertThat(response.headers("x-request-id")).containsExactly("mine");
      assertThat(response.header("x-secret-hop")).isNull();
      assertThat(response.header("keep-alive")).isNull();
      assertThat(response.header("upgrade")).isNull();
      assertThat(response.header("connection")).isNull();
      assertThat(response.header("x-upstream-connection")).isEqualTo("1");
    }
  }

  /** An upstream that names Content-Length in Connection loses it as hop-by-hop; the client then gets chunked. */
  @Test
  void aResponseWhoseLengthWasHopByHopIsChunkedForTheClient() throws Exception {
    try (RawClient client = gateway.client()) {
      RawClient.Response first = client.send(get("/nominate-length")).read();
      assertThat(first.status()).isEqualTo(200);
      assertThat(first.header("content-length")).isNull();
      assertThat(first.header("transfer-encoding")).isEqualTo("chunked");
      assertThat(first.body()).isNotEmpty();
      assertThat(client.send(get("/after")).read().status()).as("the connection is still framed").isEqualTo(200);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"/a%2Fb/../c?x=%20&y", "/a%0d%0aX:y", "//double//slash;param=1?q=%2e%2e&&=", "/%7Euser/./x"})
  void theRequestTargetIsForwardedByteForByte(String target) throws Exception {
    try (RawClient client = gateway.client()) {
      assertThat(client.send(get(target)).read().status()).isEqualTo(200);
    }
    assertThat(gateway.upstream.requests.get(0).uri()).isEqualTo(target);
  }

  @ParameterizedTest
  @ValueSource(strings = {"CHUNKED", "\tchunked"})
  void legalSpellingsOfChunkedAreAccepted(String coding) throws Exception {
    try (RawClient client = gateway.client()) {
      RawClient.Response response =
          client.send(
                  "POST /chunked HTTP/1.1\r\nHost: gw\r\nAuthorization: " + validAuthorization()
                      + "\r\nTransfer-Encoding:" + (coding.startsWith("\t") ? "" : " ") + coding
                      + "\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
              .read();

      assertThat(response.status()).isEqualTo(200);
      assertThat(response.bodyText()).isEqualTo(sha256("hello"));
    }
    assertThat(gateway.upstream.requests.get(0).headers().get("transfer-encoding")).isEqualTo("chunked");
  }

  @Test
  void keepAliveReusesOneUpstreamConnection() throws Exception {
    try (RawClient client = gateway.client()) {
      for (int i = 0; i < 5; i++) {
        RawClient.Response response = client.send(get("/reuse/" + i)).read();
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("x-upstream-connection")).isEqualTo("1");
      }
    }
    assertThat(gateway.upstream.requests).hasSize(5);
    assertThat(gateway.upstream.connections.get()).isEqualTo(1);
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    String body = "hello pipeline";
    String pipelined =
        get("/p1", "X-Request-Id: r1\r\n")
            + "POST /p2 HTTP/1.1\r\nHost: gw\r\nAuthorization: " + validAuthorization()
            + "\r\nX-Request-Id: r2\r\nContent-Length: " + body.length() + "\r\n\r\n" + body
            + get("/p3", "X-Request-Id: r3\r\n")
            + "GET /p4 HTTP/1.1\r\nHost: gw\r\nX-Request-Id: r4\r\n\r\n"
            + get("/p5", "X-Request-Id: r5\r\n");
    try (RawClient client = gateway.client()) {
      client.send(pipelined);
      RawClient.Response first = client.read();
      RawClient.Response second = client.read();
      RawClient.Response third = client.read();
      RawClient.Response fourth = client.read();
      RawClient.Response fifth = client.read();

      assertThat(List.of(first, second, third, fourth, fifth))
          .extracting(r -> r.header("x-request-id"))
          .containsExactly("r1", "r2", "r3", "r4", "r5");
      assertThat(second.bodyText()).isEqualTo(sha256(body));
      assertThat(fourth.status()).isEqualTo(401);
    }
    assertThat(gateway.upstream.requests)
        .extracting(RecordingUpstream.Recorded::uri)
        .containsExactly("/p1", "/p2", "/p3", "/p5");
  }

  @Test
  void aClientThatHalfClosesAfterItsRequestStillGetsTheAnswerThenTheConnectionCloses() throws Exception {
    for (String requests : List.of(get("/h1", ""), get("/h2", "") + get("/h3", ""))) {
      int expected = requests.split("GET ").length - 1;
      try (RawClient client = gateway.client()) {
        client.send(requests);
        client.shutdownOutput();
        for (int i = 0; i < expected; i++) {
          assertThat(client.read().status()).isEqualTo(200);
        }
        assertThat(client.closedByServer()).isTrue();
      }
    }
    assertThat(gateway.upstream.requests).extracting(RecordingUpstream.Recorded::uri)
        .containsExactly("/h1", "/h2", "/h3");
  }

  @Test
  void aClientThatHalfClosesWhileIdleIsClosed() throws Exception {
    try (RawClient client = gateway.client()) {
      client.send(get("/idle", ""));
      assertThat(client.read().status()).isEqualTo(200);
      client.shutdownOutput();
      assertThat(client.closedByServer()).isTrue();
    }
  }

  @Test
  void continueIsSentOnlyAfterTheVerdictAllowed() throws Exception {
    String body = "12345";
    try (RawClient client = gateway.client()) {
      client.send(
          "PUT /upload HTTP/1.1\r\nHost: gw\r\nAuthorization: " + validAuthorization()
              + "\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");

      assertThat(client.readOne(false).status()).isEqualTo(100);
      RawClient.Response response = client.send(body).read();
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.bodyText()).isEqualTo(sha256(body));
    }
    assertThat(gateway.upstream.requests.get(0).headers().contains("expect")).isFalse();
  }

  @Test
  void aRefusedRequestExpectingContinueGetsTheRefusalAtOnceAndNoContinue() throws Exception {
    try (RawClient client = gateway.client()) {
      RawClient.Response response =
          client.send("PUT /upload HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
              .readOne(false);

      assertThat(response.status()).isEqualTo(401);
      assertThat(response.header("www-authenticate")).isEqualTo("Bearer realm=\"mfa-gateway\"");
      assertThat(client.closedByServer()).isTrue();
    }
    assertThat(gateway.upstream.receivedNothing()).isTrue();
  }

  @Test
  void aMissingTokenGets401WithTheJsonBodyAndTheConnectionStaysOpen() throws Exception {
    try (RawClient client = gateway.client()) {
      RawClient.Response response =
          client.send("GET /x HTTP/1.1\r\nHost: gw\r\nX-Request-Id: req-1\r\n\r\n").read();

      assertThat(response.status()).isEqualTo(401);
      assertThat(response.header("www-authenticate")).isEqualTo("Bearer realm=\"mfa-gateway\"");
      assertThat(response.header("content-type")).isEqualTo("application/json");
      assertThat(response.bodyText())
          .isEqualTo(
              "{\"error\":\"missing_token\",\"error_description\":\"no Authorization header: send Authorization:"
                  + " Bearer <token>\",\"reason\":\"missing_token\",\"request_id\":\"req-1\"}");

      assertThat(client.send(get("/next")).read().status()).isEqualTo(200);
    }
    assertThat(gateway.upstream.requests).extracting(RecordingUpstream.Recorded::uri).containsExactly("/next");
  }

  @Test
  void aRefusedRequestsBodyIsDroppedAndTheNextRequestIsServed() throws Exception {
    try (RawClient client = gateway.client()) {
      client.send(
          "POST /x HTTP/1.1\r\nHost: gw\r\nAuthorization: Basic Zm9v\r\nContent-Length: 10\r\n\r\n0123456789"
              + get("/next"));

      assertThat(client.read().status()).isEqualTo(400);
      assertThat(client.read().status()).isEqualTo(200);
    }
    assertThat(gateway.upstream.requests).extracting(RecordingUpstream.Recorded::uri).containsExactly("/next");
  }

  @Test
  void aResponseHeadReachesTheClientBeforeItsBodyIsSent() throws Exception {
    try (Socket socket = new Socket(gateway.address().getAddress(), gateway.address().getPort())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(get("/head-then-gate").getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = socket.getInputStream();
      StringBuilder head = new StringBuilder();
      while (head.indexOf("\r\n\r\n") < 0) {
        int b = in.read(); // the upstream sends the body only after the head has arrived here
        assertThat(b).as("the head ended early").isNotNegative();
        head.append((char) b);
      }
      assertThat(head.toString()).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length: 8");

      gateway.upstream.gate.complete(null);
      assertThat(new String(in.readNBytes(8), StandardCharsets.US_ASCII)).isEqualTo("released");
    }
  }

  @Test
  void aHeadRequestGetsHeadersOnlyAndTheConnectionStaysInStep() throws Exception {
    try (RawClient client = gateway.client()) {
      RawClient.Response head =
          client.send("HEAD /h HTTP/1.1\r\nHost: gw\r\nAuthorization: " + validAuthorization() + "\r\n\r\n")
              .readOne(true);
      assertThat(head.status()).isEqualTo(200);

      RawClient.Response next = client.send(get("/after-head")).read();
      assertThat(next.status()).isEqualTo(200);
      assertThat(next.bodyText()).isEqualTo(EMPTY_SHA256);
    }
  }

  @Test
  void anHttp10ClientGetsItsResponseAndTheConnectionCloses() throws Exception {
    try (RawClient client = gateway.client()) {
      RawClient.Response response =
          client.send("GET /old HTTP/1.0\r\nHost: gw\r\nAuthorization: " + validAuthorization() + "\r\n\r\n").read();

      assertThat(response.status()).isEqualTo(200);
      assertThat(response.bodyText()).isEqualTo(EMPTY_SHA256);
      assertThat(client.closedByServer()).isTrue();
    }
  }

  @Test
  void connectionCloseFromTheClientIsHonouredAfterTheResponse() throws Exception {
    try (RawClient client = gateway.client()) {
      RawClient.Response response = client.send(get("/last", "Connection: close\r\n")).read();

      assertThat(response.status()).isEqualTo(200);
      assertThat(response.header("connection")).isEqualTo("close");
      assertThat(client.closedByServer()).isTrue();
    }
    assertThat(gateway.upstream.requests.get(0).headers().contains("connection")).isFalse();
  }

  @Test
  void anHttp10KeepAliveClientKeepsItsConnection() throws Exception {
    String request =
        "GET /old HTTP/1.0\r\nHost: gw\r\nConnection: keep-alive\r\nAuthorization: " + validAuthorization()
            + "\r\n\r\n";
    try (RawClient client = gateway.client()) {
      RawClient.Response first = client.send(request).read();
      assertThat(first.header("connection")).isEqualTo("keep-alive");
      assertThat(client.send(request).read().status()).isEqualTo(200);
    }
  }

  @Test
  void aPathWithoutARouteGets404() throws Exception {
    RecordingUpstream upstream = new RecordingUpstream();
    TestConfig config = new TestConfig().route("/api/", upstream.uri());
    try (TestGateway narrow = TestGateway.start(config, upstream);
        RawClient client = narrow.client()) {
      RawClient.Response response = client.send(get("/other")).read();

      assertThat(response.status()).isEqualTo(404);
      assertThat(response.bodyText()).contains("\"reason\":\"bad_http\"").contains("no route for this path");
      assertThat(client.send(get("/api/x")).read().status()).isEqualTo(200);
      assertThat(upstream.requests).extracting(RecordingUpstream.Recorded::uri).containsExactly("/api/x");
    }
  }

  @Test
  void routesPickTheFirstMatchingPrefix() throws Exception {
    RecordingUpstream first = new RecordingUpstream();
    RecordingUpstream second = new RecordingUpstream();
    TestConfig config = new TestConfig().route("/v1/special", first.uri()).route("/v1", second.uri());
    try (TestGateway both = TestGateway.start(config, first);
        RawClient client = both.client()) {
      client.send(get("/v1/special/x")).read();
      client.send(get("/v1/other")).read();
    } finally {
      second.close();
    }
    assertThat(first.requests).extracting(RecordingUpstream.Recorded::uri).containsExactly("/v1/special/x");
    assertThat(second.requests).extracting(RecordingUpstream.Recorded::uri).containsExactly("/v1/other");
  }

  @Test
  void aReportOnlyRouteForwardsWhatItWouldRefuseButNotTwoAuthorizationHeaders() throws Exception {
    RecordingUpstream upstream = new RecordingUpstream();
    TestConfig config = new TestConfig().reportOnlyRoute("/", upstream.uri());
    try (TestGateway reportOnly = TestGateway.start(config, upstream);
        RawClient client = reportOnly.client()) {
      assertThat(client.send("GET /no-token HTTP/1.1\r\nHost: gw\r\n\r\n").read().status()).isEqualTo(200);
      String twice = "Authorization: " + validAuthorization() + "\r\n";
      assertThat(client.send("GET /twice HTTP/1.1\r\nHost: gw\r\n" + twice + twice + "\r\n").read().status())
          .isEqualTo(400);
    }
    assertThat(upstream.requests).extracting(RecordingUpstream.Recorded::uri).containsExactly("/no-token");
  }

  static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

}
