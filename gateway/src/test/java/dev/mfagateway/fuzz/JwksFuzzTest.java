package dev.mfagateway.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.sun.net.httpserver.HttpServer;
import dev.mfagateway.auth.SigningKeys;
import dev.mfagateway.testing.MutableClock;
import dev.mfagateway.testing.TestConfigs;
import java.net.InetSocketAddress;
import java.net.URI;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Arbitrary bytes served as the JWKS, fetched by the real {@link SigningKeys} over loopback: every fetch ends with an
 * outcome, and every key it then holds has a kid, is asymmetric, is not for encryption and carries no private part.
 */
class JwksFuzzTest {
  private static final AtomicReference<byte[]> body = new AtomicReference<>(new byte[0]);
  private static final AtomicReference<SigningKeys.FetchOutcome> lastOutcome = new AtomicReference<>();

  private static HttpServer server;
  private static SigningKeys keys;

  @BeforeAll
  static void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/keys", exchange -> {
      try (exchange) {
        byte[] bytes = body.get();
        exchange.sendResponseHeaders(200, bytes.length == 0 ? -1 : bytes.length);
        exchange.getResponseBody().write(bytes);
      }
    });
    server.start();
    URI jwks = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/keys");
    keys = new SigningKeys(TestConfigs.auth(jwks), MutableClock.atNow());
    keys.setListener(lastOutcome::set);
  }

  @AfterAll
  static void stop() {
    keys.close();
    server.stop(0);
  }

  @FuzzTest(maxDuration = "2m")
  void servedKeys(byte[] jwks) throws Exception {
    JwksConnections.allow(server.getAddress().getPort());
    body.set(jwks);
    lastOutcome.set(null);
    keys.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(lastOutcome.get()).as("the fetch's outcome").isNotNull();
    for (String kid : kids(new String(jwks, java.nio.charset.StandardCharsets.UTF_8))) {
      SigningKeys.SigningKey key = keys.lookUpNow(kid).key();
      if (key != null) {
        assertThat(key.kid()).isEqualTo(kid);
        assertThat(key.jwk().isPrivate()).as("a private part kept").isFalse();
        assertThat(key.jwk().getKeyUse()).isNotEqualTo(KeyUse.ENCRYPTION);
        assertThat(key.publicKey()).isNotNull();
      }
    }
  }

  /** The string kids the body names, when it is a JSON object with a keys array; the fetch decides the rest. */
  private static List<String> kids(String json) {
    List<String> kids = new ArrayList<>();
    try {
      List<Object> entries = JSONObjectUtils.getJSONArray(JSONObjectUtils.parse(json), "keys");
      for (Object entry : entries == null ? List.of() : entries) {
        if (entry instanceof Map<?, ?> member && member.get("kid") instanceof String kid) {
          kids.add(kid);
        }
      }
    } catch (ParseException | RuntimeException notJwks) {
      return kids;
    }
    return kids;
  }
}
