package dev.mfagateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import dev.mfagateway.testing.FaultServer;
import dev.mfagateway.testing.FaultServer.Fault;
import dev.mfagateway.testing.Poll;
import dev.mfagateway.testing.TestIssuer;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The fault matrix of the key source (docs/fault-matrix.md, "JWKS"): a JWKS endpoint that is slow, fails, answers
 * garbage or 10 MiB, drops a key, or whose host does not resolve. In each: the status SPEC §8 names, a probe on another
 * connection answering promptly while the fault lasts (one event loop), and recovery once the endpoint is healthy
 * again, without a restart. Leaks fail the class through {@link dev.mfagateway.NettyLeakCheck}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JwksFaultsTest {
  private static final String PATH = "/v1/customers";
  private static final Duration WAIT = Duration.ofSeconds(15);
  /** `auth.jwks-fetch-timeout` here: longer than {@link PromptProbe#BOUND}, so a probe during a fetch proves it. */
  private static final String SHORT_TIMEOUTS = """
      gateway.server.event-loop-threads = 1
      gateway.auth.jwks-fetch-timeout = 2s
      gateway.auth.jwks-min-refresh-interval = 100ms
      """;

  private final TestIssuer issuer = TestIssuer.start();
  private final Tokens tokens = new Tokens(issuer);
  private FaultServer jwks;
  private RecordingServer upstream;
  private RunningGateway gateway;

  private void startGateway(URI jwksUri, String settings) throws Exception {
    upstream = new RecordingServer("{}");
    gateway = RunningGateway.start(
        RunningGateway.config(jwksUri, RunningGateway.routes(upstream.uri())) + SHORT_TIMEOUTS + settings);
  }

  private URI faultyJwks(Fault fault) throws Exception {
    jwks = FaultServer.start(issuer::jwksJson);
    jwks.fault(fault);
    return jwks.uri().resolve("/keys");
  }

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    if (jwks != null) {
      jwks.close();
    }
    issuer.close();
  }

  /** The `outcome` of `mfa_gateway_jwks_fetches_total` each fault is counted as. */
  private static String outcomeOf(Fault fault) {
    return switch (fault) {
      case SILENT -> "timeout";
      case SERVER_ERROR -> "unreachable";
      case GARBAGE_BODY, HUGE_BODY -> "invalid";
      default -> throw new IllegalArgumentException(fault.toString());
    };
  }

  @ParameterizedTest
  @EnumSource(value = Fault.class, names = {"SILENT", "SERVER_ERROR", "GARBAGE_BODY", "HUGE_BODY"})
  void aFailingKeySourceIsSurvivedBeforeAndAfterKeysLoadedAndRecoveredFrom(Fault fault) throws Exception {
    String outcome = "outcome=\"" + outcomeOf(fault) + "\"";
    startGateway(faultyJwks(fault), "");

    // No good fetch yet: 503 keys_unavailable at once, while the retry is in flight.
    assertThat(jwks.awaitRequests(2, WAIT)).as("the failed first fetch is retried").isTrue();
    assertKeysUnavailablePromptly();
    assertThat(gateway.metric("mfa_gateway_jwks_fetches_total", outcome)).isGreaterThanOrEqualTo(1);

    // Healthy again: keys load on the next retry, without a restart.
    jwks.heal();
    Poll.until("/readyz 200 once the key source is healthy", WAIT, () -> gateway.readyz() == 200);
    String cachedToken = tokens.valid();
    assertThat(gateway.get(PATH, cachedToken).statusCode()).isEqualTo(200);

    // Failing again with keys loaded: an unknown kid waits for the failing fetch, then 401 unknown_key; a cached token
    // on another connection passes meanwhile, and the last good keys keep serving.
    jwks.fault(fault);
    double failuresBefore = gateway.metric("mfa_gateway_jwks_fetches_total", outcome);
    RSAKey oldKey = issuer.signingKey();
    issuer.rotate();
    String newKeyToken = tokens.valid();
    int fetchesBefore = jwks.requests();
    CompletableFuture<HttpResponse<String>> unknownKid =
        gateway.sendAsync(gateway.request(PATH, List.of("Bearer " + newKeyToken)));
    assertThat(jwks.awaitRequests(fetchesBefore + 1, WAIT)).as("the unknown kid asks the key source").isTrue();
    assertThat(PromptProbe.request(gateway, PATH, cachedToken).status()).isEqualTo(200);
    PromptProbe.healthz(gateway);
    if (fault == Fault.SILENT) {
      assertThat(unknownKid).as("still waiting for the silent key source").isNotDone();
    }
    Refusals.assertRefusal(unknownKid.get(WAIT.toSeconds(), TimeUnit.SECONDS), 401, "invalid_token", "unknown_key");
    assertThat(gateway.metric("mfa_gateway_jwks_fetches_total", outcome)).isGreaterThan(failuresBefore);
    String uncachedOldKeyToken = TestIssuer.mint(issuer.header().keyID(oldKey.getKeyID()).build(),
        Tokens.json(TestIssuer.userClaims(Instant.now())), oldKey);
    assertThat(gateway.get(PATH, uncachedOldKeyToken).statusCode()).as("the old key still serves").isEqualTo(200);
    assertThat(gateway.readyz()).isEqualTo(200);

    // Healthy again: the new key is fetched on demand.
    jwks.heal();
    Poll.until("the new key passes", WAIT, () -> gateway.get(PATH, newKeyToken).statusCode() == 200);
  }

  @Test
  void tokensOfAKeyRemovedFromTheJwksStopPassingEvenWhenCached() throws Exception {
    startGateway(faultyJwks(Fault.HEALTHY), "gateway.auth.jwks-refresh-interval = 300ms\n");
    RSAKey removed = issuer.signingKey();
    String token = tokens.valid();
    try (KeepAliveConnection connection = new KeepAliveConnection(gateway.address())) {
      assertThat(connection.get(PATH, "Bearer " + token).status()).isEqualTo(200);
      long hits = gateway.tokenCacheHits();
      assertThat(gateway.get(PATH, token).statusCode()).isEqualTo(200);
      assertThat(gateway.tokenCacheHits()).as("the token is cached").isGreaterThan(hits);

      issuer.rotate();
      issuer.retire(removed);
      int fetchesBefore = jwks.requests();
      assertThat(jwks.awaitRequests(fetchesBefore + 1, WAIT)).as("the periodic refresh").isTrue();
      Poll.until("the removed key's token is refused on its keep-alive connection", WAIT,
          () -> connection.get(PATH, "Bearer " + token).status() != 200);

      KeepAliveConnection.Response sameConnection = connection.get(PATH, "Bearer " + token);
      assertThat(sameConnection.status()).isEqualTo(401);
      assertThat(sameConnection.body()).contains("\"reason\":\"unknown_key\"");
    }
    Refusals.assertRefusal(gateway.get(PATH, token), 401, "invalid_token", "unknown_key");
    int forwarded = upstream.received().size();
    assertThat(PromptProbe.request(gateway, PATH, tokens.valid()).status()).as("the new key's token").isEqualTo(200);
    assertThat(upstream.received()).hasSize(forwarded + 1);
  }

  @Test
  void anUnresolvableJwksHostIsKeysUnavailableAndKeepsBeingRetried() throws Exception {
    startGateway(URI.create("http://nonexistent.invalid/keys"), "");

    assertThat(gateway.metric("mfa_gateway_jwks_fetches_total", "outcome=\"unreachable\"")).isEqualTo(1);
    assertKeysUnavailablePromptly();
    Poll.until("the fetch is retried", WAIT,
        () -> gateway.metric("mfa_gateway_jwks_fetches_total", "outcome=\"unreachable\"") >= 2);
    assertThat(upstream.received()).isEmpty();
  }

  /** No keys yet: a valid token is refused 503 `keys_unavailable` with `Retry-After`, at once; `/healthz` answers. */
  private void assertKeysUnavailablePromptly() throws Exception {
    long started = System.nanoTime();
    HttpResponse<String> refused = gateway.get(PATH, tokens.valid());
    assertThat(PromptProbe.since(started)).isLessThan(PromptProbe.BOUND);
    Refusals.assertRefusal(refused, 503, Refusals.NO_CHALLENGE, "keys_unavailable");
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    PromptProbe.healthz(gateway);
    assertThat(gateway.readyz()).isEqualTo(503);
  }
}
