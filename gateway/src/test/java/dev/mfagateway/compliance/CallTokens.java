package dev.mfagateway.compliance;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.mfagateway.testing.TestIssuer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Tokens for the compliance tests, minted by the {@link TestIssuer} for a chosen tenant, app and user (lifetimes on
 * the system clock, whatever clock the report uses), and the forged or broken ones a gateway must never attribute.
 */
final class CallTokens {
  /** A key the issuer never published. */
  private static final RSAKey FORGER = TestIssuer.newKey();

  private final TestIssuer issuer;

  CallTokens(TestIssuer issuer) {
    this.issuer = issuer;
  }

  /** App+user claims of {@code tid} (v1 issuer), app {@code appId} (none when null), user {@code oid}, with MFA. */
  static Map<String, Object> claims(String tid, String appId, String oid) {
    Map<String, Object> claims = TestIssuer.userClaims(Instant.now());
    claims.put("tid", tid);
    claims.put("iss", TestIssuer.V1_ISSUER.replace("{tenantid}", tid));
    claims.put("oid", oid);
    if (appId == null) {
      claims.remove("appid");
    } else {
      claims.put("appid", appId);
    }
    return claims;
  }

  /** A user token, with an `amr` proving MFA or not. */
  String user(String tid, String appId, String oid, boolean mfa) {
    return user(tid, appId, oid, claims -> claims.put("amr", mfa ? List.of("pwd", "mfa") : List.of("pwd")));
  }

  /** A user token with MFA, its claims changed by {@code change}. */
  String user(String tid, String appId, String oid, Consumer<Map<String, Object>> change) {
    Map<String, Object> claims = claims(tid, appId, oid);
    change.accept(claims);
    return issuer.mint(claims);
  }

  /** An app-only token (no `scp`, `idtyp` app) of {@code appId}. */
  String appOnly(String tid, String appId) {
    Map<String, Object> claims = claims(tid, appId, "00000000-0000-0000-0000-00000000a990");
    claims.remove("scp");
    claims.remove("amr");
    claims.put("idtyp", "app");
    return issuer.mint(claims);
  }

  /** Good claims under the issuer's `kid`, signed by a key it never published: `bad_signature`. */
  String badSignature(String tid, String appId) {
    return TestIssuer.mint(issuer.header().build(), JSONObjectUtils.toJSONString(claims(tid, appId, "u")), FORGER);
  }

  /** Good claims signed by a key the JWKS does not have: `unknown_key`. */
  String unknownKey(String tid, String appId) {
    JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(FORGER.getKeyID()).build();
    return TestIssuer.mint(header, JSONObjectUtils.toJSONString(claims(tid, appId, "u")), FORGER);
  }

  /** Expired an hour ago (far beyond the clock skew). */
  String expired(String tid, String appId) {
    return user(tid, appId, "u", claims -> {
      long now = Instant.now().getEpochSecond();
      claims.put("iat", now - 7200);
      claims.put("nbf", now - 7200);
      claims.put("exp", now - 3600);
    });
  }

  /** Valid from an hour on. */
  String notYetValid(String tid, String appId) {
    return user(tid, appId, "u", claims -> claims.put("nbf", Instant.now().getEpochSecond() + 3600));
  }

  String wrongIssuer(String tid, String appId) {
    return user(tid, appId, "u", claims -> claims.put("iss", "https://issuer.invalid/" + tid + "/"));
  }

  /** `exp` a string: `invalid_claim`. */
  String invalidClaim(String tid, String appId) {
    return user(tid, appId, "u", claims -> claims.put("exp", "tomorrow"));
  }

  /** HS256 keyed with the issuer's public modulus (the key-confusion attack): `algorithm_not_allowed`. */
  String hs256(String tid, String appId) {
    try {
      JWSObject jws = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(issuer.signingKey().getKeyID())
          .build(), new Payload(JSONObjectUtils.toJSONString(claims(tid, appId, "u"))));
      jws.sign(new MACSigner(issuer.signingKey().getModulus().decode()));
      return jws.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Not a compact JWS: `malformed_token`. */
  static String malformed() {
    return "this-is-not-a-jwt";
  }
}
