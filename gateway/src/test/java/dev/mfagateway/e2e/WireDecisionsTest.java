package dev.mfagateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import com.nimbusds.jose.util.Base64;
import io.netty.pkitesting.CertificateBuilder;
import java.net.URI;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every row of SPEC §4 and every "Gateway must" row of SECURITY-NOTES §2.4/§2.5, each sent over a socket to the real
 * gateway (keys from a real JWKS endpoint, a real upstream behind it): status, exact challenge, JSON body, request id,
 * and what the upstream received — nothing on a refusal, exactly the request (Authorization included) on an allow.
 */
class WireDecisionsTest {
  private static final String OTHER_TENANT = "11111111-2222-4333-8444-555555555555";
  private static final String OTHER_APP = "22222222-3333-4444-8555-666666666666";
  private static final String PATH = "/v1/customers?size=10";
  private static final TestIssuer ISSUER = TestIssuer.start();
  private static final Tokens TOKENS = new Tokens(ISSUER);
  /** A key the directory never published. */
  private static final RSAKey ATTACKER = TestIssuer.newKey();

  private static RecordingServer upstream;
  /** Serves the attacker's key; a gateway that followed `jku`/`x5u` would fetch it from here. */
  private static RecordingServer canary;
  private static RunningGateway gateway;

