package dev.mfagateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.mfagateway.config.AuthConfig;
import dev.mfagateway.testing.MutableClock;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import java.security.Security;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The native RSA providers and the JDK fallback, each verifying real tokens through the {@link Authenticator}. */
class CryptoProvidersTest {
  private static TestIssuer issuer;
  private static SigningKeys keys;
  private static final MutableClock CLOCK = MutableClock.atNow();

  @BeforeAll
  static void start() throws Exception {
    issuer = TestIssuer.start();
    keys = new SigningKeys(TestConfigs.auth(issuer.jwksUri()), CLOCK);
    keys.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    keys.close();
    issuer.close();
  }

  @Test
  void autoPrefersTheCorrettoProviderOnLinuxX64() {
    CryptoProviders.Choice choice = CryptoProviders.select("auto");
    assertThat(choice.name()).isEqualTo("accp");
    assertThat(choice.provider()).get().extracting(p -> p.getName()).isEqualTo("AmazonCorrettoCryptoProvider");
  }

  @Test
  void theSystemPropertyForcesTheJdk() {
    String before = System.getProperty(CryptoProviders.PROPERTY);
    System.setProperty(CryptoProviders.PROPERTY, "jdk");
    try {
      assertThat(CryptoProviders.select().name()).isEqualTo("jdk");
      assertThat(CryptoProviders.select().provider()).isEmpty();
    } finally {
      if (before == null) {
        System.clearProperty(CryptoProviders.PROPERTY);
      } else {
        System.setProperty(CryptoProviders.PROPERTY, before);
      }
    }
  }

  @Test
  void anUnknownPreferenceIsAClearError() {
    assertThatThrownBy(() -> CryptoProviders.select("openssl"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(CryptoProviders.PROPERTY)
        .hasMessageContaining("auto, accp, conscrypt, jdk");
  }

  @Test
  void nothingIsInstalledGlobally() {
    CryptoProviders.select("auto");
    CryptoProviders.select("conscrypt");
    assertThat(Security.getProviders()).noneMatch(p -> p.getName().equals("AmazonCorrettoCryptoProvider")
        || p.getName().equals("Conscrypt"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"accp", "conscrypt", "jdk"})
  void eachProviderVerifiesAndRejects(String preference) throws Exception {
    CryptoProviders.Choice choice = CryptoProviders.select(preference);
    assertThat(choice.name()).isEqualTo(preference);
    AuthConfig config = TestConfigs.auth(issuer.jwksUri());
    Authenticator authenticator =
        new Authenticator(
            config, keys, new VerifiedTokens(100, keys, CLOCK), choice, CLOCK, ValidationRecorder.NONE);

    String good = issuer.mint(TestIssuer.userClaims(CLOCK.instant()));
    String forged = TestIssuer.mint(issuer.header().build(),
        JSONObjectUtils.toJSONString(TestIssuer.userClaims(CLOCK.instant())), TestIssuer.newKey());

    assertThat(decide(authenticator, good).verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(decide(authenticator, forged).reason()).isEqualTo(Reason.BAD_SIGNATURE);
  }

  private static Decision decide(Authenticator authenticator, String token) throws Exception {
    return authenticator.authenticate(List.of("Bearer " + token), "/", TestConfigs.route()).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }
}
