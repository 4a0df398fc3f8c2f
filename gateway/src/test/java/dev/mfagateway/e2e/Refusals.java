package dev.mfagateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.util.List;
import java.util.Map;

/** What every refusal must look like on the wire (SPEC §4, §8), spelled out here independently of the product. */
final class Refusals {
  /** No `WWW-Authenticate` header at all (503, 502, 504, 414, 431). */
  static final String NO_CHALLENGE = null;
  /** `Bearer realm="mfa-gateway"` with no error code: the request had no credentials (RFC 6750 §3.1). */
  static final String BARE_CHALLENGE = "";
  private static final String REALM = "Bearer realm=\"mfa-gateway\"";

  private Refusals() {}

  /**
   * Status, the exact `WWW-Authenticate` challenge for {@code challengeError} (or {@link #NO_CHALLENGE}, {@link
   * #BARE_CHALLENGE}), and the JSON body whose `request_id` equals the `X-Request-Id` header.
   */
  static void assertRefusal(HttpResponse<String> response, int status, String challengeError, String reason)
      throws ParseException {
    assertThat(response.statusCode()).as("status, body %s", response.body()).isEqualTo(status);
    Map<String, Object> body = JSONObjectUtils.parse(response.body());
    String description = JSONObjectUtils.getString(body, "error_description");
    String requestId = response.headers().firstValue("X-Request-Id").orElseThrow();

    assertThat(body).containsOnlyKeys("error", "error_description", "reason", "request_id");
    assertThat(body.get("reason")).isEqualTo(reason);
    boolean noErrorCode = challengeError == NO_CHALLENGE || challengeError.equals(BARE_CHALLENGE);
    assertThat(body.get("error")).isEqualTo(noErrorCode ? reason : challengeError);
    assertThat(description).isNotBlank();
    assertThat(body.get("request_id")).isEqualTo(requestId);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(response.headers().allValues("WWW-Authenticate")).isEqualTo(challengeError == NO_CHALLENGE
        ? List.of()
        : List.of(challenge(challengeError, description)));
  }

  private static String challenge(String error, String description) {
    if (error.equals(BARE_CHALLENGE)) {
      return REALM;
    }
    if (error.equals("invalid_request")) {
      return REALM + ", error=\"invalid_request\"";
    }
    return REALM + ", error=\"" + error + "\", error_description=\"" + description + "\"";
  }
}
