package dev.mfagateway.fuzz;

import dev.mfagateway.testing.NimbusReference;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.mfagateway.auth.CryptoProviders;
import dev.mfagateway.auth.SigningKeys;
import dev.mfagateway.auth.TokenVerifier;
import dev.mfagateway.config.AuthConfig;
import dev.mfagateway.testing.MutableClock;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Tokens generated around a valid one — header members added, changed or dropped, the payload replaced, the signature
 * kept, re-made by another key, over another input, truncated or altered — judged by the gateway's own signature steps
 * ({@link TokenVerifier#parse}, key by kid, {@link TokenVerifier#checkSignature}, the payload read as a JSON object
 * by {@link TokenVerifier#claims}) and by Nimbus's
 * {@link DefaultJWTProcessor} set up as in {@code SignatureChecksAgreeWithNimbusTest}. They must agree but for the two
 * pinned differences, where Nimbus accepts and the gateway refuses: `b64` false, and a header without `kid`. Every part
 * is well-formed base64url, so the encodings the gateway refuses by shape alone (SECURITY-NOTES §0 item 4) are left to
 * {@code TokenEncodingTest}.
 */
class DifferentialSignatureFuzzTest {
  private static final RSAKey ATTACKER_KEY = TestIssuer.newKey();
  private static final String[] ALGORITHMS = {"RS256", "RS384", "PS256", "ES256", "HS256", "none", "None", "rs256", ""};
  private static final String[] TYPES = {"JWT", "jwt", "at+jwt", "JOSE", "application/jwt", ""};

  private static TestIssuer issuer;
  private static RSAKey previous;
  private static RSAKey current;
  private static SigningKeys keys;
  private static TokenVerifier ours;
  private static DefaultJWTProcessor<SecurityContext> nimbus;

  @BeforeAll
  @SuppressWarnings("unchecked") // DefaultJOSEObjectTypeVerifier.JWT is a raw type
  static void start() throws Exception {
    issuer = TestIssuer.start();
    previous = issuer.signingKey();
    current = issuer.rotate();
    MutableClock clock = MutableClock.atNow();
    AuthConfig config = TestConfigs.auth(issuer.jwksUri());
    keys = new SigningKeys(config, clock);
    keys.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(keys.keyCount()).isEqualTo(2);
    ours = new TokenVerifier(config, keys, CryptoProviders.select(), clock);
    nimbus = NimbusReference.signatureChecksOnly(
        new JWKSet(List.of(previous.toPublicJWK(), current.toPublicJWK())));
  }

  @AfterAll
  static void stop() {
    keys.close();
    issuer.close();
  }

  @FuzzTest(maxDuration = "2m")
  void agreesWithNimbus(FuzzedDataProvider data) {
    Map<String, Object> header = header(data);
    String encodedHeader = b64(data.consumeBoolean() ? Tokens.json(header) : data.consumeString(120));
    String payload = data.consumeBoolean()
        ? Tokens.json(Tokens.claims(data, java.time.Instant.now()))
        : data.consumeString(200);
    String token = encodedHeader + "." + b64(payload) + "." + signature(data, encodedHeader, payload);

    if (claimTypesOutOfScope(token)) {
      return;
    }
    boolean oursAccepts = oursAccepts(token);
    boolean nimbusAccepts = nimbusAccepts(token);
    if (oursAccepts != nimbusAccepts) {
      assertThat(!oursAccepts && pinnedDifference(token))
          .as("ours %s, Nimbus %s, with no pinned difference (header %s)",
              oursAccepts ? "accepts" : "refuses", nimbusAccepts ? "accepts" : "refuses", headerOf(token))
          .isTrue();
    }
  }

  /** Header members around RS256, typ JWT and the current kid: each one kept, dropped or replaced. */
  private static Map<String, Object> header(FuzzedDataProvider data) {
    Map<String, Object> header = new LinkedHashMap<>();
    header.put("alg", data.consumeInt(0, 3) > 0 ? "RS256" : data.pickValue(ALGORITHMS));
    switch (data.consumeInt(0, 3)) {
      case 0 -> { }
      case 1 -> header.put("typ", data.pickValue(TYPES));
      default -> header.put("typ", "JWT");
    }
    switch (data.consumeInt(0, 4)) {
      case 0 -> { }
      case 1 -> header.put("kid", previous.getKeyID());
      case 2 -> header.put("kid", Tokens.value(data, java.time.Instant.now(), 1));
      default -> header.put("kid", current.getKeyID());
    }
    int extra = data.consumeInt(0, 3);
    for (int i = 0; i < extra; i++) {
      String name = data.pickValue(List.of("b64", "crit", "cty", "jwk", "jku", "x5u", "zip", "enc", "zzz"));
      Object value = switch (data.consumeInt(0, 3)) {
        case 0 -> false;
        case 1 -> List.of(data.pickValue(List.of("b64", "zzz", "exp")));
        case 2 -> List.of();
        default -> Tokens.value(data, java.time.Instant.now(), 1);
      };
      header.put(name, value);
    }
    return header;
  }

  /** Over the token's signing input by a published key or another, over the unencoded payload, or none of these. */
  private static String signature(FuzzedDataProvider data, String encodedHeader, String payload) {
    String signingInput = encodedHeader + "." + b64(payload);
    return switch (data.consumeInt(0, 6)) {
      case 0 -> sign(previous, signingInput);
      case 1 -> sign(ATTACKER_KEY, signingInput);
      case 2 -> sign(current, encodedHeader + "." + payload);
      case 3 -> Base64URL.encode(data.consumeBytes(300)).toString();
      case 4 -> {
        byte[] signature = new Base64URL(sign(current, signingInput)).decode();
        signature[data.consumeInt(0, signature.length - 1)] ^= (byte) data.consumeInt(1, 255);
        yield Base64URL.encode(signature).toString();
      }
      default -> sign(current, signingInput);
    };
  }

  private static boolean oursAccepts(String token) {
    TokenVerifier.ParsedToken parsed;
    try {
      parsed = ours.parse(token);
    } catch (TokenVerifier.Refused refused) {
      return false;
    }
    String kid = parsed.header().getKeyID();
    SigningKeys.SigningKey key = kid == null ? null : keys.lookUpNow(kid).key();
    if (key == null || ours.checkSignature(parsed, key).isPresent()) {
      return false;
    }
    try {
      ours.claims(parsed);
      return true;
    } catch (TokenVerifier.Refused notAnObject) {
      return false;
    }
  }

  /**
   * A JSON object payload that Nimbus's {@code JWTClaimsSet} cannot read (a registered claim of the wrong type): the
   * processor refuses it before any signature step, while the gateway refuses or ignores it in its claim checks, which
   * {@code VerdictFuzzTest} covers. Which payloads are JSON objects is compared, though.
   */
  private static boolean claimTypesOutOfScope(String token) {
    Map<String, Object> claims;
    try {
      claims = SignedJWT.parse(token).getPayload().toJSONObject();
    } catch (ParseException notParsed) {
      return false;
    }
    if (claims == null) {
      return false;
    }
    try {
      JWTClaimsSet.parse(claims);
      return false;
    } catch (ParseException wrongType) {
      return true;
    }
  }

  private static boolean nimbusAccepts(String token) {
    try {
      nimbus.process(SignedJWT.parse(token), null);
      return true;
    } catch (ParseException | BadJOSEException | JOSEException refused) {
      return false;
    } catch (RuntimeException nimbusBug) {
      // Nimbus's own unchecked failures (such as its NullPointerException on a JWE header with enc null) refuse too
      return false;
    }
  }

  /** `b64` false, or no `kid`: what the gateway refuses on purpose and Nimbus accepts. */
  private static boolean pinnedDifference(String token) {
    try {
      JWSHeader header = SignedJWT.parse(token).getHeader();
      return !header.isBase64URLEncodePayload() || header.getKeyID() == null;
    } catch (ParseException notParsed) {
      return false;
    }
  }

  private static String headerOf(String token) {
    return new String(new Base64URL(token.substring(0, token.indexOf('.'))).decode(), StandardCharsets.UTF_8);
  }

  private static String sign(RSAKey key, String signingInput) {
    try {
      return new RSASSASigner(key).sign(new JWSHeader(JWSAlgorithm.RS256),
          signingInput.getBytes(StandardCharsets.UTF_8)).toString();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String b64(String text) {
    return Base64URL.encode(text.getBytes(StandardCharsets.UTF_8)).toString();
  }
}
