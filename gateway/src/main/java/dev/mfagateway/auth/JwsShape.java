package dev.mfagateway.auth;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The strict compact-JWS shape {@code ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$}, checked before Nimbus and
 * before the cache: Nimbus accepts padding, `+`/`/` and whitespace, which would make one token many (SECURITY-NOTES
 * §0 item 4). It runs on every request, over a token of a kilobyte or two, so it is written for speed: the dots are
 * found by {@link String#indexOf(int)}, the characters are copied as Latin-1 bytes into a buffer kept per thread (by
 * the JDK's vectorised copies, without allocating), and checked eight at a time in one {@code long}.
 */
final class JwsShape {
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGH_BITS = 0x8080808080808080L;
  private static final ThreadLocal<Latin1Copy> COPIES = ThreadLocal.withInitial(Latin1Copy::new);

  private JwsShape() {}

  static boolean isCompactJws(String token) {
    return isCompactJws(token, 0);
  }

  /** The check on {@code text} from index {@code start} to its end. */
  static boolean isCompactJws(String text, int start) {
    int firstDot = text.indexOf('.', start);
    int secondDot = firstDot < 0 ? -1 : text.indexOf('.', firstDot + 1);
    if (firstDot <= start
        || secondDot <= firstDot + 1
        || secondDot >= text.length() - 1
        || text.indexOf('.', secondDot + 1) >= 0) {
      return false;
    }
    Latin1Copy copy = COPIES.get();
    return copy.of(text, start) && allBase64UrlOrDot(copy.bytes, text.length() - start);
  }

  /** A thread's buffers for the Latin-1 bytes of a text; they grow to the longest text seen (at most a header). */
  private static final class Latin1Copy {
    private final CharsetEncoder latin1 = StandardCharsets.ISO_8859_1.newEncoder();
    private char[] chars = new char[0];
    private byte[] bytes = new byte[0];

    /** Copies the text from {@code start}; false when a character lies beyond Latin-1. */
    boolean of(String text, int start) {
      int length = text.length() - start;
      if (chars.length < length) {
        chars = new char[length];
        bytes = new byte[length];
      }
      text.getChars(start, text.length(), chars, 0);
      return !latin1.reset().encode(CharBuffer.wrap(chars, 0, length), ByteBuffer.wrap(bytes), true).isError();
    }
  }

  private static boolean allBase64UrlOrDot(byte[] latin1, int length) {
    int i = 0;
    for (; i + Long.BYTES <= length; i += Long.BYTES) {
      if (!allBase64UrlOrDot((long) LONGS.get(latin1, i))) {
        return false;
      }
    }
    long tail = ONES * 'A'; // the last bytes, shifted in over harmless letters
    for (; i < length; i++) {
      tail = tail << Byte.SIZE | (latin1[i] & 0xFF);
    }
    return allBase64UrlOrDot(tail);
  }

  /** Whether each of the eight bytes is one of {@code A-Z a-z 0-9 - _ .}. */
  private static boolean allBase64UrlOrDot(long bytes) {
    if ((bytes & HIGH_BITS) != 0) {
      return false;
    }
    long letters = inRange(bytes | ONES * 0x20, 'a', 'z'); // setting bit 5 turns A-Z into a-z, and no other byte into one
    long dashDotDigits = inRange(bytes, '-', '9') & ~equalTo(bytes, '/'); // - . / 0-9, less the /
    return (letters | dashDotDigits | equalTo(bytes, '_')) == HIGH_BITS;
  }

  /**
   * The high bit of each byte set where {@code low <= byte <= high}, for bytes below 0x80: adding {@code 0x80 - low}
   * sets the high bit exactly when the byte is at least {@code low}, adding {@code 0x7F - high} exactly when it is above
   * {@code high}, and neither sum carries into the next byte.
   */
  private static long inRange(long bytes, char low, char high) {
    return (bytes + ONES * (0x80 - low)) & ~(bytes + ONES * (0x7F - high)) & HIGH_BITS;
  }

  /** The high bit of each byte set where the byte equals {@code c} (bytes below 0x80). */
  private static long equalTo(long bytes, char c) {
    return ~((bytes ^ (ONES * c)) + ONES * 0x7F) & HIGH_BITS;
  }
}
