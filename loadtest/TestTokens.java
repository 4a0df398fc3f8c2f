import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/** Entra ID-shaped (v1.0) Partner Center tokens for the load tools (BenchIssuer, SoakLoad), signed RS256. */
final class TestTokens {
  static final String AUDIENCE = "https://api.partnercenter.microsoft.com";
  static final String OTHER_APP_ID = "0ddba11e-0000-4000-8000-0000000a1212";
  static final String FOREIGN_TENANT = "0badc0de-0000-4000-8000-00000000f0e1";

  private TestTokens() {}

  /** A user's token of {@code appId}, its authentication methods {@code amr}. */
  static JWTClaimsSet.Builder user(String tenantId, String appId, String oid, List<String> amr, Duration lifetime) {
    return claims(tenantId, appId, lifetime)
        .claim("idtyp", "user")
        .claim("scp", "user_impersonation")
        .claim("amr", amr)
        .claim("oid", oid);
  }

  /** An app-only token of {@code appId}. */
  static JWTClaimsSet.Builder app(String tenantId, String appId, String oid, Duration lifetime) {
    return claims(tenantId, appId, lifetime)
        .claim("idtyp", "app")
        .claim("roles", List.of("Partner.Read.All"))
        .claim("oid", oid);
  }

  /** The claims every token has: issued by {@code tenantId}'s v1.0 issuer, good from now for {@code lifetime}. */
  static JWTClaimsSet.Builder claims(String tenantId, String appId, Duration lifetime) {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .issuer("https://sts.windows.net/" + tenantId + "/")
        .audience(AUDIENCE)
        .issueTime(Date.from(now))
        .notBeforeTime(Date.from(now))
        .expirationTime(Date.from(now.plus(lifetime)))
        .jwtID(UUID.randomUUID().toString())
        .claim("tid", tenantId)
        .claim("appid", appId)
        .claim("ver", "1.0");
  }

  /** {@code claims} signed with {@code key}, the header naming {@code kid} (not always {@code key}'s own). */
  static String rs256(RSAKey key, String kid, JWTClaimsSet claims) throws JOSEException {
    SignedJWT jwt =
        new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).keyID(kid).build(), claims);
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }
}
