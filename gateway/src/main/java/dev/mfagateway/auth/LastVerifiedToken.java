package dev.mfagateway.auth;

/**
 * The token a connection's last request proved, with the `Authorization` value it came in. A keep-alive client sends
 * the same value with every request, and comparing it with the last one costs a fraction of hashing it for the shared
 * {@link VerifiedTokens}; what the shared cache would check (expiry, signing key still current) is checked all the
 * same. One per connection; the value is kept until the connection closes or presents another token.
 *
 * <p>A token is remembered with the {@link VerifiedTokens} that vouched for it: a reload that changes the checks baked
 * into a verified token (issuers, algorithms, clock skew) starts a new cache, and the connection's token is then
 * verified again rather than answered from under the old rules.
 */
public final class LastVerifiedToken {
  private record Remembered(String authorization, VerifiedToken token, VerifiedTokens cache) {}

  /** Written by whichever thread finished the verdict (an HTTP client thread after a key fetch), read on the next. */
  private volatile Remembered last;

  /** The verified token, if {@code authorization} is exactly the value it came in and {@code cache} vouched for it. */
  VerifiedToken matching(String authorization, VerifiedTokens cache) {
    Remembered remembered = last;
    return remembered != null && remembered.cache() == cache && remembered.authorization().equals(authorization)
        ? remembered.token()
        : null;
  }

  /** The exact `Authorization` value of the last verified token (its shape was checked then), or null. */
  String authorization() {
    Remembered remembered = last;
    return remembered == null ? null : remembered.authorization();
  }

  void remember(String authorization, VerifiedToken token, VerifiedTokens cache) {
    last = new Remembered(authorization, token, cache);
  }
}
