package dev.mfagateway.auth;

import dev.mfagateway.config.AuthConfig;
import dev.mfagateway.config.Mode;
import dev.mfagateway.config.RouteConfig;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The one entry point of the verdict: the request's `Authorization` header values, its request target and its route
 * → a {@link Decision}. Bearer extraction → token shape → the connection's last token ({@link LastVerifiedToken}) →
 * the shared {@link VerifiedTokens}; on a miss the {@link TokenVerifier} (whose result may wait, without blocking, for
 * a key fetch: the stage then completes on an HTTP client thread); then the route's audience and the
 * {@link AccessPolicy}. Almost always already complete. Knows nothing of Netty.
 */
public final class Authenticator {
  private static final Logger LOG = LogManager.getLogger(Authenticator.class);
  private static final Decision MALFORMED_TOKEN =
      Decision.deny(Reason.MALFORMED_TOKEN, TokenVerifier.NOT_COMPACT_JWS);

  private final AuthConfig config;
  private final SigningKeys signingKeys;
  private final VerifiedTokens verifiedTokens;
  private final TokenVerifier verifier;
  private final AccessPolicy policy;
  private final CryptoProviders.Choice crypto;
  private final ValidationRecorder recorder;
  private final Clock clock;

  public Authenticator(AuthConfig config, SigningKeys signingKeys, VerifiedTokens verifiedTokens, Clock clock) {
    this(config, signingKeys, verifiedTokens, CryptoProviders.select(), clock, ValidationRecorder.NONE);
  }

  public Authenticator(
      AuthConfig config,
      SigningKeys signingKeys,
      VerifiedTokens verifiedTokens,
      CryptoProviders.Choice crypto,
      Clock clock,
      ValidationRecorder recorder) {
    this.config = config;
    this.signingKeys = signingKeys;
    this.verifiedTokens = verifiedTokens;
    this.verifier = new TokenVerifier(config, signingKeys, crypto, clock);
    this.policy = new AccessPolicy(config);
    this.crypto = crypto;
    this.recorder = recorder;
    this.clock = clock;
  }

  /**
   * Builds the whole verdict on the system clock and logs the RSA provider; the caller starts the signing keys.
   * {@code recorder} is told the time of every token validation.
   */
  public static Authenticator create(AuthConfig config, ValidationRecorder recorder) {
    Clock clock = Clock.systemUTC();
    SigningKeys keys = new SigningKeys(config, clock);
    CryptoProviders.Choice crypto = CryptoProviders.select();
    LOG.info("RSA signatures verified by the {} provider", crypto.name());
    return new Authenticator(
        config, keys, new VerifiedTokens(config.tokenCacheMaxEntries(), keys, clock), crypto, clock, recorder);
  }

  /**
   * The verdict under {@code next}'s rules (a configuration reload), sharing these signing keys, provider, clock and
   * recorder. The verified-token cache is kept when the checks a cached token has passed (issuers, algorithms, clock
   * skew) are the same; otherwise a new, empty one takes its place (see {@link VerifiedTokens#replacement()}). Tenant,
   * token kind, MFA and audience are judged on every request anyway, so they never need a new cache.
   */
  public Authenticator reconfigured(AuthConfig next) {
    boolean sameChecks = next.issuers().equals(config.issuers())
        && next.algorithms().equals(config.algorithms())
        && next.clockSkew().equals(config.clockSkew());
    VerifiedTokens cache = sameChecks ? verifiedTokens : verifiedTokens.replacement();
    return new Authenticator(next, signingKeys, cache, crypto, clock, recorder);
  }

  /** The JCA provider verifying signatures (`accp`, `conscrypt` or `jdk`), for the start log line and a metric. */
  public CryptoProviders.Choice cryptoProvider() {
    return crypto;
  }

  public SigningKeys signingKeys() {
    return signingKeys;
  }

  public VerifiedTokens verifiedTokens() {
    return verifiedTokens;
  }

