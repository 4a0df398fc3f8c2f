package dev.mfagateway.auth;

import dev.mfagateway.testing.NimbusReference;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.mfagateway.config.AuthConfig;
import dev.mfagateway.testing.MutableClock;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link TokenVerifier} runs the signature steps of Nimbus's {@code DefaultJWTProcessor} itself (for speed), so this
 * table holds it to the processor's answers: each token is judged by our verifier (shape, header, `typ`, algorithm,
 * key by `kid`, signature) and by a {@link DefaultJWTProcessor} set up as the gateway would be (RS256 only, the
 * issuer's JWKS, `typ` JWT or absent, any claims), and each row states the answer both must give. The intended
 * differences, which Nimbus accepts and the gateway refuses, are RFC 7797's unencoded payload (`b64` false, with or
 * without `crit`: a JWT's payload is always base64url-encoded) and a header without `kid` (keys are selected by kid).
 * Those rows state each side's answer.
 */
class SignatureChecksAgreeWithNimbusTest {
  enum Answer { ACCEPT, REFUSE }

  /** A token and the answers expected from our verifier and from Nimbus's processor. */
  record Row(Supplier<String> token, Answer ours, Answer nimbus) {}

  private static final RSAKey ATTACKER_KEY = TestIssuer.newKey();
  private static final URI ATTACKER_JWKS = URI.create("https://attacker.example/keys");

  private static TestIssuer issuer;
  /** Published in the JWKS next to {@link #current}; the issuer signs with {@link #current}. */
  private static RSAKey previous;
  private static RSAKey current;
  private static MutableClock clock;
  private static SigningKeys keys;
  private static Map<String, TokenVerifier> verifiers;
  private static DefaultJWTProcessor<SecurityContext> nimbus;

  @BeforeAll
  @SuppressWarnings("unchecked") // DefaultJOSEObjectTypeVerifier.JWT is a raw type
  static void start() throws Exception {
    issuer = TestIssuer.start();
    previous = issuer.signingKey();
    current = issuer.rotate();
    clock = MutableClock.atNow();
    AuthConfig config = TestConfigs.auth(issuer.jwksUri());
    keys = new SigningKeys(config, clock);
    keys.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(keys.keyCount()).isEqualTo(2);
    verifiers = Map.of(
        "jdk", new TokenVerifier(config, keys, CryptoProviders.select("jdk"), clock),
        "default", new TokenVerifier(config, keys, CryptoProviders.select(), clock));

    JWKSet published = JWKSet.load(issuer.jwksUri().toURL(), 5000, 5000, 0);
    assertThat(published.getKeys()).hasSize(2);
    nimbus = NimbusReference.signatureChecksOnly(published);
  }

  @AfterAll
  static void stop() {
    keys.close();
    issuer.close();
  }

  @ParameterizedTest(name = "{0} provider: {1}")
  @MethodSource("rows")
  void agrees(String provider, Row row) {
    String token = row.token().get();
    Judgement ours = ours(verifiers.get(provider), token);
    Judgement theirs = nimbus(token);

    if (row.ours() == row.nimbus()) {
      assertThat(ours.answer()).as("ours (%s) and Nimbus's (%s) answers", ours.why(), theirs.why())
          .isEqualTo(theirs.answer());
    }
    assertThat(ours.answer()).as("our verifier (%s)", ours.why()).isEqualTo(row.ours());
    assertThat(theirs.answer()).as("Nimbus's DefaultJWTProcessor (%s)", theirs.why()).isEqualTo(row.nimbus());
  }

  /** An answer and why. */
  record Judgement(Answer answer, String why) {
    static final Judgement ACCEPTED = new Judgement(Answer.ACCEPT, "accepted");

    static Judgement refused(String why) {
      return new Judgement(Answer.REFUSE, why);
    }
  }

  /** Shape, header, typ and algorithm; the key by kid among the loaded keys; the signature. */
  private static Judgement ours(TokenVerifier verifier, String token) {
    TokenVerifier.ParsedToken parsed;
    try {
      parsed = verifier.parse(token);
    } catch (TokenVerifier.Refused refused) {
      return Judgement.refused(refused.decision().reason() + ": " + refused.decision().description());
    }
    String kid = parsed.header().getKeyID();
    SigningKeys.SigningKey key = kid == null ? null : keys.lookUpNow(kid).key();
    if (key == null) {
      return Judgement.refused("no loaded key for kid " + kid);
    }
    return verifier.checkSignature(parsed, key)
        .map(refusal -> Judgement.refused(refusal.reason() + ": " + refusal.description()))
        .orElse(Judgement.ACCEPTED);
  }

  private static Judgement nimbus(String token) {
    try {
      nimbus.process(SignedJWT.parse(token), null);
      return Judgement.ACCEPTED;
    } catch (ParseException | BadJOSEException | JOSEException refused) {
      return Judgement.refused(refused.toString());
    }
  }

  /** Every token row, once with the JDK's crypto provider and once with the default choice (ACCP when it loads). */
  static Stream<Arguments> rows() {
    List<Named<Row>> rows = tokens();
    return Stream.of("jdk", "default").flatMap(provider -> rows.stream().map(row -> Arguments.of(provider, row)));
  }

  private static List<Named<Row>> tokens() {
    List<Named<Row>> rows = new ArrayList<>();
    // Tokens both accept
    both(rows, Answer.ACCEPT, "valid RS256, typ JWT", () -> signed(header(), current));
    both(rows, Answer.ACCEPT, "typ absent", () -> signed(header().type(null), current));
    both(rows, Answer.ACCEPT, "typ 'jwt' (types compare case-insensitively)",
        () -> signed(header().type(new JOSEObjectType("jwt")), current));
    both(rows, Answer.ACCEPT, "signed by the other published key, with its kid",
        () -> signed(header().keyID(previous.getKeyID()), previous));
    both(rows, Answer.ACCEPT, "cty JWT is an ordinary JWS here", () -> signed(header().contentType("JWT"), current));

    // typ
    both(rows, Answer.REFUSE, "typ at+jwt", () -> signed(header().type(new JOSEObjectType("at+jwt")), current));
    both(rows, Answer.REFUSE, "typ JOSE", () -> signed(header().type(JOSEObjectType.JOSE), current));
    both(rows, Answer.REFUSE, "typ application/jwt",
        () -> signed(header().type(new JOSEObjectType("application/jwt")), current));

    // Tampering
    both(rows, Answer.REFUSE, "payload altered after signing", () -> {
      String[] parts = signed(header(), current).split("\\.");
      return parts[0] + "." + b64(claimsJson().replace("\"tid\"", "\"xid\"")) + "." + parts[2];
    });
    both(rows, Answer.REFUSE, "one signature character changed", () -> {
      String token = signed(header(), current);
      int at = token.lastIndexOf('.') + 100;
      return token.substring(0, at) + (token.charAt(at) == 'A' ? 'B' : 'A') + token.substring(at + 1);
    });
    both(rows, Answer.REFUSE, "signature truncated by four characters", () -> {
      String token = signed(header(), current);
      return token.substring(0, token.length() - 4);
    });
    both(rows, Answer.REFUSE, "signature truncated by one character", () -> {
      String token = signed(header(), current);
      return token.substring(0, token.length() - 1);
    });
    both(rows, Answer.REFUSE, "signature of another token", () -> {
      String token = signed(header(), current);
      String other = signed(header().customParam("nonce", "n"), current);
      return token.substring(0, token.lastIndexOf('.')) + other.substring(other.lastIndexOf('.'));
    });

    // Key
    both(rows, Answer.REFUSE, "signed by a key outside the JWKS, under the issuer's kid",
        () -> signed(header(), ATTACKER_KEY));
    both(rows, Answer.REFUSE, "kid of the other published key, signed by the current one",
        () -> signed(header().keyID(previous.getKeyID()), current));
    both(rows, Answer.REFUSE, "kid not in the JWKS", () -> signed(header().keyID("no-such-key"), current));
    both(rows, Answer.REFUSE, "embedded jwk of an attacker key, with its kid", () -> signed(header()
        .keyID(ATTACKER_KEY.getKeyID()).jwk(ATTACKER_KEY.toPublicJWK()), ATTACKER_KEY));
    both(rows, Answer.REFUSE, "embedded jwk of an attacker key, under the issuer's kid",
        () -> signed(header().jwk(ATTACKER_KEY.toPublicJWK()), ATTACKER_KEY));
    both(rows, Answer.REFUSE, "jku to an attacker JWKS, signed by the attacker key",
        () -> signed(header().jwkURL(ATTACKER_JWKS), ATTACKER_KEY));
    both(rows, Answer.REFUSE, "x5u to an attacker certificate, signed by the attacker key",
        () -> signed(header().x509CertURL(URI.create("https://attacker.example/cert.pem")), ATTACKER_KEY));
    both(rows, Answer.REFUSE, "x5t#S256 that matches no published key, signed by the issuer key",
        () -> signed(header().x509CertSHA256Thumbprint(Base64URL.encode(new byte[32])), current));

    // Algorithm: RS256 is the only one allowed
    both(rows, Answer.REFUSE, "RS384 signed by the issuer key",
        () -> signed(header(JWSAlgorithm.RS384), current));
    both(rows, Answer.REFUSE, "PS256 signed by the issuer key",
        () -> signed(header(JWSAlgorithm.PS256), current));
    both(rows, Answer.REFUSE, "ES256 signed by an EC key", SignatureChecksAgreeWithNimbusTest::es256);
    both(rows, Answer.REFUSE, "alg none", () -> unsigned("none"));
    both(rows, Answer.REFUSE, "alg None", () -> unsigned("None"));
    both(rows, Answer.REFUSE, "HS256 with the RSA public key bytes as secret",
        SignatureChecksAgreeWithNimbusTest::hs256WithPublicKey);

    // crit
    both(rows, Answer.REFUSE, "crit naming an unknown parameter",
        () -> signed(header().customParam("zzz", 1).criticalParams(Set.of("zzz")), current));
    both(rows, Answer.REFUSE, "crit b64, b64 false, payload unencoded between the dots (RFC 7797 compact form)",
        SignatureChecksAgreeWithNimbusTest::unencodedPayloadInToken);
    // An intended difference: Nimbus verifies over the unencoded payload; the gateway refuses b64 false outright.
    // (Nimbus's SignedJWT.parse base64url-decodes the payload part whatever b64 says, so the token carries it encoded.)
    differs(rows, "crit b64, b64 false, signed over the unencoded payload, payload base64url-encoded in the token",
        Answer.REFUSE, Answer.ACCEPT, () -> unencodedPayloadSigned(unencodedPayloadHeader()));
    differs(rows, "b64 false without crit, signed over the unencoded payload (Nimbus does not insist on crit)",
        Answer.REFUSE, Answer.ACCEPT, () -> unencodedPayloadSigned(header().base64URLEncodePayload(false).build()));

    // The gateway selects keys by kid only (SPEC §8: no kid is `unknown_key`); Nimbus tries every key of the JWKS.
    differs(rows, "no kid, signed by the current key", Answer.REFUSE, Answer.ACCEPT,
        () -> signed(header().keyID(null), current));

    // Header not a JWS header
    both(rows, Answer.REFUSE, "duplicate alg member in the header", () -> signedRaw(
        "{\"alg\":\"RS256\",\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"" + current.getKeyID() + "\"}"));
    both(rows, Answer.REFUSE, "duplicate kid member in the header", () -> signedRaw(
        "{\"alg\":\"RS256\",\"kid\":\"no-such-key\",\"kid\":\"" + current.getKeyID() + "\"}"));
    both(rows, Answer.REFUSE, "header not JSON", () -> signedRaw("not json"));
    both(rows, Answer.REFUSE, "header a JSON array", () -> signedRaw("[\"alg\",\"RS256\"]"));
    both(rows, Answer.REFUSE, "header without alg", () -> signedRaw(
        "{\"typ\":\"JWT\",\"kid\":\"" + current.getKeyID() + "\"}"));
    return rows;
  }

  // ---- table helpers

  private static void both(List<Named<Row>> rows, Answer answer, String name, Supplier<String> token) {
    rows.add(Named.of(name, new Row(token, answer, answer)));
  }

  private static void differs(List<Named<Row>> rows, String name, Answer ours, Answer nimbus,
      Supplier<String> token) {
    rows.add(Named.of(name, new Row(token, ours, nimbus)));
  }

  // ---- tokens

  /** RS256, typ JWT, the current key's kid. */
  private static JWSHeader.Builder header() {
    return header(JWSAlgorithm.RS256);
  }

  private static JWSHeader.Builder header(JWSAlgorithm algorithm) {
    return new JWSHeader.Builder(algorithm).type(JOSEObjectType.JWT).keyID(current.getKeyID());
  }

  private static String claimsJson() {
    return JSONObjectUtils.toJSONString(TestIssuer.userClaims(clock.instant()));
  }

  private static String b64(String text) {
    return Base64URL.encode(text.getBytes(StandardCharsets.UTF_8)).toString();
  }

  private static String signed(JWSHeader.Builder header, RSAKey key) {
    return TestIssuer.mint(header.build(), claimsJson(), key);
  }

  /** The header exactly as written, the usual claims, signed with RS256 by the current key over both as sent. */
  private static String signedRaw(String headerJson) {
    String signingInput = b64(headerJson) + "." + b64(claimsJson());
    return signingInput + "." + sign(signingInput);
  }

  /** An RS256 signature by the current key over the signing input as given. */
  private static Base64URL sign(String signingInput) {
    try {
      return new RSASSASigner(current).sign(new JWSHeader(JWSAlgorithm.RS256),
          signingInput.getBytes(StandardCharsets.UTF_8));
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String unsigned(String alg) {
    return b64("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\",\"kid\":\"" + current.getKeyID() + "\"}") + "."
        + b64(claimsJson()) + "." + b64("sig");
  }

  private static String es256() {
    try {
      ECKey ec = new ECKeyGenerator(Curve.P_256).keyID(current.getKeyID()).generate();
      JWSObject jws = new JWSObject(header(JWSAlgorithm.ES256).build(), new Payload(claimsJson()));
      jws.sign(new ECDSASigner(ec));
      return jws.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hs256WithPublicKey() {
    try {
      JWSObject jws = new JWSObject(header(JWSAlgorithm.HS256).build(), new Payload(claimsJson()));
      jws.sign(new MACSigner(current.toRSAPublicKey().getEncoded()));
      return jws.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JWSHeader unencodedPayloadHeader() {
    return header().base64URLEncodePayload(false).criticalParams(Set.of("b64")).build();
  }

  /**
   * RFC 7797: signed by the issuer key over the encoded header, a dot and the payload as it is; the token carries the
   * payload base64url-encoded, which is how Nimbus's {@link SignedJWT#parse} reads the payload part of any token.
   */
  private static String unencodedPayloadSigned(JWSHeader header) {
    String encodedHeader = header.toBase64URL().toString();
    String payload = claimsJson();
    return encodedHeader + "." + b64(payload) + "." + sign(encodedHeader + "." + payload);
  }

  /** RFC 7797's compact form, as Nimbus serializes it: the payload as it is between the dots. */
  private static String unencodedPayloadInToken() {
    try {
      JWSObject jws = new JWSObject(unencodedPayloadHeader(), new Payload(claimsJson()));
      jws.sign(new RSASSASigner(current));
      return jws.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
