package dev.mfagateway.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * A token issuer for tests: RSA keys from Nimbus, a real JWKS endpoint over HTTP or HTTPS on 127.0.0.1 (JDK
 * HttpServer), token minting with any header and claims, key rotation, and JWKS failure modes. Counts the JWKS fetches
 * it served.
 */
public final class TestIssuer implements AutoCloseable {
  public static final String TENANT = "6f3d2b1a-0c4e-4a8b-9f7d-1e2c3b4a5d6e";
  public static final String AUDIENCE = "https://api.partnercenter.microsoft.com";
  public static final String V1_ISSUER = "https://sts.windows.net/{tenantid}/";
  public static final String V2_ISSUER = "https://login.microsoftonline.com/{tenantid}/v2.0";
  public static final String APP_ID = "1b2c3d4e-5f60-4718-9a0b-c1d2e3f4a5b6";

  /** What the JWKS endpoint answers. */
  public enum JwksMode {
    NORMAL,
    SERVER_ERROR,
    GARBAGE,
    EMPTY,
    HUGE,
    /** Declares a body over 1 MiB in Content-Length. */
    HUGE_DECLARED,
    /** Holds the response until {@link #releaseHeld()} (or close). */
    HOLD
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<RSAKey> published = new CopyOnWriteArrayList<>();
  private final Map<String, String> keyIssuers = new java.util.concurrent.ConcurrentHashMap<>();
  private final AtomicInteger fetches = new AtomicInteger();
  private volatile RSAKey signingKey;
  private volatile JwksMode mode = JwksMode.NORMAL;
  private volatile CountDownLatch held = new CountDownLatch(1);

  private TestIssuer(HttpServer server) {
    this.server = server;
  }

