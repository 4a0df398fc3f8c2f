package dev.mfagateway.admin;

import dev.mfagateway.config.Secret;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bearer token of the admin port (`gateway.admin.token-file`). A presented token is compared with it in constant
 * time over the SHA-256 digests of both, so the timing reveals neither the token's length nor a matching prefix.
 */
final class AdminToken {
  /** `Bearer` (any case), one or more spaces, the token (SPEC §8's rule for the gateway's own bearer tokens). */
  private static final Pattern BEARER = Pattern.compile("bearer +(\\S+)", Pattern.CASE_INSENSITIVE);

  private final byte[] digest;

  AdminToken(Secret token) {
    digest = sha256(token.value());
  }

  /** Whether the request's {@code Authorization} header values are exactly one {@code Bearer <this token>}. */
  boolean admits(List<String> authorization) {
    if (authorization.size() != 1) {
      return false;
    }
    Matcher bearer = BEARER.matcher(authorization.get(0));
    return bearer.matches() && MessageDigest.isEqual(digest, sha256(bearer.group(1)));
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
