package dev.mfagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.auth.Authenticator;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A keep-alive connection quiet for {@link FrontendHandler#SHED_AFTER} between requests gets a new request decoder (the
 * old one's scratch buffer had grown to the longest header line, the `Authorization` line), and never while part of a
 * request has arrived or an exchange is under way. Time is the embedded event loop's, moved by the test.
 */
class QuietConnectionTest {
  private static final Duration JUST_UNDER = FrontendHandler.SHED_AFTER.minusMillis(1);
  private static final Duration JUST_OVER = FrontendHandler.SHED_AFTER.plusMillis(1);
  private static TestIssuer issuer;
  private static Authenticator authenticator;
  private static EmbeddedFrontEnd frontEnd;
  private static String authorization;

  @BeforeAll
  static void start() {
    issuer = TestIssuer.start();
    authenticator = TestConfigs.startedAuthenticator(issuer.jwksUri());
    frontEnd = new EmbeddedFrontEnd(issuer.jwksUri(), authenticator);
    authorization = "Authorization: Bearer " + issuer.mint(TestIssuer.entraSizedUserClaims(Instant.now())) + "\r\n";
  }

  @AfterAll
  static void stop() {
    authenticator.signingKeys().close();
    issuer.close();
  }

  @Test
  void aConnectionQuietBetweenRequestsGetsANewDecoderAndServesTheNextRequest() {
    EmbeddedFrontEnd.Connection connection = frontEnd.connect(false);
    connection.write(get("/api/first"));
    RequestHeadDecoder used = connection.requestDecoder();

    connection.quietFor(JUST_UNDER);
    assertThat(connection.requestDecoder()).isSameAs(used);
    connection.quietFor(Duration.ofMillis(2));
    assertThat(connection.requestDecoder()).isNotSameAs(used).isNotNull();

    connection.write(get("/api/second"));
    assertThat(forwardedTargets(connection)).containsExactly("/api/first", "/api/second");
    assertThat(answers(connection)).isEqualTo(2);
    assertThat(connection.open()).isTrue();
  }

  @Test
  void theDecoderStaysWhilePartOfTheNextRequestHeadHasArrived() {
    EmbeddedFrontEnd.Connection connection = frontEnd.connect(false);
    connection.write(get("/api/first"));
    byte[] next = get("/api/second");
    int half = next.length / 2;
    connection.write(Arrays.copyOfRange(next, 0, half));
    RequestHeadDecoder holdingHalf = connection.requestDecoder();

    connection.quietFor(JUST_OVER);
    assertThat(connection.requestDecoder()).isSameAs(holdingHalf);

    connection.write(Arrays.copyOfRange(next, half, next.length));
    assertThat(forwardedTargets(connection)).containsExactly("/api/first", "/api/second");
    assertThat(answers(connection)).isEqualTo(2);
  }

  @Test
  void theDecoderStaysWhileARequestBodyIsUnderWay() {
    EmbeddedFrontEnd.Connection connection = frontEnd.connect(false);
    connection.write(get("/api/first"));
    connection.write(bytes("POST /api/upload HTTP/1.1\r\nHost: gw.test\r\n" + authorization
        + "Content-Length: 10\r\n\r\n12345"));
    RequestHeadDecoder decodingTheBody = connection.requestDecoder();

    connection.quietFor(JUST_OVER);
    assertThat(connection.requestDecoder()).isSameAs(decodingTheBody);

    connection.write(bytes("67890"));
    assertThat(forwardedTargets(connection)).containsExactly("/api/first", "/api/upload");
    assertThat(new String(connection.standIns().get(1).received(), StandardCharsets.ISO_8859_1))
        .endsWith("\r\n\r\n1234567890");
    assertThat(answers(connection)).isEqualTo(2);
  }

  private static byte[] get(String target) {
    return bytes("GET " + target + " HTTP/1.1\r\nHost: gw.test\r\n" + authorization + "\r\n");
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static List<String> forwardedTargets(EmbeddedFrontEnd.Connection connection) {
    return connection.standIns().stream()
        .map(standIn -> new String(standIn.received(), StandardCharsets.ISO_8859_1).split(" ")[1]).toList();
  }

  /** How many `200 OK` answers the client got. */
  private static int answers(EmbeddedFrontEnd.Connection connection) {
    return new String(connection.sent(), StandardCharsets.ISO_8859_1).split("HTTP/1.1 200 OK\r\n", -1).length - 1;
  }
}
