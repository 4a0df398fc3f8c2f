package dev.mfagateway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/**
 * Verified tokens, so the signature is checked once per token rather than once per request. Keyed by the SHA-256 of
 * the exact token string (only strictly shaped tokens reach it, so one token has one key); holds the verified
 * facts, never a route's verdict. Bounded in entries and memory: each entry weighs one unit per started KiB of what
 * it retains, and the total weight is at most `token-cache-max-entries`. An entry expires at the token's `exp` and
 * stops counting as soon as its signing key is no longer in the JWKS.
 */
public final class VerifiedTokens {
  /** SHA-256 of a token, as four longs. */
  public record TokenHash(long a, long b, long c, long d) {}

  /** Hit, miss and removal counts since start, and the current number of entries. */
  public record Stats(long hits, long misses, long removals, long size) {}

  private static final int CHUNK = 512;
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final ThreadLocal<Sha256> SHA256 = ThreadLocal.withInitial(Sha256::new);

  /** Running counts, carried over to a {@link #replacement()} so that the metrics read from them never go back. */
  private record Counts(LongAdder hits, LongAdder misses, LongAdder removals) {
    Counts() {
      this(new LongAdder(), new LongAdder(), new LongAdder());
    }
  }

  private final long maxEntries;
  private final boolean enabled;
  private final Clock clock;
  private final Cache<TokenHash, VerifiedToken> cache;
  private final SigningKeys signingKeys;
  private final LongAdder hits;
  private final LongAdder misses;
  /**
   * Entries dropped: expired, pushed out by the bound, invalidated because their signing key left the JWKS, or
   * dropped with the whole cache by a reload.
   */
  private final LongAdder removals;

  public VerifiedTokens(long maxEntries, SigningKeys signingKeys, Clock clock) {
    this(maxEntries, signingKeys, clock, new Counts());
  }

  private VerifiedTokens(long maxEntries, SigningKeys signingKeys, Clock clock, Counts counts) {
    this.maxEntries = maxEntries;
    this.enabled = maxEntries > 0;
    this.clock = clock;
    this.signingKeys = signingKeys;
    this.hits = counts.hits();
    this.misses = counts.misses();
    this.removals = counts.removals();
    this.cache =
        Caffeine.newBuilder()
            .maximumWeight(maxEntries)
            .weigher((TokenHash hash, VerifiedToken token) -> 1 + token.estimatedBytes() / 1024)
            .expireAfter(Expiry.creating((TokenHash hash, VerifiedToken token) ->
                Duration.ofMillis(token.expiresAtMillis() - clock.millis())))
            .ticker(() -> clock.millis() * 1_000_000L)
            .executor(Runnable::run)
            .removalListener((TokenHash hash, VerifiedToken token, RemovalCause cause) -> {
              if (cause != RemovalCause.REPLACED) {
                removals.increment();
              }
            })
            .build();
  }

  /**
   * An empty cache with the same bound, keys and clock that continues these counts, for a reload that changed what a
   * verified token has been checked against. This cache's entries are dropped (and counted as removals); a request
   * still judged under the old rules may add to it, but nothing reads it any more.
   */
  public VerifiedTokens replacement() {
    VerifiedTokens next = new VerifiedTokens(maxEntries, signingKeys, clock, new Counts(hits, misses, removals));
    cache.invalidateAll();
    return next;
  }

  /** False when `token-cache.max-entries` is 0: every request then verifies its token's signature. */
  public boolean isEnabled() {
    return enabled;
  }

  /** The verified token for this hash, if cached, unexpired, and its signing key is still current. */
  public VerifiedToken get(TokenHash hash) {
    VerifiedToken token = cache.getIfPresent(hash);
    if (token != null && !signingKeys.isCurrent(token.signingKey())) {
      cache.invalidate(hash);
      token = null;
    }
    (token == null ? misses : hits).increment();
    return token;
  }

  /**
   * {@code token} (a cache hit) while it would still be in the cache: unexpired, and its signing key still current.
   * Null for a null token, or one the cache would have dropped.
   */
  public VerifiedToken stillValid(VerifiedToken token) {
    if (token == null || clock.millis() >= token.expiresAtMillis() || !signingKeys.isCurrent(token.signingKey())) {
      return null;
    }
    hits.increment();
    return token;
  }

  /** Caches a token whose signature was verified (never one from a `claims-only` route). */
  public void put(TokenHash hash, VerifiedToken token) {
    if (token.signingKey() == null) {
      throw new IllegalArgumentException("only signature-verified tokens are cached");
    }
    cache.put(hash, token);
  }

  public Stats stats() {
    cache.cleanUp();
    return new Stats(hits.sum(), misses.sum(), removals.sum(), cache.estimatedSize());
  }

  /**
   * The SHA-256 of the token that starts at {@code start} in {@code text} and runs to its end (ASCII characters, as
   * the shape check ensured), without allocating a byte copy.
   */
  public static TokenHash hash(String text, int start) {
    return SHA256.get().hash(text, start);
  }

  private static final class Sha256 {
    private final MessageDigest digest;
    private final byte[] chunk = new byte[CHUNK];
    private final byte[] out = new byte[32];

    Sha256() {
      try {
        digest = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JDK has SHA-256", e);
      }
    }

    /** Each char's low byte, which for ASCII is the char: the deprecated {@code getBytes} copies them in bulk. */
    @SuppressWarnings("deprecation")
    TokenHash hash(String text, int start) {
      for (int from = start; from < text.length(); from += CHUNK) {
        int end = Math.min(text.length(), from + CHUNK);
        text.getBytes(from, end, chunk, 0);
        digest.update(chunk, 0, end - from);
      }
      try {
        digest.digest(out, 0, out.length);
      } catch (DigestException e) {
        throw new IllegalStateException("a 32-byte buffer holds a SHA-256", e);
      }
      return new TokenHash(word(0), word(8), word(16), word(24));
    }

    private long word(int offset) {
      return (long) LONGS.get(out, offset);
    }
  }
}