  public static TestIssuer start() {
    try {
      return serve(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The same issuer with its JWKS served over HTTPS, the handshake made with {@code tls}. */
  public static TestIssuer startHttps(SSLContext tls) {
    try {
      HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.setHttpsConfigurator(new HttpsConfigurator(tls));
      return serve(server);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static TestIssuer serve(HttpServer server) {
    TestIssuer issuer = new TestIssuer(server);
    issuer.signingKey = newKey();
    issuer.published.add(issuer.signingKey);
    server.createContext("/keys", issuer::serveJwks);
    server.setExecutor(issuer.executor);
    server.start();
    return issuer;
  }

  public static RSAKey newKey() {
    try {
      return new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public URI jwksUri() {
    String scheme = server instanceof HttpsServer ? "https" : "http";
    return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort() + "/keys");
  }

  public int fetchCount() {
    return fetches.get();
  }

  /** Waits (without polling) until the JWKS endpoint has been asked at least {@code count} times in all. */
  public boolean awaitFetchCount(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (fetches) {
      for (long left = timeout.toNanos(); fetches.get() < count && left > 0; left = deadline - System.nanoTime()) {
        TimeUnit.NANOSECONDS.timedWait(fetches, left);
      }
      return fetches.get() >= count;
    }
  }

  public RSAKey signingKey() {
    return signingKey;
  }

  /** A new signing key, published next to the old ones; tokens minted from now on use it. */
  public RSAKey rotate() {
    RSAKey fresh = newKey();
    published.add(0, fresh);
    signingKey = fresh;
    return fresh;
  }

  /** Takes a key out of the JWKS. */
  public void retire(RSAKey key) {
    published.removeIf(k -> k.getKeyID().equals(key.getKeyID()));
  }

  /** Publishes the key with an `issuer` member (as Entra's v2.0 keys have). */
  public void setKeyIssuer(RSAKey key, String issuerTemplate) {
    keyIssuers.put(key.getKeyID(), issuerTemplate);
  }

  public void respondWith(JwksMode mode) {
    if (mode == JwksMode.HOLD) {
      held = new CountDownLatch(1);
    }
    this.mode = mode;
  }

  public void releaseHeld() {
    held.countDown();
  }

  /** Claims of an app+user token with MFA for {@link #TENANT}, valid for an hour from {@code now}, v1 issuer. */
  public static Map<String, Object> userClaims(Instant now) {
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("aud", AUDIENCE);
    claims.put("iss", V1_ISSUER.replace("{tenantid}", TENANT));
    claims.put("iat", now.getEpochSecond());
    claims.put("nbf", now.getEpochSecond());
    claims.put("exp", now.getEpochSecond() + 3600);
    claims.put("amr", List.of("pwd", "mfa"));
    claims.put("appid", APP_ID);
    claims.put("idtyp", "user");
    claims.put("oid", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
    claims.put("scp", "user_impersonation");
    claims.put("tid", TENANT);
    claims.put("ver", "1.0");
    return claims;
  }

  /**
   * {@link #userClaims} plus the claims a real Entra ID v1 access token for a Partner Center user carries (names, UPN,
   * IP address, session and role ids, a long `scp`): signed, a token of about 2.3 KB (2,307 bytes), the size scripts really send.
   */
  public static Map<String, Object> entraSizedUserClaims(Instant now) {
    Map<String, Object> claims = userClaims(now);
    claims.put("acr", "1");
    claims.put("aio", "AVQAq/8YAAAA" + "x7Jk2mQ9pL4vN8rT1sW6yZ3bC5dF0gH2jK4lM7nP9qR1sT3uV5wX8yZ0aB2cD4eF6gH8iJ0kL2mN4oP6qR8".repeat(2));
    claims.put("app_displayname", "Contoso billing automation (production)");
    claims.put("appidacr", "1");
    claims.put("family_name", "Automation");
    claims.put("given_name", "Billing");
    claims.put("ipaddr", "203.0.113.42");
    claims.put("name", "Billing Automation Service Account");
    claims.put("puid", "10032003A1B2C3D4");
    claims.put("rh", "1.AQoAGitDbw4MikqffR4sO0pdbhtDLR5fYBhHmgvB0uP0pbYKAHM.");
    claims.put("scp", "user_impersonation Directory.Read.All User.Read openid profile offline_access email");
    claims.put("sid", "00a8b1c2-d3e4-4f56-9a7b-8c9d0e1f2a3b");
    claims.put("sub", "kT3mP9vL2xQ8nR5wJ7yB4cF6hG1dS0aZ3eU8iO2pK5l");
    claims.put("unique_name", "billing-automation@contoso-partner.onmicrosoft.com");
    claims.put("upn", "billing-automation@contoso-partner.onmicrosoft.com");
    claims.put("uti", "q1W2e3R4t5Y6u7I8o9P0aA");
    claims.put("wids", List.of("62e90394-69f5-4237-9190-012177145e10", "b79fbf4d-3ef9-4689-8143-76b194e85509",
        "f2ef992c-3afb-46b9-b7cf-a126ee74c451"));
    claims.put("xms_cc", List.of("CP1"));
    claims.put("xms_ftd", "k3Jp9Lq2mN8vX5tR1wY7zB4cD6fG0hJ2kL9mN3pQ5rS");
    claims.put("xms_idrel", "1 24");
    claims.put("xms_tcdt", 1600000000L);
    return claims;
  }

  /** Claims of an app-only token (no `scp`, `idtyp` app) of {@code appId}. */
  public static Map<String, Object> appOnlyClaims(Instant now, String appId) {
    Map<String, Object> claims = userClaims(now);
    claims.remove("scp");
    claims.remove("amr");
    claims.put("idtyp", "app");
    claims.put("appid", appId);
    return claims;
  }

  /** RS256, `typ` JWT, `kid` of the current signing key. */
  public String mint(Map<String, Object> claims) {
    return mint(header().build(), JSONObjectUtils.toJSONString(claims), signingKey);
  }

  public JWSHeader.Builder header() {
    return new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).keyID(signingKey.getKeyID());
  }

  /** Signs the exact payload text (which may hold JSON {@code null}s or duplicate members) with {@code key}. */
  public static String mint(JWSHeader header, String payloadJson, RSAKey key) {
    try {
      JWSObject jws = new JWSObject(header, new Payload(payloadJson));
      jws.sign(new RSASSASigner(key));
      return jws.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private void serveJwks(HttpExchange exchange) throws IOException {
    synchronized (fetches) {
      fetches.incrementAndGet();
      fetches.notifyAll();
    }
    try (exchange) {
      switch (mode) {
        case NORMAL -> send(exchange, 200, jwksJson());
        case SERVER_ERROR -> send(exchange, 500, "{\"error\":\"down\"}");
        case GARBAGE -> send(exchange, 200, "<html>not json</html>");
        case EMPTY -> send(exchange, 200, "{\"keys\":[]}");
        case HUGE -> sendHuge(exchange);
        case HUGE_DECLARED -> sendDeclaredHuge(exchange);
        case HOLD -> {
          awaitRelease();
          send(exchange, 200, jwksJson());
        }
      }
    }
  }

  private void awaitRelease() {
    try {
      held.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The JWKS as the endpoint serves it now: every published key, public parts only. */
  public String jwksJson() {
    List<Object> keys = new ArrayList<>();
    for (RSAKey key : published) {
      Map<String, Object> json = new LinkedHashMap<>(key.toPublicJWK().toJSONObject());
      json.put("use", "sig");
      String issuer = keyIssuers.get(key.getKeyID());
      if (issuer != null) {
        json.put("issuer", issuer);
      }
      keys.add(json);
    }
    return JSONObjectUtils.toJSONString(Map.of("keys", keys));
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  /** A valid-looking JWKS that never ends within 1 MiB, streamed without a Content-Length. */
  private static void sendHuge(HttpExchange exchange) throws IOException {
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    out.write("{\"keys\":[".getBytes(StandardCharsets.US_ASCII));
    byte[] filler = "{\"kty\":\"oct\"},".repeat(1000).getBytes(StandardCharsets.US_ASCII);
    try {
      for (int written = 0; written < 3 * 1024 * 1024; written += filler.length) {
        out.write(filler);
      }
    } catch (IOException clientGaveUp) {
      // The gateway cancels the transfer once it is over the limit.
    }
  }

  private static void sendDeclaredHuge(HttpExchange exchange) throws IOException {
    exchange.sendResponseHeaders(200, 2L * 1024 * 1024);
    try {
      exchange.getResponseBody().write("{\"keys\":[".getBytes(StandardCharsets.US_ASCII));
    } catch (IOException clientGaveUp) {
      // The gateway refuses the body from its declared length.
    }
  }

  @Override
  public void close() {
    held.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