  /** One request and what it must get: status 200 and reason `ok` for an allow. */
  record Case(String name, String target, List<String> authorizations, int status, String challengeError,
      String reason) {
    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeAll
  static void start() throws Exception {
    upstream = new RecordingServer("{\"upstream\":true}");
    canary = new RecordingServer(new JWKSet(ATTACKER.toPublicJWK()).toString());
    gateway = RunningGateway.start(RunningGateway.config(ISSUER.jwksUri(), RunningGateway.routes(upstream.uri())));
    assertThat(gateway.isReady()).isTrue();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    gateway.close();
    upstream.close();
    canary.close();
    ISSUER.close();
  }

  @BeforeEach
  void forgetEarlierRequests() {
    upstream.clear();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void judgedOnTheWire(Case c) throws Exception {
    HttpResponse<String> response = gateway.get(c.target(), c.authorizations());

    if (c.status() == 200) {
      assertThat(response.statusCode()).as("status, body %s", response.body()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("{\"upstream\":true}");
      assertThat(response.headers().firstValue("X-Request-Id")).isPresent();
      assertThat(upstream.received()).singleElement().satisfies(received -> {
        assertThat(received.target()).isEqualTo(c.target());
        assertThat(received.headers().get("Authorization")).isEqualTo(c.authorizations());
      });
    } else {
      Refusals.assertRefusal(response, c.status(), c.challengeError(), c.reason());
      assertThat(upstream.received()).as("the upstream received nothing").isEmpty();
      for (String authorization : c.authorizations()) {
        String credentials = authorization.substring(Math.min(authorization.length(), 7));
        if (credentials.length() > 16) {
          assertThat(response.body()).doesNotContain(credentials);
          assertThat(response.headers().map().toString()).doesNotContain(credentials);
        }
      }
    }
    assertThat(canary.received()).as("header URLs are never fetched").isEmpty();
  }

  static Stream<Case> cases() throws Exception {
    Instant now = Instant.now();
    long seconds = now.getEpochSecond();
    String valid = TOKENS.valid();
    String[] segments = valid.split("\\.");
    List<Case> cases = new ArrayList<>();

    // HTTP-level rules and bearer extraction (SPEC §4 rows 1-2, SECURITY-NOTES §2.5).
    cases.add(refused("no Authorization header", PATH, List.of(), 401, Refusals.BARE_CHALLENGE, "missing_token"));
    cases.add(refused("token only in the query string", "/v1/customers?access_token=" + valid, List.of(), 401,
        Refusals.BARE_CHALLENGE, "missing_token"));
    cases.add(refused("two Authorization headers", PATH, List.of("Bearer " + valid, "Bearer " + valid), 400,
        "invalid_request", "malformed_request"));
    cases.add(refused("Basic scheme", PATH, List.of("Basic dXNlcjpwYXNzd29yZA=="), 400, "invalid_request",
        "malformed_request"));
    cases.add(refused("Bearer without a token", PATH, List.of("Bearer"), 400, "invalid_request",
        "malformed_request"));
    cases.add(refused("Bearer then TAB", PATH, List.of("Bearer\t" + valid), 400, "invalid_request",
        "malformed_request"));
    cases.add(refused("space inside the token", PATH, List.of("Bearer " + segments[0] + " " + segments[1]), 400,
        "invalid_request", "malformed_request"));
    cases.add(refused("token in the query and in the header", "/v1/customers?access_token=" + valid,
        bearer(valid), 400, "invalid_request", "malformed_request"));
    cases.add(allowed("lower-case bearer scheme", PATH, List.of("bearer " + valid)));
    cases.add(allowed("upper-case scheme and several spaces", PATH, List.of("BEARER    " + valid)));
    cases.add(allowed("MFA user token", PATH, bearer(valid)));

    // Token shape: strict compact JWS before Nimbus (SECURITY-NOTES §0.4).
    cases.add(invalidToken("two segments", segments[0] + "." + segments[1], "malformed_token"));
    cases.add(invalidToken("four segments", valid + "." + segments[2], "malformed_token"));
    cases.add(invalidToken("five segments (JWE)", valid + "." + segments[2] + "." + segments[2], "malformed_token"));
    cases.add(invalidToken("padding = appended", valid + "=", "malformed_token"));
    cases.add(invalidToken("padding == appended", valid + "==", "malformed_token"));
    cases.add(refused("illegal ! in the signature", PATH, bearer(valid.substring(0, valid.length() - 2) + "!A"), 400,
        "invalid_request", "malformed_request"));
    cases.add(invalidToken("standard base64 + and / in the signature", TOKENS.withStandardBase64Signature(),
        "malformed_token"));

    // Algorithm, key, signature.
    cases.add(invalidToken("alg none", Tokens.unsecured("none"), "algorithm_not_allowed"));
    cases.add(invalidToken("alg None", Tokens.unsecured("None"), "algorithm_not_allowed"));
    cases.add(invalidToken("HS256 keyed with the RSA public key", TOKENS.hs256(), "algorithm_not_allowed"));
    cases.add(invalidToken("ES256 not allowed", TOKENS.es256(), "algorithm_not_allowed"));
    cases.add(invalidToken("no kid", TestIssuer.mint(ISSUER.header().keyID(null).build(),
        Tokens.json(TestIssuer.userClaims(now)), ISSUER.signingKey()), "unknown_key"));
    cases.add(invalidToken("unknown kid (kid path traversal)", TestIssuer.mint(
        ISSUER.header().keyID("../../../../etc/passwd").build(), Tokens.json(TestIssuer.userClaims(now)),
        ISSUER.signingKey()), "unknown_key"));
    cases.add(invalidToken("bad signature (another key under the directory's kid)", TestIssuer.mint(
        ISSUER.header().build(), Tokens.json(TestIssuer.userClaims(now)), ATTACKER), "bad_signature"));
    cases.add(invalidToken("embedded jwk header ignored", TestIssuer.mint(
        ISSUER.header().jwk(ATTACKER.toPublicJWK()).build(), Tokens.json(TestIssuer.userClaims(now)), ATTACKER),
        "bad_signature"));
    URI canaryKeys = canary.uri().resolve("/keys");
    cases.add(invalidToken("jku header never fetched", TestIssuer.mint(
        ISSUER.header().jwkURL(canaryKeys).build(), Tokens.json(TestIssuer.userClaims(now)), ATTACKER),
        "bad_signature"));
    cases.add(invalidToken("jku header with the attacker's kid never fetched", TestIssuer.mint(
        ISSUER.header().jwkURL(canaryKeys).keyID(ATTACKER.getKeyID()).build(),
        Tokens.json(TestIssuer.userClaims(now)), ATTACKER), "unknown_key"));
    cases.add(invalidToken("x5u header never fetched", TestIssuer.mint(
        ISSUER.header().x509CertURL(canary.uri().resolve("/cert.pem")).build(),
        Tokens.json(TestIssuer.userClaims(now)), ATTACKER), "bad_signature"));

    cases.add(invalidToken("embedded x5c header ignored", TestIssuer.mint(
        ISSUER.header().x509CertChain(List.of(Base64.encode(attackerCertificate().getEncoded()))).build(),
        Tokens.json(TestIssuer.userClaims(now)), ATTACKER), "bad_signature"));
    cases.add(invalidToken("unknown crit header parameter", TestIssuer.mint(
        ISSUER.header().criticalParams(Set.of("x-policy")).customParam("x-policy", "strict").build(),
        Tokens.json(TestIssuer.userClaims(now)), ISSUER.signingKey()), "bad_signature"));
    cases.add(allowed("nested JWT content type treated as an ordinary JWS", PATH, bearer(TestIssuer.mint(
        ISSUER.header().contentType("JWT").build(), Tokens.json(TestIssuer.userClaims(now)), ISSUER.signingKey()))));
    String kid = ISSUER.signingKey().getKeyID();
    cases.add(invalidToken("duplicate header member", Tokens.signedRaw(
        "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\",\"kid\":\"" + kid + "\"}",
        Tokens.json(TestIssuer.userClaims(now)), ISSUER.signingKey()), "malformed_token"));
    cases.add(invalidToken("duplicate payload member", Tokens.signedRaw(
        "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"" + kid + "\"}",
        Tokens.json(TestIssuer.userClaims(now)).replaceFirst("\\{", "{\"tid\":\"" + OTHER_TENANT + "\","),
        ISSUER.signingKey()), "malformed_token"));

    // Required claims and lifetime (60 s clock skew).
    cases.add(invalidToken("expired", TOKENS.user(c -> {
      c.put("iat", seconds - 7200);
      c.put("nbf", seconds - 7200);
      c.put("exp", seconds - 3600);
    }), "expired"));
    cases.add(allowed("expired within the clock skew", PATH, bearer(TOKENS.user(c -> {
      c.put("iat", seconds - 3600);
      c.put("nbf", seconds - 3600);
      c.put("exp", seconds - 20);
    }))));
    cases.add(invalidToken("nbf in the future beyond the skew", TOKENS.user(c -> c.put("nbf", seconds + 600)),
        "not_yet_valid"));
    cases.add(allowed("nbf in the future within the skew", PATH,
        bearer(TOKENS.user(c -> c.put("nbf", seconds + 20)))));
    cases.add(invalidToken("iat in the future beyond the skew", TOKENS.user(c -> c.put("iat", seconds + 600)),
        "not_yet_valid"));
    cases.add(invalidToken("exp null", TOKENS.user(c -> c.put("exp", Tokens.JSON_NULL)), "invalid_claim"));
    cases.add(invalidToken("exp missing", TOKENS.user(c -> c.remove("exp")), "invalid_claim"));
    cases.add(invalidToken("exp a string", TOKENS.user(c -> c.put("exp", String.valueOf(seconds + 3600))),
        "invalid_claim"));
    cases.add(allowed("exp a fractional NumericDate", PATH, bearer(TOKENS.user(c -> c.put("exp", seconds + 3600.5)))));
    cases.add(invalidToken("exp 1e300", TOKENS.user(c -> c.put("exp", 1e300)), "invalid_claim"));
    cases.add(invalidToken("exp negative", TOKENS.user(c -> c.put("exp", -1)), "invalid_claim"));
    cases.add(invalidToken("tid null", TOKENS.user(c -> c.put("tid", Tokens.JSON_NULL)), "invalid_claim"));
    cases.add(invalidToken("tid missing", TOKENS.user(c -> c.remove("tid")), "invalid_claim"));
    cases.add(invalidToken("tid empty", TOKENS.user(c -> c.put("tid", "")), "invalid_claim"));

    // Issuer and audience.
    cases.add(invalidToken("wrong issuer", TOKENS.user(c -> c.put("iss", "https://evil.example/" + TestIssuer.TENANT
        + "/")), "wrong_issuer"));
    cases.add(invalidToken("issuer names another tenant than tid", TOKENS.user(c -> c.put("iss",
        issuer(TestIssuer.V1_ISSUER, OTHER_TENANT))), "wrong_issuer"));
    cases.add(invalidToken("wrong audience", TOKENS.user(c -> c.put("aud", RunningGateway.GRAPH)),
        "wrong_audience"));
    cases.add(invalidToken("audience a number", TOKENS.user(c -> c.put("aud", 42)), "wrong_audience"));
    cases.add(allowed("audience array holding the route's audience", PATH, bearer(TOKENS.user(c -> c.put("aud",
        List.of(RunningGateway.GRAPH, TestIssuer.AUDIENCE))))));
    cases.add(allowed("v2.0 issuer with MFA", PATH, bearer(TOKENS.user(c -> c.put("iss",
        issuer(TestIssuer.V2_ISSUER, TestIssuer.TENANT))))));

    // Tenant (403).
    cases.add(refused("tenant not allowed", PATH, bearer(TOKENS.user(c -> {
      c.put("tid", OTHER_TENANT);
      c.put("iss", issuer(TestIssuer.V1_ISSUER, OTHER_TENANT));
    })), 403, "invalid_token", "tenant_not_allowed"));
    String upperTenant = TestIssuer.TENANT.toUpperCase(Locale.ROOT);
    cases.add(allowed("allowed tenant in upper case", PATH, bearer(TOKENS.user(c -> {
      c.put("tid", upperTenant);
      c.put("iss", issuer(TestIssuer.V1_ISSUER, upperTenant));
    }))));
    cases.add(refused("tenant checked before MFA", PATH, bearer(TOKENS.user(c -> {
      c.put("tid", OTHER_TENANT);
      c.put("iss", issuer(TestIssuer.V1_ISSUER, OTHER_TENANT));
      c.put("amr", List.of("pwd"));
    })), 403, "invalid_token", "tenant_not_allowed"));

    // Token kind (403): CPV apps never app-only; other apps per route.
    cases.add(appOnlyRefused("CPV app-only by appid", PATH, TOKENS.appOnly(TestConfigs.CPV_APP_ID, c -> {})));
    cases.add(appOnlyRefused("CPV app-only by azp (upper case)", PATH, TOKENS.appOnly(OTHER_APP, c -> {
      c.remove("appid");
      c.put("azp", TestConfigs.CPV_APP_ID.toUpperCase(Locale.ROOT));
    })));
    cases.add(appOnlyRefused("CPV app-only by idtyp app with scp", PATH, TOKENS.appOnly(TestConfigs.CPV_APP_ID,
        c -> c.put("scp", "user_impersonation"))));
    cases.add(appOnlyRefused("CPV app-only with blank scp", PATH, TOKENS.appOnly(TestConfigs.CPV_APP_ID, c -> {
      c.remove("idtyp");
      c.put("scp", " ");
    })));
    cases.add(allowed("CPV app+user token with MFA", PATH, bearer(TOKENS.user(c -> c.put("appid",
        TestConfigs.CPV_APP_ID)))));
    cases.add(allowed("other app-only where allowed", PATH, bearer(TOKENS.appOnly(OTHER_APP, c -> {}))));
    cases.add(appOnlyRefused("other app-only where the route refuses it", "/strict/orders",
        TOKENS.appOnly(OTHER_APP, c -> {})));
    cases.add(appOnlyRefused("other app-only (no scp, no idtyp) where the route refuses it", "/strict/orders",
        TOKENS.appOnly(OTHER_APP, c -> c.remove("idtyp"))));
    cases.add(allowed("MFA user token where the route refuses app-only", "/strict/orders", bearer(valid)));

    // MFA (401, RFC 9470).
    cases.add(mfaRequired("amr missing", TOKENS.user(c -> c.remove("amr"))));
    cases.add(mfaRequired("amr null", TOKENS.user(c -> c.put("amr", Tokens.JSON_NULL))));
    cases.add(mfaRequired("amr the string mfa", TOKENS.user(c -> c.put("amr", "mfa"))));
    cases.add(mfaRequired("amr [MFA]", TOKENS.user(c -> c.put("amr", List.of("pwd", "MFA")))));
    cases.add(mfaRequired("amr [mfa ] with a space", TOKENS.user(c -> c.put("amr", List.of("mfa ")))));
    cases.add(mfaRequired("amr fullwidth", TOKENS.user(c -> c.put("amr", List.of("\uff4d\uff46\uff41")))));
    cases.add(mfaRequired("amr Cyrillic a", TOKENS.user(c -> c.put("amr", List.of("mf\u0430")))));
    cases.add(mfaRequired("amr [pwd]", TOKENS.user(c -> c.put("amr", List.of("pwd")))));
    cases.add(mfaRequired("amr an object", TOKENS.user(c -> c.put("amr", Map.of("mfa", true)))));
    cases.add(mfaRequired("amr nested array", TOKENS.user(c -> c.put("amr", List.of(List.of("mfa"))))));
    cases.add(mfaRequired("v2.0 token without amr", TOKENS.user(c -> {
      c.put("iss", issuer(TestIssuer.V2_ISSUER, TestIssuer.TENANT));
      c.put("ver", "2.0");
      c.remove("amr");
    })));
    return cases.stream();
  }

  /** A self-signed certificate for the attacker's key, to embed as `x5c`. */
  private static X509Certificate attackerCertificate() throws Exception {
    return new CertificateBuilder().subject("CN=attacker").setIsCertificateAuthority(true).rsa2048()
        .keyPair(ATTACKER.toKeyPair()).buildSelfSigned().getCertificate();
  }

  private static String issuer(String template, String tenant) {
    return template.replace("{tenantid}", tenant);
  }

  private static List<String> bearer(String token) {
    return List.of("Bearer " + token);
  }

  private static Case allowed(String name, String target, List<String> authorizations) {
    return new Case("allowed: " + name, target, authorizations, 200, Refusals.NO_CHALLENGE, "ok");
  }

  private static Case refused(String name, String target, List<String> authorizations, int status,
      String challengeError, String reason) {
    return new Case(reason + ": " + name, target, authorizations, status, challengeError, reason);
  }

  private static Case invalidToken(String name, String token, String reason) {
    return refused(name, PATH, bearer(token), 401, "invalid_token", reason);
  }

  private static Case appOnlyRefused(String name, String target, String token) {
    return refused(name, target, bearer(token), 403, "insufficient_scope", "app_only_not_allowed");
  }

  private static Case mfaRequired(String name, String token) {
    return refused(name, PATH, bearer(token), 401, "insufficient_user_authentication", "mfa_required");
  }
}