  /** The verdict for a request on a connection of its own. */
  public CompletionStage<Decision> authenticate(
      List<String> authorizationValues, String requestTarget, RouteConfig route) {
    return authenticate(authorizationValues, requestTarget, route, new LastVerifiedToken());
  }

  /** The verdict for a request on the connection whose last verified token is {@code last}. */
  public CompletionStage<Decision> authenticate(
      List<String> authorizationValues, String requestTarget, RouteConfig route, LastVerifiedToken last) {
    LastVerifiedToken.Proven proven = last.proven();
    BearerToken.Extraction extraction =
        BearerToken.extract(authorizationValues, requestTarget, proven == null ? null : proven.authorization());
    if (extraction.refusal() != null) {
      return done(extraction.refusal(), authorizationValues, route);
    }
    String header = extraction.headerValue();
    if (!extraction.compactJws()) {
      return done(MALFORMED_TOKEN, authorizationValues, route);
    }
    long started = System.nanoTime();
    CacheLookup lookup = lookUp(header, extraction.tokenStart(), extraction.proven() ? proven : null, last);
    if (lookup.token() != null) {
      Decision decision = judge(lookup.token(), route);
      recorder.validated(true, System.nanoTime() - started);
      return done(decision, authorizationValues, route);
    }
    return verifier
        .verify(header, extraction.tokenStart(), route.signature())
        .thenApply(
            outcome -> {
              Decision decision;
              if (outcome.refusal() != null) {
                decision = outcome.refusal();
              } else {
                if (lookup.hash() != null && outcome.token().signingKey() != null) {
                  verifiedTokens.put(lookup.hash(), outcome.token());
                  last.remember(header, outcome.token(), verifiedTokens);
                }
                decision = judge(outcome.token(), route);
              }
              recorder.validated(false, System.nanoTime() - started);
              return applyMode(decision, authorizationValues, route);
            });
  }

  /** What the caches hold for a token, and its hash when the shared cache was asked (null when caching is off). */
  private record CacheLookup(VerifiedToken token, VerifiedTokens.TokenHash hash) {}

  /**
   * The connection's last token if {@code proven} (the header value equals it: compared once, in extraction), else the
   * shared cache by the token's hash.
   */
  private CacheLookup lookUp(String header, int tokenStart, LastVerifiedToken.Proven proven, LastVerifiedToken last) {
    if (!verifiedTokens.isEnabled()) {
      return new CacheLookup(null, null);
    }
    VerifiedToken remembered = verifiedTokens.stillValid(proven == null ? null : proven.vouchedBy(verifiedTokens));
    if (remembered != null) {
      return new CacheLookup(remembered, null);
    }
    VerifiedTokens.TokenHash hash = VerifiedTokens.hash(header, tokenStart);
    VerifiedToken cached = verifiedTokens.get(hash);
    if (cached != null) {
      last.remember(header, cached, verifiedTokens);
    }
    return new CacheLookup(cached, hash);
  }

  private Decision judge(VerifiedToken token, RouteConfig route) {
    CallKind kind = attribution(token);
    var wrongAudience = verifier.checkAudience(token, route);
    return wrongAudience.isPresent() ? wrongAudience.get().attributedAs(kind) : policy.decide(token, route, kind);
  }

  /**
   * The call kind the compliance report counts the token's call as. A token whose signature was left to the upstream
   * (a `claims-only` route) counts only for the partner's own tenants: anyone can write such claims (SPEC §7).
   */
  private CallKind attribution(VerifiedToken token) {
    return token.signingKey() == null && !policy.tenantAllowed(token) ? null : policy.kindOf(token);
  }

  private static CompletionStage<Decision> done(
      Decision decision, List<String> authorizationValues, RouteConfig route) {
    return CompletableFuture.completedFuture(applyMode(decision, authorizationValues, route));
  }

  /** Report-only forwards everything but a request with several Authorization headers (SPEC §8). */
  private static Decision applyMode(Decision decision, List<String> authorizationValues, RouteConfig route) {
    if (route.mode() == Mode.REPORT_ONLY && authorizationValues.size() <= 1) {
      return decision.reportOnly();
    }
    return decision;
  }
}
