package dev.mfagateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tokens and JWKS from an independent issuer (mock-oauth2-server), not our own minting code, judged by the real gateway
 * configured with that issuer's JWKS and issuer URL and the tenant its tokens name.
 */
class IndependentIssuerEndToEndTest {
  private static final String ISSUER_ID = "entra";
  private static final String PATH = "/v1/customers";
  private static final MockOAuth2Server SERVER = new MockOAuth2Server();
  private static RecordingServer upstream;
  private static RunningGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    SERVER.start(InetAddress.getByName("127.0.0.1"), 0);
    upstream = new RecordingServer("{}");
    String config = RunningGateway.config(SERVER.jwksUrl(ISSUER_ID).uri(), RunningGateway.routes(upstream.uri()))
        + "gateway.auth.issuers = [\"" + SERVER.issuerUrl(ISSUER_ID) + "\"]\n";
    gateway = RunningGateway.start(config);
    assertThat(gateway.isReady()).isTrue();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    gateway.close();
    upstream.close();
    SERVER.shutdown();
  }

  @BeforeEach
  void forgetEarlierRequests() {
    upstream.clear();
  }

  /** An MFA app+user token of the allowed tenant from the mock server's {@code issuerId}, with {@code changes}. */
  private static String token(String issuerId, String audience, Map<String, Object> changes) {
    Map<String, Object> claims = new HashMap<>(Map.of("tid", TestIssuer.TENANT, "amr", List.of("pwd", "mfa"),
        "scp", "user_impersonation", "appid", TestIssuer.APP_ID));
    claims.putAll(changes);
    return SERVER.issueToken(issuerId, "alice", audience, claims).serialize();
  }

  private static String token(Map<String, Object> changes) {
    return token(ISSUER_ID, TestIssuer.AUDIENCE, changes);
  }

  @Test
  void anMfaUserTokenIsForwarded() throws Exception {
    String token = token(Map.of());
    HttpResponse<String> response = gateway.get(PATH, token);

    assertThat(response.statusCode()).as("body %s", response.body()).isEqualTo(200);
    assertThat(upstream.received()).singleElement()
        .satisfies(received -> assertThat(received.header("Authorization")).isEqualTo("Bearer " + token));
  }

  @Test
  void refusalsOfItsTokens() throws Exception {
    Refusals.assertRefusal(gateway.get(PATH, token(Map.of("amr", List.of("pwd")))), 401,
        "insufficient_user_authentication", "mfa_required");
    Refusals.assertRefusal(gateway.get(PATH, token(Map.of("scp", "", "idtyp", "app", "appid",
        TestConfigs.CPV_APP_ID))), 403, "insufficient_scope", "app_only_not_allowed");
    Refusals.assertRefusal(gateway.get(PATH, token(Map.of("tid", "11111111-2222-4333-8444-555555555555"))), 403,
        "invalid_token", "tenant_not_allowed");
    Refusals.assertRefusal(gateway.get(PATH, token(ISSUER_ID, RunningGateway.GRAPH, Map.of())), 401,
        "invalid_token", "wrong_audience");
    assertThat(upstream.received()).isEmpty();
  }

  /** The mock server signs each issuer's tokens with that issuer's own key, which the configured JWKS lacks. */
  @Test
  void aTokenOfAnIssuerNotConfiguredIsRefused() throws Exception {
    HttpResponse<String> response = gateway.get(PATH, token("other-issuer", TestIssuer.AUDIENCE, Map.of()));

    Refusals.assertRefusal(response, 401, "invalid_token", "unknown_key");
    assertThat(upstream.received()).isEmpty();
  }
}
