package dev.mfagateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import dev.mfagateway.testing.TestIssuer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Route-level behaviour of the real gateway (SPEC §3, §4, §8): report-only forwarding, claims-only routes, per-route
 * audiences, and `Expect: 100-continue` answered only after the token passed.
 */
class RouteBehaviourEndToEndTest {
  private static final TestIssuer ISSUER = TestIssuer.start();
  private static final Tokens TOKENS = new Tokens(ISSUER);
  private static final RSAKey FORGER = TestIssuer.newKey();

  private static RecordingServer upstream;
  private static RunningGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    upstream = new RecordingServer("{}");
    gateway = RunningGateway.start(RunningGateway.config(ISSUER.jwksUri(), RunningGateway.routes(upstream.uri())));
  }

  @AfterAll
  static void stop() throws InterruptedException {
    gateway.close();
    upstream.close();
    ISSUER.close();
  }

  @BeforeEach
  void forgetEarlierRequests() {
    upstream.clear();
  }

  /** Good claims under the directory's kid, signed by a key the directory never published. */
  private static String forged(Consumer<Map<String, Object>> change) {
    Map<String, Object> claims = TestIssuer.userClaims(Instant.now());
    change.accept(claims);
    return TestIssuer.mint(ISSUER.header().build(), Tokens.json(claims), FORGER);
  }

  private static String withoutMfa() {
    return TOKENS.user(c -> c.put("amr", List.of("pwd")));
  }

  private static void graphAudience(Map<String, Object> claims) {
    claims.put("aud", RunningGateway.GRAPH);
  }

  private void assertForwarded(HttpResponse<String> response, String target, List<String> authorizations) {
    assertThat(response.statusCode()).as("body %s", response.body()).isEqualTo(200);
    assertThat(upstream.received()).singleElement().satisfies(received -> {
      assertThat(received.target()).isEqualTo(target);
      assertThat(received.headers().get("Authorization")).isEqualTo(authorizations.isEmpty() ? null : authorizations);
    });
  }

  @Test
  void reportOnlyForwardsATokenWithoutMfa() throws Exception {
    List<String> authorization = List.of("Bearer " + withoutMfa());
    assertForwarded(gateway.get("/report/orders", authorization), "/report/orders", authorization);
  }

  @Test
  void reportOnlyForwardsARequestWithoutToken() throws Exception {
    assertForwarded(gateway.get("/report/orders", List.of()), "/report/orders", List.of());
  }

  @Test
  void reportOnlyForwardsAForgedToken() throws Exception {
    List<String> authorization = List.of("Bearer " + forged(c -> {}));
    assertForwarded(gateway.get("/report/orders", authorization), "/report/orders", authorization);
  }

  @Test
  void reportOnlyStillRefusesTwoAuthorizationHeaders() throws Exception {
    String token = TOKENS.valid();
    HttpResponse<String> response = gateway.get("/report/orders", List.of("Bearer " + token, "Bearer " + token));
    Refusals.assertRefusal(response, 400, "invalid_request", "malformed_request");
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void claimsOnlyLeavesTheSignatureToTheUpstream() throws Exception {
    List<String> badSignature = List.of("Bearer " + forged(c -> {}));
    assertForwarded(gateway.get("/claims/me", badSignature), "/claims/me", badSignature);

    upstream.clear();
    String unknownKid = TestIssuer.mint(ISSUER.header().keyID(UUID.randomUUID().toString()).build(),
        Tokens.json(TestIssuer.userClaims(Instant.now())), FORGER);
    assertForwarded(gateway.get("/claims/me", unknownKid), "/claims/me", List.of("Bearer " + unknownKid));
  }

  @Test
  void claimsOnlyStillRefusesOnClaims() throws Exception {
    Refusals.assertRefusal(gateway.get("/claims/me", forged(c -> c.put("amr", List.of("pwd")))), 401,
        "insufficient_user_authentication", "mfa_required");
    Refusals.assertRefusal(gateway.get("/claims/me", forged(c -> c.put("exp", Instant.now().getEpochSecond() - 3600))),
        401, "invalid_token", "expired");
    Refusals.assertRefusal(gateway.get("/claims/me", forged(c -> c.put("tid", Tokens.JSON_NULL))), 401,
        "invalid_token", "invalid_claim");
    Refusals.assertRefusal(gateway.get("/claims/me", forged(c -> c.put("iss", "https://evil.example/"))), 401,
        "invalid_token", "wrong_issuer");
    Refusals.assertRefusal(gateway.get("/claims/me", forged(RouteBehaviourEndToEndTest::graphAudience)), 401,
        "invalid_token", "wrong_audience");
    Refusals.assertRefusal(gateway.get("/claims/me", TOKENS.hs256()), 401, "invalid_token", "algorithm_not_allowed");
    Refusals.assertRefusal(gateway.get("/claims/me", Tokens.unsecured("none")), 401, "invalid_token",
        "algorithm_not_allowed");
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void aForgedTokenThatPassesClaimsOnlyIsRefusedWhereSignaturesAreVerified() throws Exception {
    Refusals.assertRefusal(gateway.get("/v1/customers", forged(c -> {})), 401, "invalid_token", "bad_signature");
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void eachRouteJudgesByItsOwnAudiences() throws Exception {
    String graphToken = forged(RouteBehaviourEndToEndTest::graphAudience);
    assertForwarded(gateway.get("/graph/v1.0/me", graphToken), "/graph/v1.0/me", List.of("Bearer " + graphToken));

    upstream.clear();
    String partnerCenterToken = TOKENS.valid();
    Refusals.assertRefusal(gateway.get("/graph/v1.0/me", partnerCenterToken), 401, "invalid_token", "wrong_audience");
    Refusals.assertRefusal(gateway.get("/v1/customers", TOKENS.user(RouteBehaviourEndToEndTest::graphAudience)), 401,
        "invalid_token", "wrong_audience");
    Refusals.assertRefusal(gateway.get("/v1/customers", graphToken), 401, "invalid_token", "bad_signature");
    assertThat(upstream.received()).isEmpty();

    assertForwarded(gateway.get("/v1/customers", partnerCenterToken), "/v1/customers",
        List.of("Bearer " + partnerCenterToken));
  }

  @Test
  void expectContinueWithARefusedTokenGetsTheRefusalAtOnce() throws Exception {
    String head = "POST /v1/customers HTTP/1.1\r\nHost: gw.test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
        + "Authorization: Bearer " + withoutMfa() + "\r\n\r\n";
    String answer;
    try (Socket socket = new Socket(gateway.address().getAddress(), gateway.address().getPort())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      // The body is never sent: the refusal must come without it, and the gateway then closes the connection.
      answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
    assertThat(answer).startsWith("HTTP/1.1 401 ").doesNotContain("100 Continue")
        .contains("error=\"insufficient_user_authentication\"").contains("\"reason\":\"mfa_required\"");
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void expectContinueWithAGoodTokenGetsTheBodyForwarded() throws Exception {
    HttpRequest.Builder request = gateway.request("/v1/customers", List.of("Bearer " + TOKENS.valid()))
        .expectContinue(true)
        .POST(HttpRequest.BodyPublishers.ofString("hello"));

    assertThat(gateway.send(request).statusCode()).isEqualTo(200);
    assertThat(upstream.received()).singleElement()
        .satisfies(received -> assertThat(new String(received.body(), StandardCharsets.UTF_8)).isEqualTo("hello"));
  }
}
