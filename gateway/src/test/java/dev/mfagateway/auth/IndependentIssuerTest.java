package dev.mfagateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.config.AuthConfig;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tokens and JWKS from an independent issuer (mock-oauth2-server), not our own minting code, judged by the
 * {@link Authenticator} with the issuer's URL as the configured issuer.
 */
class IndependentIssuerTest {
  private static final String ISSUER_ID = "entra";
  private static MockOAuth2Server server;
  private static SigningKeys keys;
  private static Authenticator authenticator;

  @BeforeAll
  static void start() throws Exception {
    server = new MockOAuth2Server();
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    AuthConfig config = TestConfigs.auth(server.jwksUrl(ISSUER_ID).uri(),
        List.of(server.issuerUrl(ISSUER_ID).toString()), Duration.ofSeconds(5));
    Clock clock = Clock.systemUTC();
    keys = new SigningKeys(config, clock);
    keys.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
    authenticator = new Authenticator(config, keys, new VerifiedTokens(100, keys, clock), clock);
  }

  @AfterAll
  static void stop() {
    keys.close();
    server.shutdown();
  }

  private static String token(String audience, Map<String, Object> changes) {
    Map<String, Object> claims = new HashMap<>();
    claims.put("tid", TestIssuer.TENANT);
    claims.put("amr", List.of("pwd", "mfa"));
    claims.put("scp", "user_impersonation");
    claims.put("appid", TestIssuer.APP_ID);
    claims.putAll(changes);
    return server.issueToken(ISSUER_ID, "alice", audience, claims).serialize();
  }

  private static Decision decide(String token) throws Exception {
    return authenticator.authenticate(List.of("Bearer " + token), "/", TestConfigs.route()).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void anMfaUserTokenPasses() throws Exception {
    Decision decision = decide(token(TestIssuer.AUDIENCE, Map.of()));
    assertThat(decision.verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(decision.identity().tenantId()).isEqualTo(TestIssuer.TENANT);
  }

  @Test
  void aTokenWithoutMfaIsRefused() throws Exception {
    assertThat(decide(token(TestIssuer.AUDIENCE, Map.of("amr", List.of("pwd")))).reason())
        .isEqualTo(Reason.MFA_REQUIRED);
  }

  @Test
  void aCpvAppOnlyTokenIsRefused() throws Exception {
    assertThat(decide(token(TestIssuer.AUDIENCE, Map.of("scp", "", "idtyp", "app", "appid",
        TestConfigs.CPV_APP_ID))).reason()).isEqualTo(Reason.APP_ONLY_NOT_ALLOWED);
  }

  @Test
  void aForeignTenantIsRefused() throws Exception {
    assertThat(decide(token(TestIssuer.AUDIENCE, Map.of("tid", "11111111-2222-3333-4444-555555555555"))).reason())
        .isEqualTo(Reason.TENANT_NOT_ALLOWED);
  }

  @Test
  void anotherAudienceIsRefused() throws Exception {
    assertThat(decide(token("https://graph.microsoft.com", Map.of())).reason()).isEqualTo(Reason.WRONG_AUDIENCE);
  }

  @Test
  void anotherIssuersTokenIsRefused() throws Exception {
    String other = server.issueToken("other-issuer", "alice", TestIssuer.AUDIENCE,
        Map.of("tid", TestIssuer.TENANT, "amr", List.of("mfa"), "scp", "x")).serialize();
    assertThat(decide(other).reason()).isIn(Reason.UNKNOWN_KEY, Reason.WRONG_ISSUER);
  }
}
