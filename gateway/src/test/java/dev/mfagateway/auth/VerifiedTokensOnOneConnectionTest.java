package dev.mfagateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.testing.TestIssuer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every rule of {@link VerifiedTokensTest} again, for requests that all come on one keep-alive connection, whose last
 * verified token ({@link LastVerifiedToken}) is reused without the shared cache; and what only such a connection does.
 */
class VerifiedTokensOnOneConnectionTest extends VerifiedTokensTest {
  private final LastVerifiedToken connection = new LastVerifiedToken();

  @Override
  LastVerifiedToken connection() {
    return connection;
  }

  @Test
  void anotherTokenOnTheConnectionIsJudgedOnItsOwn() throws Exception {
    String mfa = issuer.mint(TestIssuer.userClaims(clock.instant()));
    Map<String, Object> claims = TestIssuer.userClaims(clock.instant());
    claims.put("amr", List.of("pwd"));
    String noMfa = issuer.mint(claims);

    assertThat(decide(mfa, ROUTE).verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(decide(noMfa, ROUTE).reason()).isEqualTo(Reason.MFA_REQUIRED);
    assertThat(decide(mfa, ROUTE).verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(decide(mfa, ROUTE).verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(cache.stats()).as("the third from the shared cache, the fourth from the connection")
        .isEqualTo(new VerifiedTokens.Stats(2, 2, 0, 2));
  }

  @Test
  void theConnectionsTokenStopsCountingOnceItsKeyLeftTheJwks() throws Exception {
    String oldToken = issuer.mint(TestIssuer.userClaims(clock.instant()));
    assertThat(decide(oldToken, ROUTE).verdict()).isEqualTo(Verdict.ALLOW);

    var oldKey = issuer.signingKey();
    issuer.rotate();
    issuer.retire(oldKey);
    String newToken = issuer.mint(TestIssuer.userClaims(clock.instant()));
    assertThat(decide(newToken, ROUTE, new LastVerifiedToken()).verdict()).as("on another connection")
        .isEqualTo(Verdict.ALLOW);

    assertThat(decide(oldToken, ROUTE).reason()).isEqualTo(Reason.UNKNOWN_KEY);
    assertThat(cache.stats().hits()).isZero();
  }

  @Test
  void withTheCacheOffTheConnectionRemembersNothing() throws Exception {
    startWithCapacity(0);
    String token = issuer.mint(TestIssuer.userClaims(clock.instant()));
    assertThat(decide(token, ROUTE).verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(decide(token, ROUTE).verdict()).isEqualTo(Verdict.ALLOW);
    assertThat(cache.stats()).isEqualTo(new VerifiedTokens.Stats(0, 0, 0, 0));
  }
}
