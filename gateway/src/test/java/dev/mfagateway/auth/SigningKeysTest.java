package dev.mfagateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.sun.net.httpserver.HttpServer;
import dev.mfagateway.config.AuthConfig;
import dev.mfagateway.config.Mode;
import dev.mfagateway.config.SignatureMode;
import dev.mfagateway.config.RouteConfig;
import dev.mfagateway.testing.MutableClock;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import dev.mfagateway.testing.TestIssuer.JwksMode;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Signing keys through the {@link Authenticator} against a real JWKS endpoint: 503 before keys, rotation, outage with
 * stale keys, hostile JWKS responses, kid floods (fetches counted at the server), waiting for a fetch in flight.
 */
class SigningKeysTest {
  private static final RouteConfig ROUTE = TestConfigs.route();

  private final TestIssuer issuer = TestIssuer.start();
  private final MutableClock clock = MutableClock.atNow();
  private final List<SigningKeys.FetchOutcome> outcomes = new CopyOnWriteArrayList<>();
  private SigningKeys keys;
  private Authenticator authenticator;

  @AfterEach
  void stop() {
    if (keys != null) {
      keys.close();
    }
    issuer.close();
  }

  private void startGateway(AuthConfig config) throws Exception {
    keys = new SigningKeys(config, clock);
    keys.setListener(outcomes::add);
    keys.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
    authenticator = new Authenticator(config, keys, new VerifiedTokens(1000, keys, clock), clock);
  }

  private void startGateway() throws Exception {
    startGateway(TestConfigs.auth(issuer.jwksUri()));
  }

