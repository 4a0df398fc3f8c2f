package dev.mfagateway.auth;

import java.util.List;

/**
 * Takes the token out of the request (RFC 6750 §2.1, SECURITY-NOTES §2.5): exactly one `Authorization` header of the
 * form `Bearer 1*SP token` (scheme case-insensitive), no token in the query string as well. A query-string token
 * alone is ignored (RFC 6750 §5.3), so such a request has no token.
 */
public final class BearerToken {
  private BearerToken() {}

  /** The outcome: either a token, or the refusal that ends the request. */
  public record Extraction(String token, Decision refusal) {
    static Extraction of(String token) {
      return new Extraction(token, null);
    }

    static Extraction refused(Reason reason, String description) {
      return new Extraction(null, Decision.deny(reason, description));
    }
  }

  public static Extraction extract(List<String> authorizationValues, String requestTarget) {
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
    String token = value.substring(start);
    if (token.isEmpty() || !isB64Token(token)) {
      return Extraction.refused(
          Reason.MALFORMED_REQUEST, "Authorization header is not of the form 'Bearer <token>'");
    }
    return Extraction.of(token);
  }

  /** RFC 6750 b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=". */
  private static boolean isB64Token(String token) {
    int i = 0;
    int n = token.length();
    while (i < n && isB64Char(token.charAt(i))) {
      i++;
    }
    if (i == 0) {
      return false;
    }
    while (i < n && token.charAt(i) == '=') {
      i++;
    }
    return i == n;
  }

  private static boolean isB64Char(char c) {
    return (c >= 'A' && c <= 'Z')
        || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9')
        || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
  }

  /** Whether the query string carries an `access_token` parameter (RFC 6750 §2.3), compared before any decoding. */
  private static boolean hasQueryToken(String requestTarget) {
    int q = requestTarget.indexOf('?');
    if (q < 0) {
      return false;
    }
    int fragment = requestTarget.indexOf('#', q);
    String query = requestTarget.substring(q + 1, fragment < 0 ? requestTarget.length() : fragment);
    for (String parameter : query.split("&", -1)) {
      int eq = parameter.indexOf('=');
      String name = eq < 0 ? parameter : parameter.substring(0, eq);
      if (name.equals("access_token")) {
        return true;
      }
    }
    return false;
  }
}
