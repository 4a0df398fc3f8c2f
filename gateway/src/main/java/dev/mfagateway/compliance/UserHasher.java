package dev.mfagateway.compliance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A user's object id (`oid`) as a salted hash (HMAC-SHA256, first 16 bytes in hex), so the report can list the users
 * calling without MFA without holding who they are. The salt is the configured file's content, or new random bytes
 * per process (the hashes then change with every restart). One {@link Mac} per thread.
 */
public final class UserHasher {
  private final ThreadLocal<Mac> macs;

  private UserHasher(byte[] salt) {
    SecretKeySpec key = new SecretKeySpec(salt, "HmacSHA256");
    macs = ThreadLocal.withInitial(() -> {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(key);
        return mac;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
      }
    });
  }

  /** Reads the salt file (already checked readable by the configuration), or draws a random salt. */
  public static UserHasher create(Optional<Path> saltFile) {
    if (saltFile.isEmpty()) {
      byte[] salt = new byte[32];
      new SecureRandom().nextBytes(salt);
      return new UserHasher(salt);
    }
    try {
      byte[] salt = Files.readAllBytes(saltFile.get());
      return new UserHasher(salt.length == 0 ? new byte[1] : salt);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read gateway.compliance.user-salt-file", e);
    }
  }

  public static UserHasher withSalt(byte[] salt) {
    return new UserHasher(salt.clone());
  }

  /** The hash of {@code objectId}; a token without `oid` is hashed as the empty string. */
  public String hash(String objectId) {
    Mac mac = macs.get();
    byte[] digest = mac.doFinal((objectId == null ? "" : objectId).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(digest, 0, 16);
  }
}