  private Decision decide(String token) throws Exception {
    return authenticator.authenticate(List.of("Bearer " + token), "/", ROUTE).toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  private String token() {
    return issuer.mint(TestIssuer.userClaims(clock.instant()));
  }

  private String tokenWithKid(String kid) {
    return TestIssuer.mint(issuer.header().keyID(kid).build(),
        JSONObjectUtils.toJSONString(TestIssuer.userClaims(clock.instant())), issuer.signingKey());
  }

  /** Completes at the next fetch outcome the listener hears of. */
  private CompletableFuture<SigningKeys.FetchOutcome> nextOutcome() {
    return nextOutcome(outcome -> true);
  }

  /** Completes at the next fetch outcome that matches. */
  private CompletableFuture<SigningKeys.FetchOutcome> nextOutcome(Predicate<SigningKeys.FetchOutcome> wanted) {
    CompletableFuture<SigningKeys.FetchOutcome> next = new CompletableFuture<>();
    keys.setListener(outcome -> {
      outcomes.add(outcome);
      if (wanted.test(outcome)) {
        next.complete(outcome);
      }
    });
    return next;
  }

  @Test
  void refusesWith503BeforeTheFirstGoodFetchThenServesOnceTheRetrySucceeds() throws Exception {
    issuer.respondWith(JwksMode.SERVER_ERROR);
    startGateway();
    assertThat(keys.isReady()).isFalse();
    assertThat(keys.lastSuccessAge()).isEmpty();
    assertThat(decide(token()).reason()).isEqualTo(Reason.KEYS_UNAVAILABLE);
    assertThat(Reason.KEYS_UNAVAILABLE.status()).isEqualTo(503);
    RouteConfig reportOnly = TestConfigs.route(Mode.REPORT_ONLY, true, true, SignatureMode.VERIFY);
    Decision recorded = authenticator.authenticate(List.of("Bearer " + token()), "/", reportOnly)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(recorded.verdict()).isEqualTo(Verdict.WOULD_DENY);
    assertThat(recorded.reason()).isEqualTo(Reason.KEYS_UNAVAILABLE);

    CompletableFuture<SigningKeys.FetchOutcome> retry = nextOutcome(SigningKeys.FetchOutcome.SUCCESS::equals);
    issuer.respondWith(JwksMode.NORMAL);
    assertThat(retry.get(60, TimeUnit.SECONDS)).isEqualTo(SigningKeys.FetchOutcome.SUCCESS);
    assertThat(keys.isReady()).isTrue();
    assertThat(decide(token()).verdict()).isEqualTo(Verdict.ALLOW);
  }

  @Test
  void anEmptyJwksNeverLetsATokenThrough() throws Exception {
    issuer.respondWith(JwksMode.EMPTY);
    startGateway();
    assertThat(outcomes).isNotEmpty().containsOnly(SigningKeys.FetchOutcome.EMPTY);
    assertThat(keys.isReady()).isFalse();
    assertThat(decide(token()).reason()).isEqualTo(Reason.KEYS_UNAVAILABLE);
  }

  @Test
  void aRotatedKeyIsFetchedOnItsFirstTokenWithoutA401() throws Exception {
    startGateway();
    assertThat(decide(token()).verdict()).isEqualTo(Verdict.ALLOW);
    int fetches = issuer.fetchCount();

    issuer.rotate();
    assertThat(decide(token()).verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(issuer.fetchCount()).isEqualTo(fetches + 1);
    assertThat(keys.keyCount()).isEqualTo(2);
  }

  @Test
  void keepsServingTheLastGoodKeysWhileTheSourceIsDown() throws Exception {
    startGateway();
    String known = token();
    issuer.respondWith(JwksMode.SERVER_ERROR);

    assertThat(decide(tokenWithKid("unknown-" + UUID.randomUUID())).reason()).isEqualTo(Reason.UNKNOWN_KEY);
    assertThat(outcomes).endsWith(SigningKeys.FetchOutcome.HTTP_ERROR);
    assertThat(keys.isReady()).isTrue();
    assertThat(decide(known).verdict()).isEqualTo(Verdict.ALLOW);

    clock.advance(Duration.ofMinutes(10));
    assertThat(keys.lastSuccessAge()).contains(Duration.ofMinutes(10));
  }

  @ParameterizedTest
  @EnumSource(value = JwksMode.class, names = {"GARBAGE", "EMPTY", "HUGE", "HUGE_DECLARED", "SERVER_ERROR"})
  void aBadJwksResponseKeepsTheLastGoodKeys(JwksMode mode) throws Exception {
    startGateway();
    String known = token();
    issuer.respondWith(mode);
    CompletableFuture<SigningKeys.FetchOutcome> outcome = nextOutcome();

    assertThat(decide(tokenWithKid("unknown-" + UUID.randomUUID())).reason()).isEqualTo(Reason.UNKNOWN_KEY);
    assertThat(outcome.get(10, TimeUnit.SECONDS)).isEqualTo(switch (mode) {
      case GARBAGE -> SigningKeys.FetchOutcome.UNPARSABLE;
      case EMPTY -> SigningKeys.FetchOutcome.EMPTY;
      case HUGE, HUGE_DECLARED -> SigningKeys.FetchOutcome.TOO_LARGE;
      default -> SigningKeys.FetchOutcome.HTTP_ERROR;
    });
    assertThat(keys.keyCount()).isEqualTo(1);
    assertThat(decide(known).verdict()).isEqualTo(Verdict.ALLOW);
  }

  @Test
  void aFloodOfRandomKidsCausesOneFetchPerMinimumInterval() throws Exception {
    startGateway();
    assertThat(issuer.fetchCount()).isEqualTo(1);

    assertThat(flood(200)).allMatch(decision -> decision.reason() == Reason.UNKNOWN_KEY);
    assertThat(issuer.fetchCount()).isEqualTo(2);

    clock.advance(Duration.ofSeconds(29));
    assertThat(flood(200)).allMatch(decision -> decision.reason() == Reason.UNKNOWN_KEY);
    assertThat(issuer.fetchCount()).isEqualTo(2);

    clock.advance(Duration.ofSeconds(2));
    assertThat(flood(200)).allMatch(decision -> decision.reason() == Reason.UNKNOWN_KEY);
    assertThat(issuer.fetchCount()).isEqualTo(3);
  }

  private List<Decision> flood(int requests) throws Exception {
    List<CompletableFuture<Decision>> pending = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      pending.add(authenticator.authenticate(List.of("Bearer " + tokenWithKid(UUID.randomUUID().toString())), "/",
          ROUTE).toCompletableFuture());
    }
    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
    return pending.stream().map(CompletableFuture::join).toList();
  }

  @Test
  void aTokenWithANewKidWaitsForTheFetchInFlightWithoutBlocking() throws Exception {
    startGateway();
    issuer.rotate();
    issuer.respondWith(JwksMode.HOLD);

    CompletableFuture<Decision> waiting =
        authenticator.authenticate(List.of("Bearer " + token()), "/", ROUTE).toCompletableFuture();
    CompletableFuture<Decision> joining =
        authenticator.authenticate(List.of("Bearer " + token()), "/", ROUTE).toCompletableFuture();
    assertThat(waiting).isNotDone();
    assertThat(joining).isNotDone();

    issuer.releaseHeld();
    assertThat(waiting.get(10, TimeUnit.SECONDS).verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(joining.get(10, TimeUnit.SECONDS).verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(issuer.fetchCount()).isEqualTo(2);
  }

  @Test
  void aSlowJwksGivesUpAfterTheFetchTimeoutAndKeepsTheKeys() throws Exception {
    startGateway(TestConfigs.auth(issuer.jwksUri(), List.of(TestIssuer.V1_ISSUER), Duration.ofMillis(300)));
    String known = token();
    issuer.respondWith(JwksMode.HOLD);
    CompletableFuture<SigningKeys.FetchOutcome> outcome = nextOutcome();

    long start = System.nanoTime();
    assertThat(decide(tokenWithKid("unknown")).reason()).isEqualTo(Reason.UNKNOWN_KEY);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
    assertThat(outcome.get(10, TimeUnit.SECONDS)).isEqualTo(SigningKeys.FetchOutcome.TIMEOUT);
    assertThat(decide(known).verdict()).isEqualTo(Verdict.ALLOW);
  }

  @Test
  void aKeyWithAnIssuerMemberBindsTheTokensIssuer() throws Exception {
    issuer.setKeyIssuer(issuer.signingKey(), TestIssuer.V2_ISSUER);
    startGateway();
    Map<String, Object> v1 = TestIssuer.userClaims(clock.instant());
    Map<String, Object> v2 = TestIssuer.userClaims(clock.instant());
    v2.put("iss", TestIssuer.V2_ISSUER.replace("{tenantid}", TestIssuer.TENANT));

    assertThat(decide(issuer.mint(v1)).reason()).isEqualTo(Reason.WRONG_ISSUER);
    assertThat(decide(issuer.mint(v2)).verdict()).isEqualTo(Verdict.ALLOW);
  }

  @Test
  void neverFetchesHeaderUrlsNorTrustsEmbeddedKeys() throws Exception {
    AtomicInteger canaryHits = new AtomicInteger();
    HttpServer canary = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    canary.createContext("/", exchange -> {
      canaryHits.incrementAndGet();
      exchange.sendResponseHeaders(500, -1);
      exchange.close();
    });
    canary.start();
    try {
      startGateway();
      URI canaryUri = URI.create("http://127.0.0.1:" + canary.getAddress().getPort() + "/jwks");
      RSAKey attacker = TestIssuer.newKey();
      String claims = JSONObjectUtils.toJSONString(TestIssuer.userClaims(clock.instant()));
      String viaJku = TestIssuer.mint(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(attacker.getKeyID())
          .jwkURL(canaryUri).x509CertURL(canaryUri).jwk(attacker.toPublicJWK()).build(), claims, attacker);
      String knownKidForged = TestIssuer.mint(issuer.header().jwkURL(canaryUri).x509CertURL(canaryUri)
          .jwk(attacker.toPublicJWK()).build(), claims, attacker);

      assertThat(decide(viaJku).reason()).isEqualTo(Reason.UNKNOWN_KEY);
      assertThat(decide(knownKidForged).reason()).isEqualTo(Reason.BAD_SIGNATURE);
      assertThat(canaryHits.get()).isZero();
    } finally {
      canary.stop(0);
    }
  }

  @Test
  void refreshesEveryRefreshInterval() throws Exception {
    AuthConfig base = TestConfigs.auth(issuer.jwksUri());
    AuthConfig everyFewMillis = new AuthConfig(base.jwksUri(), base.issuers(), base.allowedTenants(), base.algorithms(),
        base.clockSkew(), base.requireMfa(), base.mfaValues(), base.cpvAppIds(), base.allowAppOnly(),
        Duration.ofMillis(200), base.jwksMinRefreshInterval(), base.jwksFetchTimeout(), base.tokenCacheMaxEntries(),
        base.jwksCaFile());
    startGateway(everyFewMillis);
    CompletableFuture<SigningKeys.FetchOutcome> rotationSeen = nextOutcome(outcome -> keys.keyCount() == 2);
    issuer.rotate();

    assertThat(rotationSeen.get(10, TimeUnit.SECONDS)).isEqualTo(SigningKeys.FetchOutcome.SUCCESS);
    assertThat(issuer.fetchCount()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void backoffDoublesFromOneSecondToThirty() {
    assertThat(List.of(1, 2, 3, 4, 5, 6, 7, 50).stream().map(SigningKeys::backoff).map(Duration::toSeconds))
        .containsExactly(1L, 2L, 4L, 8L, 16L, 30L, 30L, 30L);
  }
}
