package dev.mfagateway.auth;

/**
 * The strict compact-JWS shape {@code ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$}, checked before Nimbus and
 * before the cache: Nimbus accepts padding, `+`/`/` and whitespace, which would make one token many (SECURITY-NOTES
 * §0 item 4). A plain loop rather than the regex because it runs on every request.
 */
final class JwsShape {
  private JwsShape() {}

  static boolean isCompactJws(String token) {
    return isCompactJws(token, 0);
  }

  /** The check on {@code text} from index {@code start} to its end. */
  static boolean isCompactJws(String text, int start) {
    int dots = 0;
    int segmentLength = 0;
    for (int i = start; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '.') {
        if (segmentLength == 0 || ++dots > 2) {
          return false;
        }
        segmentLength = 0;
      } else if (isBase64UrlChar(c)) {
        segmentLength++;
      } else {
        return false;
      }
    }
    return dots == 2 && segmentLength > 0;
  }

  /** A table rather than range comparisons: random base64 characters make those branches unpredictable. */
  private static final boolean[] BASE64URL = new boolean[128];

  static {
    for (char c = 0; c < 128; c++) {
      BASE64URL[c] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }
  }

  private static boolean isBase64UrlChar(char c) {
    return c < 128 && BASE64URL[c];
  }
}
