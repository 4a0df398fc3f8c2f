package dev.mfagateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.config.AuthConfig;
import dev.mfagateway.config.Mode;
import dev.mfagateway.config.RouteConfig;
import dev.mfagateway.config.SignatureMode;
import dev.mfagateway.testing.MutableClock;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The verified-token cache through the {@link Authenticator}: hits, expiry at `exp`, key removal, bounds. */
class VerifiedTokensTest {
  static final RouteConfig ROUTE = TestConfigs.route();

  final TestIssuer issuer = TestIssuer.start();
  final MutableClock clock = MutableClock.atNow();
  SigningKeys keys;
  VerifiedTokens cache;
  private Authenticator authenticator;

  @BeforeEach
  void start() throws Exception {
    startWithCapacity(1000);
  }

  void startWithCapacity(long maxEntries) throws Exception {
    if (keys != null) {
      keys.close();
    }
    AuthConfig config = TestConfigs.auth(issuer.jwksUri());
    keys = new SigningKeys(config, clock);
    keys.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
    cache = new VerifiedTokens(maxEntries, keys, clock);
    authenticator = new Authenticator(config, keys, cache, clock);
  }

  @AfterEach
  void stop() {
    keys.close();
    issuer.close();
  }

  /** The connection each request comes on: a new one every time here, one for all in the subclass. */
  LastVerifiedToken connection() {
    return new LastVerifiedToken();
  }

  Decision decide(String token, RouteConfig route) throws Exception {
    return decide(token, route, connection());
  }

  Decision decide(String token, RouteConfig route, LastVerifiedToken connection) throws Exception {
    return authenticator.authenticate(List.of("Bearer " + token), "/", route, connection).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void aSecondRequestWithTheSameTokenIsAHit() throws Exception {
    String token = issuer.mint(TestIssuer.userClaims(clock.instant()));
    assertThat(decide(token, ROUTE).verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(decide(token, ROUTE).verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(cache.stats()).isEqualTo(new VerifiedTokens.Stats(1, 1, 0, 1));
  }

  @Test
  void anEntryExpiresAtTheTokensExp() throws Exception {
    Map<String, Object> claims = TestIssuer.userClaims(clock.instant());
    claims.put("exp", clock.instant().getEpochSecond() + 120);
    String token = issuer.mint(claims);
    decide(token, ROUTE);

    clock.advance(Duration.ofSeconds(119));
    assertThat(decide(token, ROUTE).verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(cache.stats().hits()).isEqualTo(1);

    clock.advance(Duration.ofSeconds(1));
    assertThat(decide(token, ROUTE).verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(cache.stats().hits()).isEqualTo(1);
    assertThat(cache.stats().misses()).isEqualTo(2);

    clock.advance(Duration.ofSeconds(60));
    assertThat(decide(token, ROUTE).reason()).isEqualTo(Reason.EXPIRED);
  }

  @Test
  void theCacheHoldsClaimsNotVerdicts() throws Exception {
    Map<String, Object> claims = TestIssuer.userClaims(clock.instant());
    claims.put("amr", List.of("pwd"));
    String token = issuer.mint(claims);
    RouteConfig noMfa = TestConfigs.route(Mode.ENFORCE, false, true, SignatureMode.VERIFY);

    assertThat(decide(token, noMfa).verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(decide(token, ROUTE).reason()).isEqualTo(Reason.MFA_REQUIRED);
    assertThat(cache.stats().hits()).isEqualTo(1);
  }

  @Test
  void anEntryStopsCountingOnceItsKeyLeftTheJwks() throws Exception {
    String oldToken = issuer.mint(TestIssuer.userClaims(clock.instant()));
    assertThat(decide(oldToken, ROUTE).verdict()).isEqualTo(Verdict.ALLOW);

    var oldKey = issuer.signingKey();
    issuer.rotate();
    issuer.retire(oldKey);
    assertThat(decide(issuer.mint(TestIssuer.userClaims(clock.instant())), ROUTE).verdict())
        .isEqualTo(Verdict.ALLOW);
    assertThat(keys.keyCount()).isEqualTo(1);

    assertThat(decide(oldToken, ROUTE).reason()).isEqualTo(Reason.UNKNOWN_KEY);
    assertThat(cache.stats().hits()).isZero();
  }

  @Test
  void anUnchangedKeyKeepsItsEntriesAcrossRefreshes() throws Exception {
    String token = issuer.mint(TestIssuer.userClaims(clock.instant()));
    decide(token, ROUTE);
    issuer.rotate();
    decide(issuer.mint(TestIssuer.userClaims(clock.instant())), ROUTE);

    assertThat(decide(token, ROUTE).verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(cache.stats().hits()).isEqualTo(1);
  }

  @Test
  void claimsOnlyTokensAreNeverCached() throws Exception {
    RouteConfig claimsOnly = TestConfigs.route(Mode.ENFORCE, true, true, SignatureMode.CLAIMS_ONLY);
    String token = issuer.mint(TestIssuer.userClaims(clock.instant()));
    assertThat(decide(token, claimsOnly).verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(cache.stats().size()).isZero();
  }

  @Test
  void theCacheIsBoundedInEntries() throws Exception {
    startWithCapacity(3);
    for (int i = 0; i < 10; i++) {
      Map<String, Object> claims = TestIssuer.userClaims(clock.instant());
      claims.put("jti", "token-" + i);
      assertThat(decide(issuer.mint(claims), ROUTE).verdict()).isEqualTo(Verdict.ALLOW);
    }
    assertThat(cache.stats().size()).isLessThanOrEqualTo(3);
    assertThat(cache.stats().removals()).isGreaterThanOrEqualTo(7);
  }

  @Test
  void theHashIsOfTheExactString() {
    assertThat(VerifiedTokens.hash("a.b.c", 0)).isEqualTo(VerifiedTokens.hash("a.b.c", 0));
    assertThat(VerifiedTokens.hash("a.b.c", 0)).isNotEqualTo(VerifiedTokens.hash("a.b.d", 0));
    String longToken = "x".repeat(1500) + ".y.z";
    assertThat(VerifiedTokens.hash(longToken, 0)).isNotEqualTo(VerifiedTokens.hash("x".repeat(1499) + "w.y.z", 0));
  }

  @Test
  void theKeyIsTheSha256OfTheExactTokenAcrossChunks() throws Exception {
    String token = issuer.mint(TestIssuer.userClaims(clock.instant()));
    assertThat(token.length()).isGreaterThan(512);
    byte[] sha256 = MessageDigest.getInstance("SHA-256")
        .digest(token.getBytes(StandardCharsets.US_ASCII));
    ByteBuffer words = ByteBuffer.wrap(sha256);
    VerifiedTokens.TokenHash expected =
        new VerifiedTokens.TokenHash(words.getLong(), words.getLong(), words.getLong(), words.getLong());
    assertThat(VerifiedTokens.hash(token, 0)).isEqualTo(expected);
    assertThat(VerifiedTokens.hash("Bearer " + token, 7)).isEqualTo(expected);
    assertThat(VerifiedTokens.hash(token + "A", 0)).isNotEqualTo(expected);
  }
}
