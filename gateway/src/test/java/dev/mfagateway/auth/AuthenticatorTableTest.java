package dev.mfagateway.auth;

import static dev.mfagateway.testing.TestIssuer.AUDIENCE;
import static dev.mfagateway.testing.TestIssuer.TENANT;
import static dev.mfagateway.testing.TestIssuer.V1_ISSUER;
import static dev.mfagateway.testing.TestIssuer.V2_ISSUER;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.mfagateway.config.AuthConfig;
import dev.mfagateway.config.Mode;
import dev.mfagateway.config.RouteConfig;
import dev.mfagateway.config.SignatureMode;
import dev.mfagateway.testing.MutableClock;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every SPEC §4 row the verdict owns and every "Gateway must" row of SECURITY-NOTES §2.4/§2.5, through the
 * {@link Authenticator} against a real JWKS endpoint over HTTP. Each row: the Authorization header values, the route,
 * and the expected verdict, reason, status and challenge error.
 */
class AuthenticatorTableTest {
  private static final RSAKey FOREIGN_KEY = TestIssuer.newKey();
  private static TestIssuer issuer;
  private static MutableClock clock;
  private static SigningKeys keys;
  private static Authenticator authenticator;

  private static final RouteConfig ROUTE = TestConfigs.route();
  private static final RouteConfig NO_APP_ONLY = TestConfigs.route(Mode.ENFORCE, true, false, SignatureMode.VERIFY);
  private static final RouteConfig NO_MFA = TestConfigs.route(Mode.ENFORCE, false, true, SignatureMode.VERIFY);
  private static final RouteConfig REPORT_ONLY = TestConfigs.route(Mode.REPORT_ONLY, true, true, SignatureMode.VERIFY);
  private static final RouteConfig CLAIMS_ONLY = TestConfigs.route(Mode.ENFORCE, true, true, SignatureMode.CLAIMS_ONLY);

  @BeforeAll
  static void start() throws Exception {
    issuer = TestIssuer.start();
    clock = MutableClock.atNow();
    AuthConfig config = TestConfigs.auth(issuer.jwksUri());
    keys = new SigningKeys(config, clock);
    keys.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(keys.isReady()).isTrue();
    authenticator = new Authenticator(config, keys, new VerifiedTokens(1000, keys, clock), clock);
  }

  @AfterAll
  static void stop() {
    keys.close();
    issuer.close();
  }

  record Row(Supplier<List<String>> headers, String target, RouteConfig route, Verdict verdict, Reason reason) {}

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void decides(Row row) throws Exception {
    List<String> headers = row.headers().get();
    Decision decision =
        authenticator.authenticate(headers, row.target(), row.route()).toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThat(decision.reason()).isEqualTo(row.reason());
    assertThat(decision.verdict()).isEqualTo(row.verdict());
    assertThat(decision.reason().status()).isEqualTo(expectedStatus(row.reason()));
    assertThat(decision.reason().challengeError()).isEqualTo(expectedChallengeError(row.reason()));
    if (row.reason() == Reason.OK) {
      assertThat(decision.identity().tenantId()).isNotNull();
    } else {
      assertThat(decision.description()).isNotBlank().doesNotContain("\"").doesNotContain("\n");
      for (String header : headers) {
        for (String segment : header.replaceFirst("(?i)^bearer +", "").split("\\.")) {
          if (segment.length() > 8) {
            assertThat(decision.description()).doesNotContain(segment);
          }
        }
      }
    }
  }

  /** SPEC §4's table, written out independently of {@link Reason}. */
  private static int expectedStatus(Reason reason) {
    return switch (reason) {
      case OK -> 200;
      case MALFORMED_REQUEST -> 400;
      case TENANT_NOT_ALLOWED, APP_ONLY_NOT_ALLOWED -> 403;
      case KEYS_UNAVAILABLE -> 503;
      default -> 401;
    };
  }

  private static String expectedChallengeError(Reason reason) {
    return switch (reason) {
      case OK, MISSING_TOKEN, KEYS_UNAVAILABLE -> null;
      case MALFORMED_REQUEST -> "invalid_request";
      case MFA_REQUIRED -> "insufficient_user_authentication";
      case APP_ONLY_NOT_ALLOWED -> "insufficient_scope";
      default -> "invalid_token";
    };
  }

