package dev.mfagateway.demo;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/**
 * A stand-in for Entra ID: one RSA signing key, its JWKS served over HTTP on loopback, and tokens shaped like
 * Partner Center access tokens (v1 issuer `https://sts.windows.net/{tid}/`).
 */
public final class DemoIssuer implements AutoCloseable {
  public static final String AUDIENCE = "https://api.partnercenter.microsoft.com";

  private final RSAKey signingKey;
  private final HttpServer server;

  private DemoIssuer(RSAKey signingKey, HttpServer server) {
    this.signingKey = signingKey;
    this.server = server;
  }

  public static DemoIssuer start() throws IOException {
    RSAKey key;
    try {
      key = new RSAKeyGenerator(2048).keyID("demo-" + UUID.randomUUID()).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot generate the demo signing key", e);
    }
    return start(key);
  }

  /** An issuer signing with {@code key}, its public half served as the JWKS (loadtest/BenchIssuer mints with it too). */
  public static DemoIssuer start(RSAKey key) throws IOException {
    byte[] jwks = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/discovery/keys",
        exchange -> {
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, jwks.length);
          try (OutputStream body = exchange.getResponseBody()) {
            body.write(jwks);
          }
        });
    server.start();
    return new DemoIssuer(key, server);
  }

  public URI jwksUri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/discovery/keys");
  }

  /** An app+user token; {@code amr} as given (e.g. `pwd`, `mfa`). */
  public String userToken(String tenantId, String appId, List<String> amr) {
    return sign(
        claims(tenantId, appId)
            .claim("idtyp", "user")
            .claim("scp", "user_impersonation")
            .claim("amr", amr)
            .claim("oid", UUID.nameUUIDFromBytes(("user" + tenantId).getBytes(StandardCharsets.UTF_8)).toString())
            .build());
  }

  /** An app-only token (client credentials): no `scp`, `idtyp` = `app`. */
  public String appOnlyToken(String tenantId, String appId) {
    return sign(
        claims(tenantId, appId)
            .claim("idtyp", "app")
            .claim("roles", List.of("Partner.Read.All"))
            .claim("oid", UUID.nameUUIDFromBytes(("app" + appId).getBytes(StandardCharsets.UTF_8)).toString())
            .build());
  }

  private static JWTClaimsSet.Builder claims(String tenantId, String appId) {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .issuer("https://sts.windows.net/" + tenantId + "/")
        .audience(AUDIENCE)
        .issueTime(Date.from(now))
        .notBeforeTime(Date.from(now))
        .expirationTime(Date.from(now.plus(Duration.ofHours(1))))
        .claim("tid", tenantId)
        .claim("appid", appId)
        .claim("ver", "1.0");
  }

  private String sign(JWTClaimsSet claims) {
    JWSHeader header =
        new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).keyID(signingKey.getKeyID()).build();
    SignedJWT jwt = new SignedJWT(header, claims);
    try {
      jwt.sign(new RSASSASigner(signingKey));
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a demo token", e);
    }
    return jwt.serialize();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
