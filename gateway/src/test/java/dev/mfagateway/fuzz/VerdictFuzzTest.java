package dev.mfagateway.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import dev.mfagateway.auth.Authenticator;
import dev.mfagateway.auth.CryptoProviders;
import dev.mfagateway.auth.Decision;
import dev.mfagateway.auth.Reason;
import dev.mfagateway.auth.SigningKeys;
import dev.mfagateway.auth.ValidationRecorder;
import dev.mfagateway.auth.Verdict;
import dev.mfagateway.auth.VerifiedTokens;
import dev.mfagateway.config.AuthConfig;
import dev.mfagateway.config.Mode;
import dev.mfagateway.config.RouteConfig;
import dev.mfagateway.config.SignatureMode;
import dev.mfagateway.testing.MutableClock;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The verdict on arbitrary `Authorization` values and request targets, and on arbitrary claim sets signed by the
 * issuer's key: it always completes with a decision (never an unchecked exception), and an allow is always earned by
 * {@link EarnedAllow}'s independent statement of the rules. The issuer's JWKS is served once per class on loopback; the
 * clock stands still and the token cache is off, so a verdict depends on the input alone.
 */
class VerdictFuzzTest {
  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  private static final RSAKey ATTACKER_KEY = TestIssuer.newKey();
  private static final String[] TARGETS = {"/", "/v1/customers", "/x?access_token=abc", "/x?a=access_token", "*"};

  private static TestIssuer issuer;
  private static RSAKey previous;
  private static AuthConfig config;
  private static SigningKeys keys;
  private static Authenticator authenticator;
  private static EarnedAllow earned;
  private static List<RouteConfig> routes;

  @BeforeAll
  static void start() throws Exception {
    issuer = TestIssuer.start();
    previous = issuer.signingKey();
    issuer.rotate();
    config = TestConfigs.auth(issuer.jwksUri());
    MutableClock clock = new MutableClock(NOW);
    keys = new SigningKeys(config, clock);
    keys.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(keys.keyCount()).isEqualTo(2);
    authenticator = new Authenticator(config, keys, new VerifiedTokens(0, keys, clock), CryptoProviders.select(),
        clock, ValidationRecorder.NONE);
    earned = new EarnedAllow(new JWKSet(List.of(previous.toPublicJWK(), issuer.signingKey().toPublicJWK())), config);
    routes = List.of(
        TestConfigs.route(),
        TestConfigs.route(Mode.ENFORCE, false, true, SignatureMode.VERIFY),
        TestConfigs.route(Mode.ENFORCE, true, false, SignatureMode.VERIFY),
        TestConfigs.route(Mode.REPORT_ONLY, true, true, SignatureMode.VERIFY));
  }

  @AfterAll
  static void stop() {
    keys.close();
    issuer.close();
  }

  /** Up to three `Authorization` values: fuzzed text, or `Bearer` and a valid token cut, spliced or altered. */
  @FuzzTest(maxDuration = "2m")
  void headerValues(FuzzedDataProvider data) {
    JwksConnections.allow(issuer.jwksUri().getPort());
    RouteConfig route = data.pickValue(routes);
    String target = data.consumeBoolean() ? data.pickValue(TARGETS) : data.consumeString(30);
    int count = data.consumeInt(0, 3);
    List<String> values = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      values.add(data.consumeBoolean() ? data.consumeString(200) : bearerAround(data));
    }
    check(values, target, route);
  }

  /** One `Bearer` value holding a claim set (fuzzed, or arbitrary payload text) signed by a published key. */
  @FuzzTest(maxDuration = "2m")
  void signedClaimSets(FuzzedDataProvider data) {
    JwksConnections.allow(issuer.jwksUri().getPort());
    RouteConfig route = data.pickValue(routes);
    RSAKey key = data.pickValue(List.of(issuer.signingKey(), previous, ATTACKER_KEY));
    String payload = data.consumeBoolean() ? data.consumeString(300) : Tokens.json(Tokens.claims(data, NOW));
    String token = TestIssuer.mint(issuer.header().keyID(key.getKeyID()).build(), payload, key);
    check(List.of(data.pickValue(List.of("Bearer ", "bearer  ", "BEARER ")) + token), "/", route);
  }

  private String bearerAround(FuzzedDataProvider data) {
    Map<String, Object> claims = Tokens.claims(data, NOW);
    String token = issuer.mint(claims);
    String scheme = data.consumeBoolean() ? "Bearer " : data.consumeString(10);
    switch (data.consumeInt(0, 3)) {
      case 0: return scheme + token;
      case 1: return scheme + token.substring(0, data.consumeInt(0, token.length()));
      case 2: {
        int at = data.consumeInt(0, token.length() - 1);
        return scheme + token.substring(0, at) + data.consumeString(4) + token.substring(at + 1);
      }
      default: return scheme + token + data.consumeString(20);
    }
  }

  private static void check(List<String> values, String target, RouteConfig route) {
    Decision decision;
    try {
      decision = authenticator.authenticate(values, target, route).toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the verdict did not complete normally", e);
    }
    assertThat(decision).isNotNull();
    assertThat(decision.reason()).isNotNull();
    if (decision.verdict() == Verdict.ALLOW || decision.reason() == Reason.OK) {
      Optional<String> broken = earned.brokenRule(values, target, route, NOW);
      assertThat(broken).as("an allow on route %s that breaks a rule", route.name()).isEmpty();
    }
    if (route.mode() == Mode.ENFORCE && decision.verdict() != Verdict.DENY) {
      assertThat(decision.verdict()).isEqualTo(Verdict.ALLOW);
    }
  }
}
