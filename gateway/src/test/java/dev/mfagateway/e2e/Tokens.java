package dev.mfagateway.e2e;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.mfagateway.testing.TestIssuer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Tokens an attacker or a misconfigured client would send, built from the {@link TestIssuer}'s claims: altered
 * claims, other algorithms, unsigned, re-encoded.
 */
final class Tokens {
  /** Stands for a JSON {@code null} in a claims map (Nimbus's serialiser drops real nulls). */
  static final String JSON_NULL = "__json_null__";

  private final TestIssuer issuer;

  Tokens(TestIssuer issuer) {
    this.issuer = issuer;
  }

  /** An MFA user token of the allowed tenant, valid for an hour. */
  String valid() {
    return user(claims -> {});
  }

  /** The MFA user token's claims as changed by {@code change}, signed by the issuer's current key. */
  String user(Consumer<Map<String, Object>> change) {
    Map<String, Object> claims = TestIssuer.userClaims(Instant.now());
    change.accept(claims);
    return issuer.mint(issuer.header().build(), json(claims), issuer.signingKey());
  }

  /** App-only claims of {@code appId} as changed by {@code change}. */
  String appOnly(String appId, Consumer<Map<String, Object>> change) {
    Map<String, Object> claims = TestIssuer.appOnlyClaims(Instant.now(), appId);
    change.accept(claims);
    return issuer.mint(issuer.header().build(), json(claims), issuer.signingKey());
  }

  /** Valid claims under {@code header}, signed by {@code signer}. */
  private static String signed(JWSHeader header, JWSSigner signer) {
    try {
      JWSObject jws = new JWSObject(header, new Payload(json(TestIssuer.userClaims(Instant.now()))));
      jws.sign(signer);
      return jws.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** HS256 keyed with the issuer's RSA modulus: the "public key as HMAC secret" confusion. */
  String hs256() throws JOSEException {
    byte[] modulus = issuer.signingKey().getModulus().decode();
    return signed(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(issuer.signingKey().getKeyID()).build(),
        new MACSigner(modulus));
  }

  String es256() throws JOSEException {
    var key = new ECKeyGenerator(Curve.P_256).keyID(issuer.signingKey().getKeyID()).generate();
    return signed(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build(), new ECDSASigner(key));
  }

  /** An unsecured token whose `alg` is {@code alg} (e.g. none, None), with a non-empty signature segment. */
  static String unsecured(String alg) {
    return Base64URL.encode("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}") + "."
        + Base64URL.encode(json(TestIssuer.userClaims(Instant.now()))) + ".c2lnbmF0dXJl";
  }

  /** Signs the exact header and payload texts (which may repeat a member) with RS256. */
  static String signedRaw(String headerJson, String payloadJson, RSAKey key) throws JOSEException {
    String signingInput = Base64URL.encode(headerJson) + "." + Base64URL.encode(payloadJson);
    Base64URL signature = new RSASSASigner(key)
        .sign(new JWSHeader(JWSAlgorithm.RS256), signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + signature;
  }

  /** A valid token whose signature is re-encoded in standard base64 (`+`, `/`): Nimbus would still accept it. */
  String withStandardBase64Signature() {
    for (int attempt = 0; ; attempt++) {
      String jti = "attempt-" + attempt;
      String token = user(claims -> claims.put("jti", jti));
      int dot = token.lastIndexOf('.');
      byte[] signature = Base64.getUrlDecoder().decode(token.substring(dot + 1));
      String reencoded = Base64.getEncoder().withoutPadding().encodeToString(signature);
      if (reencoded.contains("+") || reencoded.contains("/") || attempt == 20) {
        return token.substring(0, dot + 1) + reencoded;
      }
    }
  }

  static String json(Map<String, Object> claims) {
    return JSONObjectUtils.toJSONString(claims).replace("\"" + JSON_NULL + "\"", "null");
  }
}
