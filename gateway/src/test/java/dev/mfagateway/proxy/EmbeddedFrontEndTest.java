package dev.mfagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mfagateway.auth.Authenticator;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fuzz harness sees what the front end does: a valid request forwarded once, a smuggling shape refused; the
 * benchmark's steady connection serves request after request and fails loudly when one is not served.
 */
class EmbeddedFrontEndTest {
  private static final String UPSTREAM_OK =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
  private static TestIssuer issuer;
  private static Authenticator authenticator;
  private static EmbeddedFrontEnd frontEnd;

  @BeforeAll
  static void start() {
    issuer = TestIssuer.start();
    authenticator = TestConfigs.startedAuthenticator(issuer.jwksUri());
    frontEnd = new EmbeddedFrontEnd(issuer.jwksUri(), authenticator);
  }

  @AfterAll
  static void stop() {
    authenticator.signingKeys().close();
    issuer.close();
  }

  @Test
  void aValidRequestIsForwardedOnceAndItsAnswerReachesTheClient() {
    EmbeddedFrontEnd.Connection connection = frontEnd.connect(false);
    String token = issuer.mint(TestIssuer.userClaims(Instant.now()));
    connection.write(bytes("GET /api/x?y=1 HTTP/1.1\r\nHost: gw.test\r\nAuthorization: Bearer " + token + "\r\n\r\n"));

    assertThat(connection.standIns()).hasSize(1);
    EmbeddedFrontEnd.StandIn upstream = connection.standIns().get(0);
    assertThat(new String(upstream.received(), StandardCharsets.ISO_8859_1))
        .startsWith("GET /api/x?y=1 HTTP/1.1\r\n").contains("host: upstream.test:8080\r\n").endsWith("\r\n\r\n");
    assertThat(upstream.released).isTrue();
    assertThat(new String(connection.sent(), StandardCharsets.ISO_8859_1))
        .startsWith("HTTP/1.1 200 OK\r\n").contains(EmbeddedFrontEnd.STAND_IN + ": 0\r\n").endsWith("ok");
    assertThat(connection.open()).isTrue();
  }

  @Test
  void aSteadyConnectionServesRequestAfterRequestOverOneUpstreamConnection() {
    SteadyConnection connection = frontEnd.steady(true);
    String token = issuer.mint(TestIssuer.userClaims(Instant.now()));
    String request = "GET /api/v1/customers HTTP/1.1\r\nHost: gw.test\r\nAuthorization: Bearer " + token + "\r\n\r\n";

    for (int i = 0; i < 3; i++) {
      int received = connection.exchange(buffer(request), buffer(UPSTREAM_OK));

      assertThat(connection.forwarded()).startsWith("GET /api/v1/customers HTTP/1.1\r\n")
          .contains("Authorization: Bearer " + token + "\r\n").contains("x-forwarded-for: ")
          .contains("host: upstream.test:8080\r\n").endsWith("\r\n\r\n");
      assertThat(connection.answered()).startsWith("HTTP/1.1 200 OK\r\n").contains("x-request-id: ").endsWith("{}");
      assertThat(received).isEqualTo(connection.answered().length());
    }
  }

  @Test
  void aSteadyConnectionFailsLoudlyWhenTheRequestIsNotServed() {
    SteadyConnection connection = frontEnd.steady(false);

    assertThatThrownBy(
            () -> connection.exchange(buffer("GET /api/x HTTP/1.1\r\nHost: gw.test\r\n\r\n"), buffer(UPSTREAM_OK)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("forwarded 0 bytes");
  }

  @Test
  void contentLengthWithTransferEncodingIsRefusedAndNothingIsForwarded() {
    EmbeddedFrontEnd.Connection connection = frontEnd.connect(false);
    connection.write(bytes("POST /r/x HTTP/1.1\r\nHost: gw.test\r\nContent-Length: 6\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /r/smuggled HTTP/1.1\r\nHost: gw.test\r\n\r\n"));

    assertThat(connection.standIns()).isEmpty();
    assertThat(new String(connection.sent(), StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 400 Bad Request\r\n");
    assertThat(connection.decoded()).first().matches(EmbeddedFrontEnd.Decoded::failed);
    assertThat(connection.open()).isFalse();
  }

  /**
   * A refusal that closes the connection, with a pipelined request behind it and a partial one after that: closing can
   * deliver the channel's last events at once (here the decoder's flush of a request cut off in its headers), and the queued
   * request must not be served from inside the close.
   */
  @Test
  void nothingIsForwardedAfterARefusalThatClosesTheConnection() {
    EmbeddedFrontEnd.Connection connection = frontEnd.connect(false);
    connection.write(bytes("GET /r/1 HTTP/1.1\r\nHost: gw.test\r\n\r\n" + "GET /r/2 HTTP/1.1\r\n\r\n"
        + "GET /r/3 HTTP/1.1\r\nHost: gw.test\r\n\r\n" + "GET /r/4 HTTP/1.1\r\nHost: gw"));

    assertThat(connection.standIns()).hasSize(1);
    assertThat(new String(connection.standIns().get(0).received(), StandardCharsets.ISO_8859_1))
        .startsWith("GET /r/1 ");
    assertThat(new String(connection.sent(), StandardCharsets.ISO_8859_1))
        .startsWith("HTTP/1.1 200 OK\r\n").contains("HTTP/1.1 400 Bad Request\r\n");
    assertThat(connection.open()).isFalse();
  }

  private static ByteBuf buffer(String text) {
    return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }
}
