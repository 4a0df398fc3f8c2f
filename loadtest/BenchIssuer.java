import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.mfagateway.demo.DemoIssuer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Token issuer for compare.sh, run as a single source file on the gateway jar's class path:
 *
 * <pre>java -cp gateway/target/mfa-gateway.jar loadtest/BenchIssuer.java OUT_DIR TENANT_ID CPV_APP_ID MAX_SECONDS</pre>
 *
 * Generates one RSA signing key, serves its JWKS over HTTP on a free loopback port, and writes into OUT_DIR:
 * {@code jwks.json} (the same JWKS as a file), {@code public-key.pem} (SPKI, what HAProxy's {@code jwt_verify}
 * reads), {@code tokens/<case>} for each case of {@link #cases} (Partner Center-shaped tokens of TENANT_ID, the
 * valid ones good for MAX_SECONDS plus an hour), {@code token-pool} (1,000 valid MFA tokens of different users, one
 * a line) and, last, {@code jwks-uri}. Then it serves until standard input closes, the process is killed, or
 * MAX_SECONDS pass, so it never outlives a run that was killed hard.
 */
public final class BenchIssuer {
  static final String AUDIENCE = "https://api.partnercenter.microsoft.com";
  static final String APP_ID = "5ca1ab1e-0000-4000-8000-00000000be4c";
  static final String OTHER_APP_ID = "0ddba11e-0000-4000-8000-0000000a1212";
  static final String FOREIGN_TENANT = "0badc0de-0000-4000-8000-00000000f0e1";
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
      writeAtomically(out.resolve("jwks-uri"), served.jwksUri().toString());
      try {
        CompletableFuture.runAsync(BenchIssuer::drainStandardInput).get(maxSeconds, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        System.err.println("BenchIssuer: stopping after " + maxSeconds + "s");
      }
    } finally {
      served.close();
    }
    System.exit(0);
  }

  private void writeFiles(Path out, String jwks) throws IOException, JOSEException {
    writeAtomically(out.resolve("jwks.json"), jwks);
    writeAtomically(out.resolve("public-key.pem"), publicKeyPem);
    Path tokens = Files.createDirectories(out.resolve("tokens"));
    for (Map.Entry<String, String> token : cases().entrySet()) {
      writeAtomically(tokens.resolve(token.getKey()), token.getValue());
    }
    List<String> pool = new ArrayList<>(POOL_SIZE);
    for (int i = 0; i < POOL_SIZE; i++) {
      pool.add(rs256(signingKey, userClaims(tenant, List.of("pwd", "mfa")).build()));
    }
    writeAtomically(out.resolve("token-pool"), String.join("\n", pool) + "\n");
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
    cases.put("foreign-tenant", rs256(signingKey, userClaims(FOREIGN_TENANT, List.of("pwd", "mfa")).build()));
    cases.put(
        "wrong-audience",
        rs256(signingKey, userClaims(tenant, List.of("pwd", "mfa")).audience("api://somebody-else").build()));
    cases.put("cpv-app-only", rs256(signingKey, appOnlyClaims(tenant, cpvAppId).build()));
    cases.put("other-app-only", rs256(signingKey, appOnlyClaims(tenant, OTHER_APP_ID).build()));
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
    return baseClaims(tenantId, APP_ID)
        .claim("idtyp", "user")
        .claim("scp", "user_impersonation")
        .claim("amr", amr)
        .claim("oid", UUID.randomUUID().toString());
  }

  private JWTClaimsSet.Builder appOnlyClaims(String tenantId, String appId) {
    return baseClaims(tenantId, appId)
        .claim("idtyp", "app")
        .claim("roles", List.of("Partner.Read.All"))
        .claim("oid", UUID.randomUUID().toString());
  }

  private JWTClaimsSet.Builder baseClaims(String tenantId, String appId) {
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

  private static String rs256(RSAKey key, JWTClaimsSet claims) throws JOSEException {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).keyID(key.getKeyID()).build(), claims);
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  private static String pem(byte[] subjectPublicKeyInfo) {
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(subjectPublicKeyInfo)
        + "\n-----END PUBLIC KEY-----\n";
  }

  private static void drainStandardInput() {
    try {
      System.in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException e) {
      // standard input is gone: stop as if it had closed
    }
  }

  private static void writeAtomically(Path file, String content) throws IOException {
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    Files.writeString(partial, content);
    Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
  }
}
