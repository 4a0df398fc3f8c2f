package dev.mfagateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.util.Base64URL;
import dev.mfagateway.config.AuthConfig;
import dev.mfagateway.config.RouteConfig;
import dev.mfagateway.testing.MutableClock;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Parts whose base64url length leaves a lone character (which no encoder produces) are refused with the reason of the
 * step that decodes them, even when the signature covers them; never a 500.
 */
class TokenEncodingTest {
  private static final RouteConfig ROUTE = TestConfigs.route();

  private final TestIssuer issuer = TestIssuer.start();
  private final MutableClock clock = MutableClock.atNow();
  private SigningKeys keys;
  private Authenticator authenticator;

  @BeforeEach
  void start() throws Exception {
    AuthConfig config = TestConfigs.auth(issuer.jwksUri());
    keys = new SigningKeys(config, clock);
    keys.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
    authenticator = new Authenticator(config, keys, new VerifiedTokens(1000, keys, clock), clock);
  }

  @AfterEach
  void stop() {
    keys.close();
    issuer.close();
  }

  private Decision decide(String token) throws Exception {
    return authenticator.authenticate(List.of("Bearer " + token), "/", ROUTE).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  private String[] goodParts() {
    return issuer.mint(TestIssuer.userClaims(clock.instant())).split("\\.");
  }

  /** Signs exactly {@code header.payload}, whatever its encoding. */
  private String signed(String header, String payload) throws JOSEException {
    String input = header + "." + payload;
    Base64URL signature = new RSASSASigner(issuer.signingKey())
        .sign(issuer.header().build(), input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + signature;
  }

  /** A lone character beyond the last full group of the part. */
  private static String withLoneCharacter(String part) {
    return part + "A".repeat((4 - part.length() % 4) % 4) + "A";
  }

  @Test
  void theGoodTokenPasses() throws Exception {
    String[] parts = goodParts();
    assertThat(decide(signed(parts[0], parts[1])).verdict()).isEqualTo(Verdict.ALLOW);
  }

  @Test
  void aHeaderWithALoneCharacterIsMalformed() throws Exception {
    String[] parts = goodParts();
    Decision decision = decide(signed(withLoneCharacter(parts[0]), parts[1]));
    assertThat(decision.reason()).isEqualTo(Reason.MALFORMED_TOKEN);
  }

  @Test
  void aSignedPayloadWithALoneCharacterIsMalformed() throws Exception {
    String[] parts = goodParts();
    Decision decision = decide(signed(parts[0], withLoneCharacter(parts[1])));
    assertThat(decision.reason()).isEqualTo(Reason.MALFORMED_TOKEN);
  }

  @Test
  void aSignatureWithALoneCharacterIsABadSignature() throws Exception {
    String[] parts = goodParts();
    Decision decision = decide(parts[0] + "." + parts[1] + "." + withLoneCharacter(parts[2]));
    assertThat(decision.reason()).isEqualTo(Reason.BAD_SIGNATURE);
  }
}
