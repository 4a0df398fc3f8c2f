package dev.mfagateway.testing;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.mfagateway.auth.Reason;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One request for every reason the verdict can refuse a token for (SPEC §8), with the {@link TestIssuer}'s keys: the
 * `Authorization` header values and a query to append to the path. `keys_unavailable` needs a gateway without keys
 * and is not here. Every token is freshly minted, so tests can look for its exact bytes in the logs.
 */
public final class RefusalCases {
  public static final String OTHER_TENANT = "0b1c2d3e-4f50-4617-8a9b-c0d1e2f3a4b5";

  /** A request the verdict refuses with {@code reason}; {@code tokens} are the token strings it carries. */
  public record Case(Reason reason, List<String> authorization, String query, List<String> tokens) {}

  private RefusalCases() {}

  public static List<Case> all(TestIssuer issuer) {
    Instant now = Instant.now();
    String good = issuer.mint(TestIssuer.userClaims(now));
    List<Case> cases = new ArrayList<>();
    cases.add(new Case(Reason.MISSING_TOKEN, List.of(), "", List.of()));
    cases.add(new Case(Reason.MALFORMED_REQUEST, List.of("Bearer " + good, "Bearer " + good), "", List.of(good)));
    cases.add(new Case(Reason.MALFORMED_TOKEN, List.of("Bearer " + good + "="), "", List.of(good)));
    cases.add(token(Reason.ALGORITHM_NOT_ALLOWED, TestIssuer.mint(
        new JWSHeader.Builder(JWSAlgorithm.RS384).type(JOSEObjectType.JWT).keyID(issuer.signingKey().getKeyID())
            .build(), json(now, c -> {}), issuer.signingKey())));
    cases.add(token(Reason.UNKNOWN_KEY, TestIssuer.mint(issuer.header().keyID("no-such-key").build(),
        json(now, c -> {}), issuer.signingKey())));
    cases.add(token(Reason.BAD_SIGNATURE, TestIssuer.mint(issuer.header().build(), json(now, c -> {}),
        TestIssuer.newKey())));
    cases.add(token(Reason.EXPIRED, issuer.mint(claims(now, c -> {
      c.put("iat", now.getEpochSecond() - 7200);
      c.put("nbf", now.getEpochSecond() - 7200);
      c.put("exp", now.getEpochSecond() - 3600);
    }))));
    cases.add(token(Reason.NOT_YET_VALID, issuer.mint(claims(now, c -> c.put("nbf", now.getEpochSecond() + 3600)))));
    cases.add(token(Reason.WRONG_ISSUER, issuer.mint(claims(now, c -> c.put("iss", "https://issuer.invalid/")))));
    cases.add(token(Reason.WRONG_AUDIENCE, issuer.mint(claims(now, c -> c.put("aud", "https://other.invalid")))));
    cases.add(token(Reason.INVALID_CLAIM, issuer.mint(claims(now, c -> c.remove("tid")))));
    cases.add(token(Reason.TENANT_NOT_ALLOWED, issuer.mint(claims(now, c -> {
      c.put("tid", OTHER_TENANT);
      c.put("iss", TestIssuer.V1_ISSUER.replace("{tenantid}", OTHER_TENANT));
    }))));
    cases.add(token(Reason.APP_ONLY_NOT_ALLOWED,
        issuer.mint(TestIssuer.appOnlyClaims(now, TestConfigs.CPV_APP_ID))));
    cases.add(token(Reason.MFA_REQUIRED, issuer.mint(claims(now, c -> c.put("amr", List.of("pwd"))))));
    // The bearer rules also refuse a token sent in the query as well as in the header.
    cases.add(new Case(Reason.MALFORMED_REQUEST, List.of("Bearer " + good), "?access_token=" + good, List.of(good)));
    return cases;
  }

  private static Case token(Reason reason, String token) {
    return new Case(reason, List.of("Bearer " + token), "", List.of(token));
  }

  private static Map<String, Object> claims(Instant now, Consumer<Map<String, Object>> change) {
    Map<String, Object> claims = TestIssuer.userClaims(now);
    change.accept(claims);
    return claims;
  }

  private static String json(Instant now, Consumer<Map<String, Object>> change) {
    return JSONObjectUtils.toJSONString(claims(now, change));
  }
}
