package dev.mfagateway.auth;

/**
 * The token a connection's last request proved, with the `Authorization` value it came in. A keep-alive client sends
 * the same value with every request, and comparing it with the last one costs a fraction of hashing it for the shared
 * {@link VerifiedTokens}; what the shared cache would check (expiry, signing key still current) is checked all the
 * same. One per connection; the value is kept until the connection closes, presents another token or pauses between
 * requests (the proxy's front end then {@link #forget}s it).
 *
 * <p>A token is remembered with the {@link VerifiedTokens} that vouched for it: a reload that changes the checks baked
 * into a verified token (issuers, algorithms, clock skew) starts a new cache, and the connection's token is then
 * verified again rather than answered from under the old rules.
 */
public final class LastVerifiedToken {
  /** A token the connection proved, the exact value it came in, and the cache that vouched for it. */
  record Proven(String authorization, VerifiedToken token, VerifiedTokens cache) {
    /** The token, if {@code current} is the cache that vouched for it (a reload may have started another). */
    VerifiedToken vouchedBy(VerifiedTokens current) {
      return cache == current ? token : null;
    }
  }

  /** Written by whichever thread finished the verdict (an HTTP client thread after a key fetch), read on the next. */
  private volatile Proven last;

  /** What the connection proved last, or null; read once per request. */
  Proven proven() {
    return last;
  }

  /** After a pause, the connection's next token is looked up in the shared cache again. */
  public void forget() {
    last = null;
  }

  void remember(String authorization, VerifiedToken token, VerifiedTokens cache) {
    last = new Proven(authorization, token, cache);
  }
}
