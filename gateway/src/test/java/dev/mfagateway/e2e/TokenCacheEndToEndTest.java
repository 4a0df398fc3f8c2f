package dev.mfagateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.testing.TestIssuer;
import java.net.http.HttpResponse;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A cached verdict never outlives the token: with no clock skew, the first request at or after `exp` is refused. */
class TokenCacheEndToEndTest {
  private static final long LIFETIME_SECONDS = 4;

  @Test
  void aCachedTokenIsRefusedFromItsExpiry() throws Exception {
    try (TestIssuer issuer = TestIssuer.start();
        RecordingServer upstream = new RecordingServer("{}");
        RunningGateway gateway = RunningGateway.start(
            RunningGateway.config(issuer.jwksUri(), RunningGateway.routes(upstream.uri()))
                + "gateway.auth.clock-skew = 0s\n")) {
      Tokens tokens = new Tokens(issuer);
      assertThat(gateway.get("/v1/customers", tokens.valid()).statusCode()).as("warm-up").isEqualTo(200);
      long expiresAtMillis = (Instant.now().getEpochSecond() + LIFETIME_SECONDS) * 1000;
      String token = tokens.user(claims -> claims.put("exp", expiresAtMillis / 1000));
      HttpResponse<String> first = gateway.get("/v1/customers", token);
      assertThat(first.statusCode()).as("body %s", first.body()).isEqualTo(200);

      HttpResponse<String> response = null;
      long sentAtMillis = 0;
      for (int attempt = 0; attempt < 100_000; attempt++) {
        sentAtMillis = System.currentTimeMillis();
        response = gateway.get("/v1/customers", token);
        if (response.statusCode() != 200) {
          break;
        }
        assertThat(sentAtMillis).as("allowed only before exp").isLessThan(expiresAtMillis);
      }

      assertThat(gateway.tokenCacheHits()).as("the cached verdict was used before exp").isPositive();
      Refusals.assertRefusal(response, 401, "invalid_token", "expired");
      assertThat(sentAtMillis).as("refused within a second of exp").isLessThan(expiresAtMillis + 1000);
    }
  }
}