  static Stream<Arguments> rows() {
    List<Arguments> rows = new ArrayList<>();
    // SPEC §4: HTTP-level rules and bearer extraction (SECURITY-NOTES §2.5)
    deny(rows, "no Authorization header", List::of, Reason.MISSING_TOKEN);
    add(rows, "query token alone is ignored: missing_token", List::of, "/x?access_token=abc", ROUTE, Verdict.DENY,
        Reason.MISSING_TOKEN);
    deny(rows, "Basic scheme", () -> List.of("Basic dXNlcjpwYXNz"), Reason.MALFORMED_REQUEST);
    deny(rows, "Bearer without token", () -> List.of("Bearer "), Reason.MALFORMED_REQUEST);
    deny(rows, "two Authorization headers", () -> List.of(bearer(good()), bearer(good())), Reason.MALFORMED_REQUEST);
    add(rows, "token also in the query", () -> List.of(bearer(good())), "/v1/customers?access_token=x", ROUTE,
        Verdict.DENY, Reason.MALFORMED_REQUEST);
    allow(rows, "lower-case bearer and several spaces", () -> List.of("bearer    " + good()));
    allow(rows, "upper-case BEARER", () -> List.of("BEARER " + good()));
    deny(rows, "tab after Bearer", () -> List.of("Bearer\t" + good()), Reason.MALFORMED_REQUEST);
    deny(rows, "trailing space after the token", () -> List.of(bearer(good()) + " "), Reason.MALFORMED_REQUEST);
    deny(rows, "space inside the token", () -> List.of(bearer(insert(good(), 20, " "))), Reason.MALFORMED_REQUEST);
    deny(rows, "'!' inside the signature", () -> List.of(bearer(good() + "!")), Reason.MALFORMED_REQUEST);

    // Token shape (SECURITY-NOTES §0 item 4: malleable encodings)
    deny(rows, "not a JWS", () -> List.of(bearer("abc")), Reason.MALFORMED_TOKEN);
    deny(rows, "two segments", () -> List.of(bearer(firstSegments(good(), 2))), Reason.MALFORMED_TOKEN);
    deny(rows, "four segments", () -> List.of(bearer(good() + ".AAAA")), Reason.MALFORMED_TOKEN);
    deny(rows, "empty signature segment", () -> List.of(bearer(firstSegments(good(), 2) + ".")),
        Reason.MALFORMED_TOKEN);
    deny(rows, "JWE (five segments)", () -> List.of(bearer("eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d")),
        Reason.MALFORMED_TOKEN);
    deny(rows, "padding '=' appended", () -> List.of(bearer(good() + "=")), Reason.MALFORMED_TOKEN);
    deny(rows, "padding '==' appended", () -> List.of(bearer(good() + "==")), Reason.MALFORMED_TOKEN);
    deny(rows, "'+' and '/' in the signature", () -> List.of(bearer(standardBase64Signature())),
        Reason.MALFORMED_TOKEN);
    deny(rows, "header not JSON", () -> List.of(bearer(b64("not json") + "." + firstSegments(good(), 3)
        .split("\\.", 2)[1])), Reason.MALFORMED_TOKEN);
    deny(rows, "duplicate header member", () -> List.of(bearer(withRawHeader(
        "{\"alg\":\"RS256\",\"alg\":\"RS256\",\"kid\":\"" + issuer.signingKey().getKeyID() + "\"}"))),
        Reason.MALFORMED_TOKEN);
    deny(rows, "JWE-looking header with enc null (Nimbus's Header.parse throws NullPointerException)",
        () -> List.of(bearer(withRawHeader("{\"alg\":\"RSA-OAEP\",\"enc\":null}"))), Reason.MALFORMED_TOKEN);
    deny(rows, "typ other than JWT", () -> List.of(bearer(mint(issuer.header().type(new JOSEObjectType("at+jwt")),
        claims(c -> {})))), Reason.MALFORMED_TOKEN);
    deny(rows, "duplicate payload member", () -> List.of(bearer(TestIssuer.mint(issuer.header().build(),
        "{\"tid\":\"" + TENANT + "\",\"tid\":\"other\"}", issuer.signingKey()))), Reason.MALFORMED_TOKEN);
    deny(rows, "20 000-deep nesting in the payload", () -> List.of(bearer(TestIssuer.mint(issuer.header().build(),
        "{\"a\":" + "[".repeat(20_000) + "]".repeat(20_000) + "}", issuer.signingKey()))), Reason.MALFORMED_TOKEN);

    // Algorithm (SECURITY-NOTES §2.4)
    for (String none : List.of("none", "None", "NONE", "nOnE")) {
      deny(rows, "alg " + none, () -> List.of(bearer(unsigned(none))), Reason.ALGORITHM_NOT_ALLOWED);
    }
    deny(rows, "HS256 with the RSA public key as secret", () -> List.of(bearer(hs256WithPublicKey())),
        Reason.ALGORITHM_NOT_ALLOWED);
    deny(rows, "RS384 not in the allowlist", () -> List.of(bearer(withAlgorithm("RS384"))),
        Reason.ALGORITHM_NOT_ALLOWED);
    deny(rows, "ES256 not in the allowlist (psychic signatures)", () -> List.of(bearer(withAlgorithm("ES256"))),
        Reason.ALGORITHM_NOT_ALLOWED);

    // Key
    deny(rows, "unknown kid", () -> List.of(bearer(mint(issuer.header().keyID("no-such-key"), claims(c -> {})))),
        Reason.UNKNOWN_KEY);
    deny(rows, "no kid", () -> List.of(bearer(mint(new JWSHeader.Builder(JWSAlgorithm.RS256), claims(c -> {})))),
        Reason.UNKNOWN_KEY);
    deny(rows, "kid path traversal", () -> List.of(bearer(mint(issuer.header().keyID("../../../../etc/passwd"),
        claims(c -> {})))), Reason.UNKNOWN_KEY);
    deny(rows, "kid SQL injection", () -> List.of(bearer(mint(issuer.header().keyID("x' OR '1'='1"),
        claims(c -> {})))), Reason.UNKNOWN_KEY);
    deny(rows, "embedded jwk with its own kid", () -> List.of(bearer(signedByForeignKey(
        new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(FOREIGN_KEY.getKeyID()).jwk(FOREIGN_KEY.toPublicJWK())))),
        Reason.UNKNOWN_KEY);

    // Signature
    deny(rows, "signed by another key under the directory's kid", () -> List.of(bearer(signedByForeignKey(
        issuer.header()))), Reason.BAD_SIGNATURE);
    deny(rows, "embedded jwk under the directory's kid", () -> List.of(bearer(signedByForeignKey(
        issuer.header().jwk(FOREIGN_KEY.toPublicJWK())))), Reason.BAD_SIGNATURE);
    deny(rows, "payload altered after signing", () -> List.of(bearer(alteredPayload())), Reason.BAD_SIGNATURE);
    deny(rows, "signature of another token", () -> List.of(bearer(firstSegments(good(), 2) + "."
        + mint(claims(c -> c.put("oid", "other"))).split("\\.")[2])), Reason.BAD_SIGNATURE);
    deny(rows, "unknown crit parameter", () -> List.of(bearer(mint(issuer.header().customParam("zzz", 1)
        .criticalParams(java.util.Set.of("zzz")), claims(c -> {})))), Reason.BAD_SIGNATURE);
    allow(rows, "nested-JWT content type is an ordinary JWS", () -> List.of(bearer(mint(issuer.header()
        .contentType("JWT"), claims(c -> {})))));

    // Required claims (SECURITY-NOTES §0 item 5)
    deny(rows, "exp missing", tokenWith(c -> c.remove("exp")), Reason.INVALID_CLAIM);
    deny(rows, "exp null", tokenWith(c -> c.put("exp", null)), Reason.INVALID_CLAIM);
    deny(rows, "exp a string", tokenWith(c -> c.put("exp", "2099-01-01")), Reason.INVALID_CLAIM);
    deny(rows, "exp a boolean", tokenWith(c -> c.put("exp", true)), Reason.INVALID_CLAIM);
    deny(rows, "exp an array", tokenWith(c -> c.put("exp", List.of(1))), Reason.INVALID_CLAIM);
    deny(rows, "exp 1e300", () -> List.of(bearer(rawExp("1e300"))), Reason.INVALID_CLAIM);
    deny(rows, "exp 2^63", () -> List.of(bearer(rawExp("9223372036854775808"))), Reason.INVALID_CLAIM);
    deny(rows, "exp -1", tokenWith(c -> c.put("exp", -1)), Reason.INVALID_CLAIM);
    allow(rows, "exp a fraction (NumericDate)", tokenWith(c -> c.put("exp", now() + 3600.5)));
    deny(rows, "tid missing", tokenWith(c -> c.remove("tid")), Reason.INVALID_CLAIM);
    deny(rows, "tid null", tokenWith(c -> c.put("tid", null)), Reason.INVALID_CLAIM);
    deny(rows, "tid empty", tokenWith(c -> c.put("tid", "")), Reason.INVALID_CLAIM);
    deny(rows, "tid a number", tokenWith(c -> c.put("tid", 42)), Reason.INVALID_CLAIM);
    deny(rows, "nbf a string", tokenWith(c -> c.put("nbf", "now")), Reason.INVALID_CLAIM);
    deny(rows, "iat null", tokenWith(c -> c.put("iat", null)), Reason.INVALID_CLAIM);

    // Lifetime and clock skew (60 s)
    deny(rows, "expired long ago", tokenWith(c -> c.put("exp", now() - 3600)), Reason.EXPIRED);
    deny(rows, "expired 61 s ago", tokenWith(c -> c.put("exp", now() - 61)), Reason.EXPIRED);
    deny(rows, "expired exactly the skew ago", tokenWith(c -> c.put("exp", now() - 60)), Reason.EXPIRED);
    allow(rows, "expired 59 s ago, within the skew", tokenWith(c -> c.put("exp", now() - 59)));
    deny(rows, "nbf 61 s ahead", tokenWith(c -> c.put("nbf", now() + 61)), Reason.NOT_YET_VALID);
    allow(rows, "nbf 60 s ahead, within the skew", tokenWith(c -> c.put("nbf", now() + 60)));
    deny(rows, "iat 61 s ahead", tokenWith(c -> c.put("iat", now() + 61)), Reason.NOT_YET_VALID);
    deny(rows, "expiry checked before issuer", tokenWith(c -> {
      c.put("exp", now() - 3600);
      c.put("iss", "https://evil.example/");
    }), Reason.EXPIRED);

    // Issuer
    allow(rows, "v1 issuer", tokenWith(c -> {}));
    deny(rows, "v2 issuer without amr (v2.0 tokens carry none)", tokenWith(c -> {
      c.put("iss", V2_ISSUER.replace("{tenantid}", TENANT));
      c.remove("amr");
    }), Reason.MFA_REQUIRED);
    allow(rows, "v2 issuer with amr", tokenWith(c -> c.put("iss", V2_ISSUER.replace("{tenantid}", TENANT))));
    deny(rows, "issuer naming another tenant than tid", tokenWith(c -> c.put("iss",
        V1_ISSUER.replace("{tenantid}", "11111111-2222-3333-4444-555555555555"))), Reason.WRONG_ISSUER);
    deny(rows, "issuer template unsubstituted", tokenWith(c -> c.put("iss", V1_ISSUER)), Reason.WRONG_ISSUER);
    deny(rows, "issuer with another case", tokenWith(c -> c.put("iss",
        V1_ISSUER.replace("{tenantid}", TENANT).toUpperCase())), Reason.WRONG_ISSUER);
    deny(rows, "issuer without the trailing slash", tokenWith(c -> c.put("iss",
        "https://sts.windows.net/" + TENANT)), Reason.WRONG_ISSUER);
    deny(rows, "iss missing", tokenWith(c -> c.remove("iss")), Reason.WRONG_ISSUER);
    deny(rows, "iss a number", tokenWith(c -> c.put("iss", 7)), Reason.WRONG_ISSUER);

    // Audience
    deny(rows, "audience of another API", tokenWith(c -> c.put("aud", "https://graph.microsoft.com")),
        Reason.WRONG_AUDIENCE);
    allow(rows, "audience array holding the route's", tokenWith(c -> c.put("aud",
        List.of("https://graph.microsoft.com", AUDIENCE))));
    deny(rows, "aud missing", tokenWith(c -> c.remove("aud")), Reason.WRONG_AUDIENCE);
    deny(rows, "aud a number", tokenWith(c -> c.put("aud", 5)), Reason.WRONG_AUDIENCE);
    deny(rows, "audience checked before tenant", tokenWith(c -> {
      c.put("aud", "https://graph.microsoft.com");
      foreignTenant(c);
    }), Reason.WRONG_AUDIENCE);

    // Tenant (403)
    deny(rows, "tenant not allowed", tokenWith(AuthenticatorTableTest::foreignTenant), Reason.TENANT_NOT_ALLOWED);
    allow(rows, "tenant in upper case (GUIDs compare case-insensitively)", tokenWith(c -> {
      c.put("tid", TENANT.toUpperCase());
      c.put("iss", V1_ISSUER.replace("{tenantid}", TENANT.toUpperCase()));
    }));
    deny(rows, "tenant checked before MFA", tokenWith(c -> {
      foreignTenant(c);
      c.remove("amr");
    }), Reason.TENANT_NOT_ALLOWED);

    // Token kind (403) and the CPV rule
    deny(rows, "CPV app-only by appid", tokenWith(c -> appOnly(c, TestConfigs.CPV_APP_ID)),
        Reason.APP_ONLY_NOT_ALLOWED);
    deny(rows, "CPV app-only by appid in upper case", tokenWith(c -> appOnly(c,
        TestConfigs.CPV_APP_ID.toUpperCase())), Reason.APP_ONLY_NOT_ALLOWED);
    deny(rows, "CPV app-only by azp (v2.0)", tokenWith(c -> {
      appOnly(c, null);
      c.remove("appid");
      c.put("azp", TestConfigs.CPV_APP_ID);
      c.put("iss", V2_ISSUER.replace("{tenantid}", TENANT));
    }), Reason.APP_ONLY_NOT_ALLOWED);
    deny(rows, "CPV app-only: no scp, idtyp absent", tokenWith(c -> {
      appOnly(c, TestConfigs.CPV_APP_ID);
      c.remove("idtyp");
    }), Reason.APP_ONLY_NOT_ALLOWED);
    deny(rows, "CPV with blank scp is app-only", tokenWith(c -> {
      c.put("appid", TestConfigs.CPV_APP_ID);
      c.put("scp", "  ");
    }), Reason.APP_ONLY_NOT_ALLOWED);
    deny(rows, "CPV with idtyp app and a scp is app-only", tokenWith(c -> {
      c.put("appid", TestConfigs.CPV_APP_ID);
      c.put("idtyp", "app");
    }), Reason.APP_ONLY_NOT_ALLOWED);
    deny(rows, "CPV with scp of the wrong type is app-only", tokenWith(c -> {
      c.put("appid", TestConfigs.CPV_APP_ID);
      c.put("scp", List.of("user_impersonation"));
    }), Reason.APP_ONLY_NOT_ALLOWED);
    allow(rows, "CPV app+user with MFA (Secure Application Model)", tokenWith(c ->
        c.put("appid", TestConfigs.CPV_APP_ID)));
    allow(rows, "other app-only token where allowed", tokenWith(c -> appOnly(c, TestIssuer.APP_ID)));
    add(rows, "other app-only token where the route refuses app-only", tokenWith(c -> appOnly(c, TestIssuer.APP_ID)),
        "/", NO_APP_ONLY, Verdict.DENY, Reason.APP_ONLY_NOT_ALLOWED);
    deny(rows, "token kind checked before MFA", tokenWith(c -> {
      appOnly(c, TestConfigs.CPV_APP_ID);
      c.put("amr", List.of("pwd"));
    }), Reason.APP_ONLY_NOT_ALLOWED);

    // MFA (401 insufficient_user_authentication)
    deny(rows, "amr without mfa", tokenWith(c -> c.put("amr", List.of("pwd"))), Reason.MFA_REQUIRED);
    deny(rows, "no amr", tokenWith(c -> c.remove("amr")), Reason.MFA_REQUIRED);
    deny(rows, "amr null", tokenWith(c -> c.put("amr", null)), Reason.MFA_REQUIRED);
    deny(rows, "amr a string 'mfa'", tokenWith(c -> c.put("amr", "mfa")), Reason.MFA_REQUIRED);
    deny(rows, "amr an object", tokenWith(c -> c.put("amr", Map.of("mfa", true))), Reason.MFA_REQUIRED);
    deny(rows, "amr a nested array", tokenWith(c -> c.put("amr", List.of(List.of("mfa")))), Reason.MFA_REQUIRED);
    deny(rows, "amr 'MFA' (another case)", tokenWith(c -> c.put("amr", List.of("MFA"))), Reason.MFA_REQUIRED);
    deny(rows, "amr 'mfa ' (trailing space)", tokenWith(c -> c.put("amr", List.of("mfa "))), Reason.MFA_REQUIRED);
    deny(rows, "amr fullwidth 'ｍｆａ'", tokenWith(c -> c.put("amr", List.of("ｍｆａ"))), Reason.MFA_REQUIRED);
    deny(rows, "amr Cyrillic 'mfа'", tokenWith(c -> c.put("amr", List.of("mf\u0430"))), Reason.MFA_REQUIRED);
    deny(rows, "amr 'wiaormfa' (ambiguous)", tokenWith(c -> c.put("amr", List.of("wiaormfa"))),
        Reason.MFA_REQUIRED);
    allow(rows, "amr ['mfa'] alone", tokenWith(c -> c.put("amr", List.of("mfa"))));
    add(rows, "no MFA on a route that does not require it", tokenWith(c -> c.put("amr", List.of("pwd"))), "/",
        NO_MFA, Verdict.ALLOW, Reason.OK);

    // report-only (SPEC §8)
    add(rows, "report-only: no MFA is would_deny", tokenWith(c -> c.put("amr", List.of("pwd"))), "/", REPORT_ONLY,
        Verdict.WOULD_DENY, Reason.MFA_REQUIRED);
    add(rows, "report-only: missing token is would_deny", List::of, "/", REPORT_ONLY, Verdict.WOULD_DENY,
        Reason.MISSING_TOKEN);
    add(rows, "report-only: forged token is would_deny", () -> List.of(bearer(signedByForeignKey(issuer.header()))),
        "/", REPORT_ONLY, Verdict.WOULD_DENY, Reason.BAD_SIGNATURE);
    add(rows, "report-only: two Authorization headers are still refused",
        () -> List.of(bearer(good()), bearer(good())), "/", REPORT_ONLY, Verdict.DENY, Reason.MALFORMED_REQUEST);
    add(rows, "report-only: a good token is allowed", tokenWith(c -> {}), "/", REPORT_ONLY, Verdict.ALLOW,
        Reason.OK);

    // claims-only route (Graph tokens): key and signature skipped, everything else enforced
    add(rows, "claims-only: token signed by a key outside the JWKS", () -> List.of(bearer(signedByForeignKey(
        new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).keyID("graph-key")
            .customParam("nonce", "abc")))), "/", CLAIMS_ONLY, Verdict.ALLOW, Reason.OK);
    add(rows, "claims-only: algorithm still checked", () -> List.of(bearer(hs256WithPublicKey())), "/", CLAIMS_ONLY,
        Verdict.DENY, Reason.ALGORITHM_NOT_ALLOWED);
    add(rows, "claims-only: expired", tokenWith(c -> c.put("exp", now() - 3600)), "/", CLAIMS_ONLY, Verdict.DENY,
        Reason.EXPIRED);
    add(rows, "claims-only: exp null", tokenWith(c -> c.put("exp", null)), "/", CLAIMS_ONLY, Verdict.DENY,
        Reason.INVALID_CLAIM);
    add(rows, "claims-only: wrong issuer", tokenWith(c -> c.put("iss", "https://evil.example/")), "/", CLAIMS_ONLY,
        Verdict.DENY, Reason.WRONG_ISSUER);
    add(rows, "claims-only: tenant", tokenWith(AuthenticatorTableTest::foreignTenant), "/", CLAIMS_ONLY,
        Verdict.DENY, Reason.TENANT_NOT_ALLOWED);
    add(rows, "claims-only: CPV app-only", tokenWith(c -> appOnly(c, TestConfigs.CPV_APP_ID)), "/", CLAIMS_ONLY,
        Verdict.DENY, Reason.APP_ONLY_NOT_ALLOWED);
    add(rows, "claims-only: no MFA", tokenWith(c -> c.remove("amr")), "/", CLAIMS_ONLY, Verdict.DENY,
        Reason.MFA_REQUIRED);
    return rows.stream();
  }

  // ---- table helpers

  private static void add(List<Arguments> rows, String name, Supplier<List<String>> headers, String target,
      RouteConfig route, Verdict verdict, Reason reason) {
    rows.add(Arguments.of(Named.of(name, new Row(headers, target, route, verdict, reason))));
  }

  private static void deny(List<Arguments> rows, String name, Supplier<List<String>> headers, Reason reason) {
    add(rows, name, headers, "/v1/customers", ROUTE, Verdict.DENY, reason);
  }

  private static void allow(List<Arguments> rows, String name, Supplier<List<String>> headers) {
    add(rows, name, headers, "/v1/customers", ROUTE, Verdict.ALLOW, Reason.OK);
  }

  private static long now() {
    return clock.instant().getEpochSecond();
  }

  private static String bearer(String token) {
    return "Bearer " + token;
  }

  private static Map<String, Object> claims(Consumer<Map<String, Object>> change) {
    Map<String, Object> claims = new LinkedHashMap<>(TestIssuer.userClaims(clock.instant()));
    change.accept(claims);
    return claims;
  }

  private static Supplier<List<String>> tokenWith(Consumer<Map<String, Object>> change) {
    return () -> List.of(bearer(mint(claims(change))));
  }

  private static String good() {
    return mint(claims(c -> {}));
  }

  private static String mint(Map<String, Object> claims) {
    return issuer.mint(claims);
  }

  private static String mint(JWSHeader.Builder header, Map<String, Object> claims) {
    return TestIssuer.mint(header.build(), JSONObjectUtils.toJSONString(claims), issuer.signingKey());
  }

  private static void foreignTenant(Map<String, Object> claims) {
    String other = "11111111-2222-3333-4444-555555555555";
    claims.put("tid", other);
    claims.put("iss", V1_ISSUER.replace("{tenantid}", other));
  }

  private static void appOnly(Map<String, Object> claims, String appId) {
    claims.remove("scp");
    claims.remove("amr");
    claims.put("idtyp", "app");
    if (appId != null) {
      claims.put("appid", appId);
    }
  }

  private static String signedByForeignKey(JWSHeader.Builder header) {
    return TestIssuer.mint(header.build(), JSONObjectUtils.toJSONString(claims(c -> {})), FOREIGN_KEY);
  }

  private static String firstSegments(String token, int count) {
    String[] parts = token.split("\\.");
    return String.join(".", List.of(parts).subList(0, count));
  }

  private static String insert(String token, int at, String text) {
    return token.substring(0, at) + text + token.substring(at);
  }

  private static String b64(String text) {
    return Base64URL.encode(text.getBytes(StandardCharsets.UTF_8)).toString();
  }

  private static String unsigned(String alg) {
    return b64("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}") + "." + b64(JSONObjectUtils.toJSONString(claims(c -> {})))
        + "." + b64("sig");
  }

  private static String withAlgorithm(String alg) {
    return b64("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\",\"kid\":\"" + issuer.signingKey().getKeyID() + "\"}") + "."
        + firstSegments(good(), 3).split("\\.", 2)[1];
  }

  private static String withRawHeader(String headerJson) {
    return b64(headerJson) + "." + firstSegments(good(), 3).split("\\.", 2)[1];
  }

  private static String hs256WithPublicKey() {
    try {
      JWSObject jws = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT)
          .keyID(issuer.signingKey().getKeyID()).build(), new Payload(JSONObjectUtils.toJSONString(claims(c -> {}))));
      jws.sign(new MACSigner(issuer.signingKey().toRSAPublicKey().getEncoded()));
      return jws.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String alteredPayload() {
    String[] parts = good().split("\\.");
    String other = b64(JSONObjectUtils.toJSONString(claims(c -> c.put("oid", "someone-else"))));
    return parts[0] + "." + other + "." + parts[2];
  }

  /** The same token with its signature in standard Base64 (`+` and `/`), which Nimbus would accept. */
  private static String standardBase64Signature() {
    for (int jti = 0; ; jti++) {
      int n = jti;
      String token = mint(claims(c -> c.put("jti", "j" + n)));
      String[] parts = token.split("\\.");
      if (parts[2].contains("-") || parts[2].contains("_")) {
        return parts[0] + "." + parts[1] + "." + parts[2].replace('-', '+').replace('_', '/');
      }
    }
  }

  private static String rawExp(String exp) {
    String json = JSONObjectUtils.toJSONString(claims(c -> c.put("exp", 0)));
    return TestIssuer.mint(issuer.header().build(), json.replace("\"exp\":0", "\"exp\":" + exp),
        issuer.signingKey());
  }

  static Instant instant() {
    return clock.instant();
  }
}
