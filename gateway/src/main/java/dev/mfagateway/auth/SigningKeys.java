package dev.mfagateway.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.AsymmetricJWK;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.mfagateway.config.AuthConfig;
import dev.mfagateway.config.ExtraTrust;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The directory's signing keys (SPEC §8 "Signing keys"), fetched from `auth.jwks-uri` with the JDK's asynchronous
 * HTTP client: at {@link #start()}, every `jwks-refresh-interval`, and on an unknown `kid` at most once per
 * `jwks-min-refresh-interval`, one fetch in flight at a time. A failed, empty, oversized or unparsable response keeps
 * the last good keys; failures retry with backoff from 1 s to 30 s. Only `auth.jwks-uri` is ever fetched: header
 * URLs (`jku`, `x5u`) and embedded keys are never looked at. HTTPS trusts the system trust store plus the configured
 * extra CA ({@link AuthConfig#jwksCaFile()}), read once here. Nothing here blocks the caller.
 */
public final class SigningKeys implements AutoCloseable {
  /** A JWKS response larger than this is refused (SPEC §8). */
  static final long MAX_JWKS_BYTES = 1024 * 1024;

  private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  private static final Logger LOG = LogManager.getLogger(SigningKeys.class);

  /**
   * One verification key: the JWK, its Java public key (converted once: the conversion costs more than a verification),
   * and the JWKS `issuer` member (an issuer template) when the key carries one.
   */
  public record SigningKey(String kid, JWK jwk, PublicKey publicKey, Optional<String> issuer) {}

  /** The outcome of looking up a `kid`: a key, or the reason there is none (`unknown_key`, `keys_unavailable`). */
  public record Lookup(SigningKey key, Reason missing) {
    static Lookup found(SigningKey key) {
      return new Lookup(key, null);
    }

    static Lookup missing(Reason reason) {
      return new Lookup(null, reason);
    }
  }

  /** How one fetch ended; {@link #label()} is the metric label. */
  public enum FetchOutcome {
    SUCCESS("success"),
    HTTP_ERROR("http_error"),
    NETWORK_ERROR("network_error"),
    TIMEOUT("timeout"),
    TOO_LARGE("too_large"),
    UNPARSABLE("unparsable"),
    EMPTY("empty");

    private final String label;

    FetchOutcome(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /**
   * Told about every fetch (for telemetry), before the requests waiting for that fetch resume. Called on an HTTP
   * client thread; must not block.
   */
  public interface Listener {
    void fetched(FetchOutcome outcome);
  }

  private final URI jwksUri;
  private final Duration refreshInterval;
  private final Duration minRefreshInterval;
  private final Duration fetchTimeout;
  private final Clock clock;
  private final HttpClient client;
  private final ScheduledExecutorService scheduler;
  private final AtomicReference<CompletableFuture<Void>> inFlight = new AtomicReference<>();
  private final AtomicLong lastOnDemandFetchMillis = new AtomicLong(Long.MIN_VALUE / 2);
  private volatile Map<String, SigningKey> keys;
  private volatile long lastSuccessMillis;
  private volatile Listener listener = outcome -> {};
  private int consecutiveFailures;
  private ScheduledFuture<?> nextFetch;

  /** Throws {@link UncheckedIOException} when the extra CA file, checked when the configuration was loaded, fails now. */
  public SigningKeys(AuthConfig config, Clock clock) {
    this.jwksUri = config.jwksUri();
    this.refreshInterval = config.jwksRefreshInterval();
    this.minRefreshInterval = config.jwksMinRefreshInterval();
    this.fetchTimeout = config.jwksFetchTimeout();
    this.clock = clock;
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(fetchTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .sslContext(trusting(config.jwksCaFile()))
            .build();
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "jwks-refresh");
              thread.setDaemon(true);
              return thread;
            });
  }

  private static SSLContext trusting(Optional<Path> caFile) {
    try {
      return ExtraTrust.clientContext(caFile);
    } catch (IOException | GeneralSecurityException e) {
      throw new UncheckedIOException(new IOException("JWKS fetch trust (extra CA " + caFile.get() + "): " + e, e));
    }
  }

  public void setListener(Listener listener) {
    this.listener = Objects.requireNonNull(listener);
  }

  /** Starts the first fetch; the returned stage completes when it ended, whatever its outcome. */
  public CompletionStage<Void> start() {
    return fetch();
  }

  /** Whether a good key set has been loaded (for `/readyz`). */
  public boolean isReady() {
    return keys != null;
  }

  public int keyCount() {
    Map<String, SigningKey> current = keys;
    return current == null ? 0 : current.size();
  }

  /** Time since the last good fetch; empty before the first. */
  public Optional<Duration> lastSuccessAge() {
    return isReady() ? Optional.of(Duration.ofMillis(clock.millis() - lastSuccessMillis)) : Optional.empty();
  }

  /** Whether {@code key} is still in the JWKS, unchanged. Cheap: one map lookup and a reference comparison. */
  public boolean isCurrent(SigningKey key) {
    Map<String, SigningKey> current = keys;
    return current != null && current.get(key.kid()) == key;
  }

  /** The key for {@code kid} among the keys loaded now: what {@link #find} answers at once when it need not wait. */
  public Lookup lookUpNow(String kid) {
    Map<String, SigningKey> current = keys;
    if (current == null) {
      return Lookup.missing(Reason.KEYS_UNAVAILABLE);
    }
    SigningKey key = current.get(kid);
    return key != null ? Lookup.found(key) : Lookup.missing(Reason.UNKNOWN_KEY);
  }

  /**
   * The key for {@code kid}. An unknown kid waits (without blocking) for a refresh, started here unless one is in
   * flight or one was started on demand less than `jwks-min-refresh-interval` ago, up to `jwks-fetch-timeout`.
   */
  public CompletionStage<Lookup> find(String kid) {
    Lookup now = lookUpNow(kid);
    if (now.missing() != Reason.UNKNOWN_KEY) {
      return CompletableFuture.completedFuture(now);
    }
    CompletableFuture<Void> refresh = onDemandRefresh();
    if (refresh == null) {
      // No fetch in flight now; one may have ended since the first look, and a fetch installs its keys before it
      // leaves `inFlight`: look again, or a token of the key it just brought would be refused.
      return CompletableFuture.completedFuture(lookUpNow(kid));
    }
    return refresh
        .copy()
        .completeOnTimeout(null, fetchTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .thenApply(done -> lookUpNow(kid));
  }

  /** The fetch to wait for: the one in flight, a new one if the rate limit allows, or null. */
  private CompletableFuture<Void> onDemandRefresh() {
    CompletableFuture<Void> running = inFlight.get();
    if (running != null) {
      return running;
    }
    long now = clock.millis();
    long last = lastOnDemandFetchMillis.get();
    if (now - last < minRefreshInterval.toMillis() || !lastOnDemandFetchMillis.compareAndSet(last, now)) {
      return inFlight.get();
    }
    return fetch();
  }

  /** Starts a fetch unless one is in flight; either way returns the one in flight. */
  private CompletableFuture<Void> fetch() {
    CompletableFuture<Void> mine = new CompletableFuture<>();
    CompletableFuture<Void> existing = inFlight.compareAndExchange(null, mine);
    if (existing != null) {
      return existing;
    }
    HttpRequest request =
        HttpRequest.newBuilder(jwksUri).timeout(fetchTimeout).header("Accept", "application/json").GET().build();
    CompletableFuture<HttpResponse<byte[]>> send = client.sendAsync(request, BoundedBody.handler(MAX_JWKS_BYTES));
    send.orTimeout(fetchTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (response, error) -> {
              if (error != null) {
                send.cancel(true);
              }
              return error != null ? outcomeOf(error) : accept(response);
            })
        .whenComplete(
            (outcome, unexpected) -> {
              FetchOutcome result = outcome != null ? outcome : FetchOutcome.UNPARSABLE;
              scheduleNext(result);
              tellListener(result);
              inFlight.set(null);
              mine.complete(null);
            });
    return mine;
  }

  private void tellListener(FetchOutcome outcome) {
    try {
      listener.fetched(outcome);
    } catch (RuntimeException e) {
      LOG.warn("JWKS fetch listener failed", e);
    }
  }

  private FetchOutcome accept(HttpResponse<byte[]> response) {
    if (response.statusCode() != 200) {
      return FetchOutcome.HTTP_ERROR;
    }
    Map<String, SigningKey> parsed;
    try {
      parsed = parse(new String(response.body(), StandardCharsets.UTF_8));
    } catch (ParseException | RuntimeException e) {
      return FetchOutcome.UNPARSABLE;
    }
    if (parsed.isEmpty()) {
      return FetchOutcome.EMPTY;
    }
    keys = Map.copyOf(parsed);
    lastSuccessMillis = clock.millis();
    return FetchOutcome.SUCCESS;
  }

  /**
   * The usable keys (asymmetric, a `kid`, not `use: enc`, public part only). A key unchanged since the last fetch keeps its old
   * {@link SigningKey} instance, so cached tokens signed by it stay valid ({@link #isCurrent}).
   */
  private Map<String, SigningKey> parse(String json) throws ParseException {
    List<Object> entries = JSONObjectUtils.getJSONArray(JSONObjectUtils.parse(json), "keys");
    if (entries == null) {
      throw new ParseException("no keys member", 0);
    }
    Map<String, SigningKey> previous = keys == null ? Map.of() : keys;
    Map<String, SigningKey> parsed = new HashMap<>();
    for (Object entry : entries) {
      if (!(entry instanceof Map<?, ?> member)) {
        continue;
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> jwkJson = (Map<String, Object>) member;
      JWK jwk;
      PublicKey publicKey;
      try {
        jwk = JWK.parse(jwkJson).toPublicJWK();
        if (!(jwk instanceof AsymmetricJWK asymmetric)
            || jwk.getKeyID() == null
            || KeyUse.ENCRYPTION.equals(jwk.getKeyUse())) {
          continue;
        }
        publicKey = asymmetric.toPublicKey();
      } catch (ParseException | JOSEException | RuntimeException unusableKey) {
        continue;
      }
      Optional<String> issuer =
          jwkJson.get("issuer") instanceof String template ? Optional.of(template) : Optional.empty();
      SigningKey fresh = new SigningKey(jwk.getKeyID(), jwk, publicKey, issuer);
      SigningKey old = previous.get(fresh.kid());
      parsed.put(fresh.kid(), fresh.equals(old) ? old : fresh);
    }
    return parsed;
  }

  private static FetchOutcome outcomeOf(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof BoundedBody.TooLargeException) {
      return FetchOutcome.TOO_LARGE;
    }
    if (cause instanceof TimeoutException || cause instanceof HttpTimeoutException) {
      return FetchOutcome.TIMEOUT;
    }
    return cause instanceof IOException ? FetchOutcome.NETWORK_ERROR : FetchOutcome.UNPARSABLE;
  }

  /** Runs inside the single fetch in flight, so fetch outcomes are handled one at a time. */
  private void scheduleNext(FetchOutcome outcome) {
    Duration delay;
    if (outcome == FetchOutcome.SUCCESS) {
      consecutiveFailures = 0;
      delay = refreshInterval;
    } else {
      consecutiveFailures++;
      delay = backoff(consecutiveFailures);
    }
    LOG.info("JWKS fetch from {}: {}, {} keys, next fetch in {}", jwksUri, outcome.label(), keyCount(), delay);
    if (nextFetch != null) {
      nextFetch.cancel(false);
    }
    try {
      nextFetch = scheduler.schedule(this::fetch, delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException closed) {
      nextFetch = null;
    }
  }

  static Duration backoff(int consecutiveFailures) {
    int doublings = Math.min(consecutiveFailures - 1, 5);
    Duration delay = FIRST_BACKOFF.multipliedBy(1L << doublings);
    return delay.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : delay;
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
