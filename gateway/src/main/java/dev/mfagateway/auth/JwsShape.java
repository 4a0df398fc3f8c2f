package dev.mfagateway.auth;

/**
 * The strict compact-JWS shape {@code ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$}, checked before Nimbus and
 * before the cache: Nimbus accepts padding, `+`/`/` and whitespace, which would make one token many (SECURITY-NOTES
 * §0 item 4). It runs on every request, over a token of one or two kilobytes: the dots are found by
 * {@link String#indexOf(int)}, then one plain loop checks every character against a table. (Eight characters at a
 * time in a {@code long} was measured slower than this loop.)
 */
final class JwsShape {
  /** Base64url characters and the dot, by character. */
  private static final boolean[] ALLOWED = new boolean[128];

  static {
    for (char c = 0; c < 128; c++) {
      ALLOWED[c] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_' || c == '.';
    }
  }

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
    for (int i = start; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c >= ALLOWED.length || !ALLOWED[c]) {
        return false;
      }
    }
    return true;
  }
}
