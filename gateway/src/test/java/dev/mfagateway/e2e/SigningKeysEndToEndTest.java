package dev.mfagateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.testing.TestIssuer;
import dev.mfagateway.testing.TestIssuer.JwksMode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Signing keys as the real gateway fetches them from a real JWKS endpoint (SPEC §8 "Signing keys"): nothing passes
 * before the first good fetch, rotation without a burst of 401s, stale keys serving through an outage, and a flood of
 * unknown `kid`s costing at most a couple of fetches.
 */
class SigningKeysEndToEndTest {
  private static final String PATH = "/v1/customers";
  private static final Duration WAIT = Duration.ofSeconds(15);

  private final TestIssuer issuer = TestIssuer.start();
  private final Tokens tokens = new Tokens(issuer);
  private RecordingServer upstream;
  private RunningGateway gateway;

  private void startGateway() throws Exception {
    upstream = new RecordingServer("{}");
    gateway = RunningGateway.start(RunningGateway.config(issuer.jwksUri(), RunningGateway.routes(upstream.uri())));
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (gateway != null) {
      gateway.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    issuer.close();
  }

  @ParameterizedTest
  @EnumSource(value = JwksMode.class, names = {"SERVER_ERROR", "EMPTY", "GARBAGE", "HUGE"})
  void keysUnavailableUntilTheFirstGoodFetchThenServing(JwksMode failure) throws Exception {
    issuer.respondWith(failure);
    startGateway();

    assertThat(gateway.readyz()).isEqualTo(503);
    HttpResponse<String> refused = gateway.get(PATH, tokens.valid());
    Refusals.assertRefusal(refused, 503, Refusals.NO_CHALLENGE, "keys_unavailable");
    assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(
        seconds -> assertThat(Integer.parseInt(seconds)).isPositive());
    assertThat(upstream.received()).isEmpty();

    int fetchesSoFar = issuer.fetchCount();
    issuer.respondWith(JwksMode.NORMAL);
    assertThat(issuer.awaitFetchCount(fetchesSoFar + 1, WAIT)).as("the gateway retries the fetch").isTrue();
    assertThat(readyWithin(200)).isTrue();
    assertThat(gateway.get(PATH, tokens.valid()).statusCode()).isEqualTo(200);
    assertThat(upstream.received()).hasSize(1);
  }

  @Test
  void rotatedKeyPassesAfterOneRefreshWithoutA401Burst() throws Exception {
    startGateway();
    String oldKeyToken = tokens.valid();
    assertThat(gateway.get(PATH, oldKeyToken).statusCode()).isEqualTo(200);
    int fetchesBefore = issuer.fetchCount();

    issuer.rotate();
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String jti = "rotated-" + i;
      responses.add(gateway.sendAsync(gateway.request(PATH, List.of("Bearer " + tokens.user(c -> c.put("jti", jti))))));
    }

    for (CompletableFuture<HttpResponse<String>> response : responses) {
      assertThat(response.get().statusCode()).as("body %s", response.get().body()).isEqualTo(200);
    }
    assertThat(issuer.fetchCount() - fetchesBefore).as("fetches for the new kid").isEqualTo(1);
    assertThat(gateway.get(PATH, oldKeyToken).statusCode()).as("the old key is still published").isEqualTo(200);
    assertThat(upstream.received()).hasSize(22);
  }

  @Test
  void staleKeysKeepServingThroughAnOutage() throws Exception {
    startGateway();
    int fetchesBefore = issuer.fetchCount();
    issuer.respondWith(JwksMode.SERVER_ERROR);

    String unknownKid = TestIssuer.mint(issuer.header().keyID(UUID.randomUUID().toString()).build(),
        Tokens.json(TestIssuer.userClaims(Instant.now())), issuer.signingKey());
    Refusals.assertRefusal(gateway.get(PATH, unknownKid), 401, "invalid_token", "unknown_key");
    assertThat(issuer.fetchCount()).as("the unknown kid asked the key source, which failed")
        .isGreaterThan(fetchesBefore);

    assertThat(gateway.get(PATH, tokens.user(c -> c.put("jti", "after-outage"))).statusCode()).isEqualTo(200);
    assertThat(gateway.readyz()).isEqualTo(200);
    assertThat(upstream.received()).hasSize(1);
  }

  @Test
  void aFloodOfUnknownKidsCostsAtMostACoupleOfFetches() throws Exception {
    startGateway();
    int fetchesBefore = issuer.fetchCount();
    String claims = Tokens.json(TestIssuer.userClaims(Instant.now()));

    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String token = TestIssuer.mint(issuer.header().keyID(UUID.randomUUID().toString()).build(), claims,
          issuer.signingKey());
      responses.add(gateway.sendAsync(gateway.request(PATH, List.of("Bearer " + token))));
    }

    for (CompletableFuture<HttpResponse<String>> response : responses) {
      Refusals.assertRefusal(response.get(), 401, "invalid_token", "unknown_key");
    }
    assertThat(issuer.fetchCount() - fetchesBefore).isBetween(1, 2);
    assertThat(upstream.received()).isEmpty();
  }

  /** Bounded wait for `/readyz` once the JWKS endpoint has answered well: the gateway still has to read the answer. */
  private boolean readyWithin(int attempts) throws Exception {
    for (int attempt = 0; attempt < attempts; attempt++) {
      if (gateway.readyz() == 200) {
        return true;
      }
    }
    return false;
  }
}
