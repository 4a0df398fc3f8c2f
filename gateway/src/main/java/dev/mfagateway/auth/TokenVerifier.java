package dev.mfagateway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import com.nimbusds.jose.Header;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.crypto.impl.RSASSAProvider;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerifierFactory;
import com.nimbusds.jose.util.Base64URL;
import dev.mfagateway.config.AuthConfig;
import dev.mfagateway.config.RouteConfig;
import dev.mfagateway.config.SignatureMode;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.Provider;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * The route-independent checks of SPEC §8, in its order: token shape → algorithm → key → signature → required claims →
 * lifetime → issuer. The signature steps are those of Nimbus's {@code DefaultJWTProcessor}, in its order and with its
 * parts: the header parsed by {@link JWSHeader#parse}, `typ` by {@link DefaultJOSEObjectTypeVerifier#JWT}, the key
 * matched to the header by {@link JWKMatcher#forJWSHeader} among the configured algorithms, the verifier from a
 * {@link JWSVerifierFactory} (JWS only: no JWE). Unlike the processor, a header is parsed once, not once per token:
 * Entra's headers repeat for every token signed by the same key, and parsing one (about 1 µs) was a third of the
 * verdict's cost outside the RSA verification. {@code SignatureChecksAgreeWithNimbusTest} holds the two to the same answers.
 * The claims are checked afterwards, as {@link ClaimsJson} read them from the payload, so that a claim of the wrong type
 * or a JSON {@code null} gets its own reason in the right order. Each check is also callable on its own, for `check-token`.
 */
public final class TokenVerifier {
  /** Latest accepted `exp`: 9999-12-31T23:59:59Z. */
  private static final long MAX_NUMERIC_DATE = 253_402_300_799L;

  private static final Base64.Decoder BASE64URL = Base64.getUrlDecoder();
  /** The claims that, like `nbf`, must not lie in the future. */
  private static final List<String> NOT_BEFORE_CLAIMS = List.of("nbf", "iat");

  static final String NOT_COMPACT_JWS =
      "token is not a compact JWS: three base64url segments separated by dots, no padding or whitespace";

  /** The result: a verified token, or the refusal. */
  public record Outcome(VerifiedToken token, Decision refusal) {
    static Outcome refused(Reason reason, String description) {
      return new Outcome(null, Decision.deny(reason, description));
    }
  }

  /**
   * A token past the shape and algorithm checks: its header and the header's {@link JWKMatcher}, its JWS signing input
   * (the header and payload parts, as sent), where the payload starts in it, and its signature part.
   */
  public record ParsedToken(
      JWSHeader header, JWKMatcher keyMatcher, byte[] signingInput, int payloadStart, String encodedSignature) {
    /** The decoded payload: decoded from the signing input, which holds it already. */
    ByteBuffer payload() {
      return BASE64URL.decode(ByteBuffer.wrap(signingInput, payloadStart, signingInput.length - payloadStart));
    }

    Base64URL signature() {
      return new StrictBase64URL(encodedSignature);
    }
  }

  /** A parsed header, with the matcher a key must pass for it (null for an algorithm Nimbus cannot match). */
  private record KnownHeader(JWSHeader header, JWKMatcher keyMatcher) {}

  private final AuthConfig config;
  private final Set<JWSAlgorithm> algorithms;
  private final SigningKeys signingKeys;
  private final Clock clock;
  private final JWSVerifierFactory verifiers;
  private final LoadingCache<SigningKeys.SigningKey, PublicKey> providerKeys;
  /** Parsed headers by their encoded form; bounded, so a flood of distinct headers only costs the parse it saves. */
  private final Cache<String, KnownHeader> headers =
      Caffeine.newBuilder().maximumSize(1024).executor(Runnable::run).build();

  public TokenVerifier(AuthConfig config, SigningKeys signingKeys, CryptoProviders.Choice crypto, Clock clock) {
    this.config = config;
    this.algorithms = config.algorithms().stream().map(JWSAlgorithm::parse).collect(Collectors.toUnmodifiableSet());
    this.signingKeys = signingKeys;
    this.clock = clock;
    this.verifiers = new VerifierPerKey(crypto);
    this.providerKeys = Caffeine.newBuilder().weakKeys().executor(Runnable::run).build(key -> forProvider(key.publicKey(), crypto));
  }

  /**
   * The key as the provider's own key object, so that each verification does not convert it again (a native provider
   * would otherwise copy the key into native memory on every call). Falls back to the key as it is.
   */
  private static PublicKey forProvider(PublicKey key, CryptoProviders.Choice crypto) {
    if (crypto.provider().isEmpty()) {
      return key;
    }
    try {
      return (PublicKey) KeyFactory.getInstance(key.getAlgorithm(), crypto.provider().get()).translateKey(key);
    } catch (GeneralSecurityException | RuntimeException notTranslatable) {
      return key;
    }
  }

  /**
   * Nimbus's verifier factory, except that an RSA key gets one {@link ReusedRsaVerifier}, kept as long as the key
   * object (the provider's key, itself kept per signing key).
   */
  private static final class VerifierPerKey implements JWSVerifierFactory {
    private final DefaultJWSVerifierFactory nimbus = new DefaultJWSVerifierFactory();
    private final Optional<Provider> provider;
    private final LoadingCache<PublicKey, JWSVerifier> rsaVerifiers;

    VerifierPerKey(CryptoProviders.Choice crypto) {
      this.provider = crypto.provider();
      provider.ifPresent(nimbus.getJCAContext()::setProvider);
      this.rsaVerifiers = Caffeine.newBuilder().weakKeys().executor(Runnable::run)
          .build(key -> new ReusedRsaVerifier(key, provider));
    }

    @Override
    public JWSVerifier createJWSVerifier(JWSHeader header, Key key) throws JOSEException {
      if (key instanceof RSAPublicKey rsa && RSASSAProvider.SUPPORTED_ALGORITHMS.contains(header.getAlgorithm())) {
        return rsaVerifiers.get(rsa);
      }
      return nimbus.createJWSVerifier(header, key);
    }

    @Override
    public Set<JWSAlgorithm> supportedJWSAlgorithms() {
      return nimbus.supportedJWSAlgorithms();
    }

    @Override
    public JCAContext getJCAContext() {
      return nimbus.getJCAContext();
    }
  }

  /**
   * All route-independent checks of the token that starts at {@code start} in {@code text} and passed the
   * {@link JwsShape} check (as {@link BearerToken} found); on a `claims-only` route the key and signature steps are
   * skipped.
   */
  public CompletionStage<Outcome> verify(String text, int start, SignatureMode signature) {
    ParsedToken parsed;
    try {
      parsed = parseCompactJws(text, start);
    } catch (Refused refused) {
      return CompletableFuture.completedFuture(refused.outcome);
    }
    if (signature == SignatureMode.CLAIMS_ONLY) {
      return CompletableFuture.completedFuture(checkClaims(parsed, null));
    }
    String kid = parsed.header().getKeyID();
    if (kid == null) {
      return CompletableFuture.completedFuture(
          Outcome.refused(Reason.UNKNOWN_KEY, "token header has no kid: the gateway selects signing keys by kid"));
    }
    SigningKeys.Lookup now = signingKeys.lookUpNow(kid);
    if (now.key() != null) {
      return CompletableFuture.completedFuture(checkSignatureAndClaims(parsed, now.key()));
    }
    return signingKeys
        .find(kid)
        .thenApply(lookup -> lookup.key() == null
            ? Outcome.refused(lookup.missing(), describeMissingKey(lookup.missing()))
            : checkSignatureAndClaims(parsed, lookup.key()))
        .exceptionally(unexpected -> Outcome.refused(Reason.BAD_SIGNATURE, "token signature could not be verified"));
  }

  /** Fails closed: anything unexpected is a token that could not be verified. */
  private Outcome checkSignatureAndClaims(ParsedToken parsed, SigningKeys.SigningKey key) {
    try {
      Optional<Decision> badSignature = checkSignature(parsed, key);
      return badSignature.isPresent() ? new Outcome(null, badSignature.get()) : checkClaims(parsed, key);
    } catch (RuntimeException unexpected) {
      return Outcome.refused(Reason.BAD_SIGNATURE, "token signature could not be verified");
    }
  }

  private static String describeMissingKey(Reason missing) {
    return missing == Reason.KEYS_UNAVAILABLE
        ? "the directory's signing keys are not loaded yet: retry shortly"
        : "token signing key (kid) is not among the directory's current keys: acquire a new token";
  }

  /** Shape, header and algorithm: `malformed_token` or `algorithm_not_allowed`. */
  public ParsedToken parse(String token) throws Refused {
    if (!JwsShape.isCompactJws(token)) {
      throw new Refused(Reason.MALFORMED_TOKEN, NOT_COMPACT_JWS);
    }
    return parseCompactJws(token, 0);
  }

  @SuppressWarnings("deprecation")
  private ParsedToken parseCompactJws(String text, int start) throws Refused {
    int headerEnd = text.indexOf('.', start);
    int payloadEnd = text.indexOf('.', headerEnd + 1);
    KnownHeader known = header(text.substring(start, headerEnd));
    JWSHeader header = known.header();
    try {
      DefaultJOSEObjectTypeVerifier.JWT.verify(header.getType(), null);
    } catch (BadJOSEException notJwt) {
      throw new Refused(Reason.MALFORMED_TOKEN, "token header typ must be JWT or absent");
    }
    if (!algorithms.contains(header.getAlgorithm())) {
      throw new Refused(Reason.ALGORITHM_NOT_ALLOWED,
          "token signing algorithm is not allowed here (allowed: " + String.join(", ", config.algorithms()) + ")");
    }
    byte[] signingInput = new byte[payloadEnd - start];
    text.getBytes(start, payloadEnd, signingInput, 0); // ASCII, as the shape check ensured
    return new ParsedToken(
        header, known.keyMatcher(), signingInput, headerEnd + 1 - start, text.substring(payloadEnd + 1));
  }

  private KnownHeader header(String encodedHeader) throws Refused {
    KnownHeader known = headers.getIfPresent(encodedHeader);
    if (known == null) {
      JWSHeader header;
      try {
        header = JWSHeader.parse(new StrictBase64URL(encodedHeader));
      } catch (ParseException notAJwsHeader) {
        throw refusalForHeader(encodedHeader);
      } catch (IllegalArgumentException notBase64Url) {
        throw new Refused(Reason.MALFORMED_TOKEN, "token header is not a valid JOSE header");
      }
      known = new KnownHeader(header, JWKMatcher.forJWSHeader(header));
      headers.put(encodedHeader, known);
    }
    return known;
  }

  /**
   * A base64url part decoded by the JDK's decoder rather than Nimbus's constant-time one, which costs more than the
   * rest of the verdict: nothing in a token is secret from its bearer. The JDK's decoder is the stricter of the two
   * (it refuses a part whose length leaves a lone character); it throws {@link IllegalArgumentException}.
   */
  private static final class StrictBase64URL extends Base64URL {
    private static final long serialVersionUID = 1L;

    StrictBase64URL(String encoded) {
      super(encoded);
    }

    @Override
    public byte[] decode() {
      return BASE64URL.decode(toString());
    }
  }

  /** Why a header is not a JWS header: `alg` none or a JWE (algorithm), or not a JOSE header at all (shape). */
  private static Refused refusalForHeader(String encodedHeader) {
    try {
      Header.parse(new Base64URL(encodedHeader));
      return new Refused(Reason.ALGORITHM_NOT_ALLOWED,
          "token is not signed (alg none) or is encrypted: send a signed access token");
    } catch (ParseException | RuntimeException e) {
      // Nimbus 10.10 throws NullPointerException on a JWE header whose enc is null (found by DifferentialSignatureFuzzTest)
      return new Refused(Reason.MALFORMED_TOKEN, "token header is not a valid JOSE header");
    }
  }

  /**
   * `unknown_key` when the key cannot verify this algorithm, `bad_signature` when the signature does not verify, else
   * empty. A JWT's payload is always base64url-encoded: an unencoded one (RFC 7797 `b64` false) is a bad signature.
   */
  public Optional<Decision> checkSignature(ParsedToken parsed, SigningKeys.SigningKey key) {
    JWSHeader header = parsed.header();
    if (parsed.keyMatcher() == null || !parsed.keyMatcher().matches(key.jwk())) {
      return Optional.of(Decision.deny(Reason.UNKNOWN_KEY,
          "token signing key (kid) cannot verify this token's algorithm"));
    }
    try {
      JWSVerifier verifier = verifiers.createJWSVerifier(header, providerKeys.get(key));
      if (header.isBase64URLEncodePayload() && verifier.verify(header, parsed.signingInput(), parsed.signature())) {
        return Optional.empty();
      }
    } catch (JOSEException | IllegalArgumentException unverifiable) {
      // a bad signature, as below
    }
    return Optional.of(Decision.deny(Reason.BAD_SIGNATURE,
        "token signature does not verify: the token was altered or not issued by the directory"));
  }

  /** The claims as a JSON object, or `malformed_token`. */
  public Map<String, Object> claims(ParsedToken parsed) throws Refused {
    Map<String, Object> claims;
    try {
      claims = ClaimsJson.read(parsed.payload());
    } catch (IllegalArgumentException notBase64Url) {
      claims = null;
    }
    if (claims == null) {
      throw new Refused(Reason.MALFORMED_TOKEN, "token payload is not a JSON object (or repeats a claim)");
    }
    return claims;
  }

  private Outcome checkClaims(ParsedToken parsed, SigningKeys.SigningKey key) {
    try {
      Map<String, Object> claims = claims(parsed);
      Optional<Decision> refusal = checkRequiredClaims(claims);
      if (refusal.isEmpty()) {
        refusal = checkLifetime(claims);
      }
      if (refusal.isEmpty()) {
        refusal = checkIssuer(claims, key);
      }
      return refusal.isPresent() ? new Outcome(null, refusal.get()) : new Outcome(toVerifiedToken(claims, key), null);
    } catch (Refused refused) {
      return refused.outcome;
    }
  }

  /** `exp` a number within range and `tid` a non-empty string; `nbf` and `iat`, when present, numbers. */
  public Optional<Decision> checkRequiredClaims(Map<String, Object> claims) {
    Object exp = claims.get("exp");
    if (exp == null) {
      return invalidClaim("token has no exp claim (or it is null): the gateway accepts only expiring tokens");
    }
    if (!(exp instanceof Number number) || !Double.isFinite(number.doubleValue())) {
      return invalidClaim("token exp claim is not a number");
    }
    if (number.doubleValue() < 0 || number.doubleValue() > MAX_NUMERIC_DATE) {
      return invalidClaim("token exp claim is out of range");
    }
    for (String name : NOT_BEFORE_CLAIMS) {
      Object value = claims.get(name);
      if (claims.containsKey(name) && !(value instanceof Number n && Double.isFinite(n.doubleValue()))) {
        return invalidClaim("token " + name + " claim is not a number");
      }
    }
    if (!(claims.get("tid") instanceof String tid) || tid.isEmpty()) {
      return invalidClaim("token has no tid claim, or it is not a non-empty string");
    }
    return Optional.empty();
  }

  private static Optional<Decision> invalidClaim(String description) {
    return Optional.of(Decision.deny(Reason.INVALID_CLAIM, description));
  }

  /** `expired` at `exp` + skew; `not_yet_valid` when `nbf` or `iat` lies beyond now + skew (Nimbus's semantics). */
  public Optional<Decision> checkLifetime(Map<String, Object> claims) {
    long now = clock.millis();
    long skew = config.clockSkew().toMillis();
    if (now >= millis(claims.get("exp")) + skew) {
      return Optional.of(Decision.deny(Reason.EXPIRED, "token expired: acquire a new one"));
    }
    for (String name : NOT_BEFORE_CLAIMS) {
      if (claims.get(name) instanceof Number && millis(claims.get(name)) > now + skew) {
        return Optional.of(Decision.deny(Reason.NOT_YET_VALID,
            "token is not valid yet (" + name + " is in the future beyond the allowed clock skew): check clocks"));
      }
    }
    return Optional.empty();
  }

  private static long millis(Object numericDate) {
    return (long) (((Number) numericDate).doubleValue() * 1000);
  }

  /**
   * `iss` equals a configured issuer with `{tenantid}` replaced by the token's `tid`, and, when the signing key has an
   * `issuer` member, that one too, substituted the same way.
   */
  public Optional<Decision> checkIssuer(Map<String, Object> claims, SigningKeys.SigningKey key) {
    if (!(claims.get("iss") instanceof String iss)) {
      return wrongIssuer("token has no iss claim string");
    }
    String tid = (String) claims.get("tid");
    if (!isConfiguredIssuer(iss, tid)) {
      return wrongIssuer("token issuer (iss) is not one of the configured issuers for the token's tenant (tid): "
          + String.join(", ", config.issuers()));
    }
    if (key != null && key.issuer().isPresent() && !substitute(key.issuer().get(), tid).equals(iss)) {
      return wrongIssuer("token issuer (iss) does not match the issuer of its signing key");
    }
    return Optional.empty();
  }

  /** The route-dependent last step: the token's `aud` (string or array) holds one of the route's audiences. */
  public Optional<Decision> checkAudience(VerifiedToken token, RouteConfig route) {
    for (String audience : token.audiences()) {
      if (route.audiences().contains(audience)) {
        return Optional.empty();
      }
    }
    return Optional.of(Decision.deny(Reason.WRONG_AUDIENCE,
        "token audience (aud) is not this route's: request a token for " + String.join(" or ", route.audiences()),
        token.identity()));
  }

  private static Optional<Decision> wrongIssuer(String description) {
    return Optional.of(Decision.deny(Reason.WRONG_ISSUER, description));
  }

  private boolean isConfiguredIssuer(String iss, String tid) {
    for (String template : config.issuers()) {
      if (substitute(template, tid).equals(iss)) {
        return true;
      }
    }
    return false;
  }

  private static String substitute(String template, String tid) {
    return template.replace("{tenantid}", tid);
  }

  /**
   * The facts the policy needs, read from claims that passed {@link #checkRequiredClaims}. Public for `check-token`,
   * which explains every check even after one failed.
   */
  public static VerifiedToken toVerifiedToken(Map<String, Object> claims, SigningKeys.SigningKey key) {
    String tid = (String) claims.get("tid");
    String appid = string(claims.get("appid"));
    String azp = string(claims.get("azp"));
    List<String> appIds = appid == null && azp == null ? List.of()
        : appid == null ? List.of(azp.toLowerCase(Locale.ROOT))
        : azp == null ? List.of(appid.toLowerCase(Locale.ROOT))
        : List.of(appid.toLowerCase(Locale.ROOT), azp.toLowerCase(Locale.ROOT));
    boolean appOnly = "app".equals(claims.get("idtyp"))
        || !(claims.get("scp") instanceof String scp) || scp.isBlank();
    return new VerifiedToken(
        key,
        millis(claims.get("exp")),
        new TokenIdentity(tid, appid != null ? appid : azp, string(claims.get("oid"))),
        tid.toLowerCase(Locale.ROOT),
        audiences(claims.get("aud")),
        appIds,
        appOnly,
        amr(claims));
  }

  private static String string(Object value) {
    return value instanceof String s ? s : null;
  }

  /** `aud` as a string or an array of strings; anything else is no audience. */
  private static List<String> audiences(Object aud) {
    if (aud instanceof String single) {
      return List.of(single);
    }
    return aud instanceof List<?> list ? strings(list) : List.of();
  }

  private static VerifiedToken.Amr amr(Map<String, Object> claims) {
    if (!claims.containsKey("amr") || claims.get("amr") == null) {
      return new VerifiedToken.Amr(VerifiedToken.Amr.Form.ABSENT, List.of());
    }
    return claims.get("amr") instanceof List<?> methods
        ? new VerifiedToken.Amr(VerifiedToken.Amr.Form.ARRAY, strings(methods))
        : new VerifiedToken.Amr(VerifiedToken.Amr.Form.NOT_AN_ARRAY, List.of());
  }

  private static List<String> strings(List<?> values) {
    List<String> strings = new ArrayList<>(values.size());
    for (Object value : values) {
      if (value instanceof String string) {
        strings.add(string);
      }
    }
    return Collections.unmodifiableList(strings);
  }

  /** A check that refused the token. */
  public static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Outcome outcome;

    Refused(Reason reason, String description) {
      super(reason.wireName(), null, false, false);
      this.outcome = Outcome.refused(reason, description);
    }

    public Decision decision() {
      return outcome.refusal();
    }
  }
}
