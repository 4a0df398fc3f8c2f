import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.mfagateway.demo.DemoIssuer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Token issuer for compare.sh, compiled with javac against the gateway jar (Nimbus comes from it) together with
 * TestTokens.java and ScriptIo.java:
 *
 * <pre>java -cp mfa-gateway.jar:CLASSES BenchIssuer OUT_DIR TENANT_ID CPV_APP_ID MAX_SECONDS</pre>
 *
 * Generates one RSA signing key, serves its JWKS over HTTP on a free loopback port, and writes into OUT_DIR:
 * {@code jwks.json} (the same JWKS as a file), {@code public-key.pem} (SPKI, what HAProxy's {@code jwt_verify}
 * reads), {@code tokens/<case>} for each case of {@link #cases} (Partner Center-shaped tokens of TENANT_ID, the
 * valid ones good for MAX_SECONDS plus an hour), {@code token-pool} (1,000 valid MFA tokens of different users, one
 * a line) and, last, {@code jwks-uri}. Then it serves until standard input closes, the process is killed, or
 * MAX_SECONDS pass, so it never outlives a run that was killed hard.
 */
public final class BenchIssuer {
  static final String APP_ID = "5ca1ab1e-0000-4000-8000-00000000be4c";
  static final int POOL_SIZE = 1000;

  private final RSAKey signingKey;
  private final RSAKey strangerKey;
  private final String publicKeyPem;
  private final String tenant;
  private final String cpvAppId;
  private final Duration lifetime;

  private BenchIssuer(String tenant, String cpvAppId, Duration lifetime) throws JOSEException {
    String kid = "bench-" + UUID.randomUUID();
    this.signingKey = new RSAKeyGenerator(2048).keyID(kid).generate();
    this.strangerKey = new RSAKeyGenerator(2048).keyID(kid).generate();
    this.publicKeyPem = pem(signingKey.toRSAPublicKey().getEncoded());
    this.tenant = tenant;
    this.cpvAppId = cpvAppId;
    this.lifetime = lifetime;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      System.err.println("usage: BenchIssuer OUT_DIR TENANT_ID CPV_APP_ID MAX_SECONDS");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    long maxSeconds = Long.parseLong(args[3]);
    BenchIssuer issuer = new BenchIssuer(args[1], args[2], Duration.ofSeconds(maxSeconds).plusHours(1));
    String jwks = new JWKSet(issuer.signingKey.toPublicJWK()).toString();
    DemoIssuer served = DemoIssuer.start(issuer.signingKey);
    try {
      issuer.writeFiles(out, jwks);
      ScriptIo.writeAtomically(out.resolve("jwks-uri"), served.jwksUri().toString());
      ScriptIo.awaitStandardInputClosed("BenchIssuer", maxSeconds);
    } finally {
      served.close();
    }
    System.exit(0);
  }

  private void writeFiles(Path out, String jwks) throws IOException, JOSEException {
    ScriptIo.writeAtomically(out.resolve("jwks.json"), jwks);
    ScriptIo.writeAtomically(out.resolve("public-key.pem"), publicKeyPem);
    Path tokens = Files.createDirectories(out.resolve("tokens"));
    for (Map.Entry<String, String> token : cases().entrySet()) {
      ScriptIo.writeAtomically(tokens.resolve(token.getKey()), token.getValue());
    }
    List<String> pool = new ArrayList<>(POOL_SIZE);
    for (int i = 0; i < POOL_SIZE; i++) {
      pool.add(rs256(signingKey, userClaims(tenant, List.of("pwd", "mfa")).build()));
    }
    ScriptIo.writeAtomically(out.resolve("token-pool"), String.join("\n", pool) + "\n");
  }

  /**
   * One token per case compare.sh checks: {@code valid} (an MFA user) and {@code other-app-only} (app-only, not a
   * CPV) must pass every enforcing target, all others must be refused.
   */
  Map<String, String> cases() throws JOSEException {
    Instant past = Instant.now().minus(Duration.ofHours(2));
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("valid", rs256(signingKey, userClaims(tenant, List.of("pwd", "mfa")).build()));
    cases.put("non-mfa", rs256(signingKey, userClaims(tenant, List.of("pwd")).build()));
    cases.put("bad-signature", rs256(strangerKey, userClaims(tenant, List.of("pwd", "mfa")).build()));
    cases.put(
        "expired",
        rs256(
            signingKey,
            userClaims(tenant, List.of("pwd", "mfa"))
                .issueTime(Date.from(past))
                .notBeforeTime(Date.from(past))
                .expirationTime(Date.from(past.plus(Duration.ofHours(1))))
                .build()));
    cases.put(
        "foreign-tenant", rs256(signingKey, userClaims(TestTokens.FOREIGN_TENANT, List.of("pwd", "mfa")).build()));
    cases.put(
        "wrong-audience",
        rs256(signingKey, userClaims(tenant, List.of("pwd", "mfa")).audience("api://somebody-else").build()));
    cases.put("cpv-app-only", rs256(signingKey, appOnlyClaims(tenant, cpvAppId).build()));
    cases.put("other-app-only", rs256(signingKey, appOnlyClaims(tenant, TestTokens.OTHER_APP_ID).build()));
    cases.put("alg-none", new PlainJWT(new PlainHeader(), userClaims(tenant, List.of("pwd", "mfa")).build()).serialize());
    // The classic key confusion: HMAC keyed with the bytes of the published public key.
    SignedJWT hs256 =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).keyID(signingKey.getKeyID()).build(),
            userClaims(tenant, List.of("pwd", "mfa")).build());
    hs256.sign(new MACSigner(publicKeyPem.getBytes(StandardCharsets.US_ASCII)));
    cases.put("hs256", hs256.serialize());
    return cases;
  }

  private JWTClaimsSet.Builder userClaims(String tenantId, List<String> amr) {
    return TestTokens.user(tenantId, APP_ID, UUID.randomUUID().toString(), amr, lifetime);
  }

  private JWTClaimsSet.Builder appOnlyClaims(String tenantId, String appId) {
    return TestTokens.app(tenantId, appId, UUID.randomUUID().toString(), lifetime);
  }

  private static String rs256(RSAKey key, JWTClaimsSet claims) throws JOSEException {
    return TestTokens.rs256(key, key.getKeyID(), claims);
  }

  private static String pem(byte[] subjectPublicKeyInfo) {
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(subjectPublicKeyInfo)
        + "\n-----END PUBLIC KEY-----\n";
  }
}
