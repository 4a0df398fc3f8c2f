package dev.mfagateway.auth;

import java.util.List;

/**
 * What a token proved once its signature, required claims, lifetime and issuer passed: the facts every route's policy
 * needs, typed and normalised, and nothing else of the token. {@code signingKey} is null on a `claims-only` route.
 */
public record VerifiedToken(
    SigningKeys.SigningKey signingKey,
    long expiresAtMillis,
    TokenIdentity identity,
    String tenantLowerCase,
    List<String> audiences,
    List<String> appIdsLowerCase,
    boolean appOnly,
    Amr amr) {

  /** How the `amr` claim came: absent, not a JSON array, or an array (its string members in {@code methods}). */
  public record Amr(Form form, List<String> methods) {
    public enum Form {
      ABSENT,
      NOT_AN_ARRAY,
      ARRAY
    }
  }

  /** Rough retained size in bytes, for the cache's memory bound. */
  int estimatedBytes() {
    int bytes = 256;
    for (List<String> strings : List.of(audiences, appIdsLowerCase, amr.methods())) {
      for (String s : strings) {
        bytes += 48 + s.length();
      }
    }
    return bytes + 3 * 48 + length(identity.tenantId()) + length(identity.appId()) + length(identity.objectId());
  }

  private static int length(String s) {
    return s == null ? 0 : s.length();
  }
}
