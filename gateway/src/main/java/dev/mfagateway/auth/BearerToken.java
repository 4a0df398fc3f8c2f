package dev.mfagateway.auth;

import java.util.List;

/**
 * Takes the token out of the request (RFC 6750 §2.1, SECURITY-NOTES §2.5): exactly one `Authorization` header of the
 * form `Bearer 1*SP token` (scheme case-insensitive), no token in the query string as well. A query-string token
 * alone is ignored (RFC 6750 §5.3), so such a request has no token.
 */
public final class BearerToken {
  private static final String ACCESS_TOKEN = "access_token";

  private BearerToken() {}

  /**
   * The outcome: either the token, which starts at {@code tokenStart} in {@code headerValue} (kept in place so the
   * cached path never copies it) and whose strict compact-JWS shape is already known — {@code proven} when the value
   * is exactly the one the connection proved last —, or the refusal that ends the request.
   */
  public record Extraction(String headerValue, int tokenStart, boolean compactJws, boolean proven, Decision refusal) {
    static Extraction of(String headerValue, int tokenStart, boolean compactJws) {
      return new Extraction(headerValue, tokenStart, compactJws, false, null);
    }

    static Extraction ofProven(String headerValue, int tokenStart) {
      return new Extraction(headerValue, tokenStart, true, true, null);
    }

    static Extraction refused(Reason reason, String description) {
      return new Extraction(null, 0, false, false, Decision.deny(reason, description));
    }
  }

  /**
   * {@code provenValue} is the exact `Authorization` value the connection's last verified token came in (null when
   * none): a value equal to it is known to be a compact JWS, so its shape is not scanned again.
   */
  public static Extraction extract(List<String> authorizationValues, String requestTarget, String provenValue) {
    if (authorizationValues.size() > 1) {
      return Extraction.refused(
          Reason.MALFORMED_REQUEST, "several Authorization headers: send exactly one");
    }
    boolean queryToken = hasQueryToken(requestTarget);
    if (authorizationValues.isEmpty()) {
      return Extraction.refused(Reason.MISSING_TOKEN, queryToken
          ? "a token in the query string (access_token) is not accepted: send Authorization: Bearer <token>"
          : "no Authorization header: send Authorization: Bearer <token>");
    }
    if (queryToken) {
      return Extraction.refused(
          Reason.MALFORMED_REQUEST,
          "token also in the query string (access_token): send it only in the Authorization header");
    }
    String value = authorizationValues.get(0);
    if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Extraction.refused(
          Reason.MALFORMED_REQUEST, "Authorization header is not of the form 'Bearer <token>'");
    }
    int start = 7;
    while (start < value.length() && value.charAt(start) == ' ') {
      start++;
    }
    if (value.equals(provenValue)) {
      return Extraction.ofProven(value, start);
    }
    // Every compact JWS is a b64token, so one pass over the token usually settles both questions.
    boolean compactJws = JwsShape.isCompactJws(value, start);
    if (!compactJws && !isB64Token(value, start)) {
      return Extraction.refused(
          Reason.MALFORMED_REQUEST, "Authorization header is not of the form 'Bearer <token>'");
    }
    return Extraction.of(value, start, compactJws);
  }

  /** RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=". */
  private static boolean isB64Token(String value, int start) {
    int i = start;
    int n = value.length();
    while (i < n && isB64Char(value.charAt(i))) {
      i++;
    }
    if (i == start) {
      return false;
    }
    while (i < n && value.charAt(i) == '=') {
      i++;
    }
    return i == n;
  }

  /** A table rather than range comparisons: random base64 characters make those branches unpredictable. */
  private static final boolean[] B64TOKEN = new boolean[128];

  static {
    for (char c = 0; c < 128; c++) {
      B64TOKEN[c] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
    }
  }

  private static boolean isB64Char(char c) {
    return c < 128 && B64TOKEN[c];
  }

  /** Whether the query string carries an `access_token` parameter (RFC 6750 §2.3), compared before any decoding. */
  private static boolean hasQueryToken(String requestTarget) {
    int end = requestTarget.indexOf('#');
    end = end < 0 ? requestTarget.length() : end;
    int parameter = requestTarget.indexOf('?');
    while (parameter >= 0 && parameter < end) {
      int nameStart = parameter + 1;
      int nameEnd = nameStart + ACCESS_TOKEN.length();
      if (requestTarget.startsWith(ACCESS_TOKEN, nameStart)
          && (nameEnd == end || requestTarget.charAt(nameEnd) == '=' || requestTarget.charAt(nameEnd) == '&')) {
        return true;
      }
      parameter = requestTarget.indexOf('&', nameStart);
    }
    return false;
  }
}
