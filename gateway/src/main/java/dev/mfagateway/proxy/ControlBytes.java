package dev.mfagateway.proxy;

/**
 * The bytes Netty's header validation refuses in a value: those below 0x20 (a tab among them, which the callers allow
 * themselves where it may stand) and DEL. Tested one byte at a time, or eight at a time in a little-endian word.
 */
final class ControlBytes {
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGH_BITS = 0x8080808080808080L;

  private ControlBytes() {}

  static boolean isControl(byte b) {
    return (b >= 0 && b < 0x20) || b == 0x7F;
  }

  /** Whether some byte of {@code word} is a control byte: exact as a yes or no. */
  static boolean holdsControl(long word) {
    return hasByteBelow(word, 0x20) || hasByteBelow(word ^ (0x7F * ONES), 1);
  }

  /** Whether some byte of {@code word} is below {@code limit} (at most 0x80): exact as a yes or no. */
  private static boolean hasByteBelow(long word, int limit) {
    return ((word - limit * ONES) & ~word & HIGH_BITS) != 0;
  }
}
