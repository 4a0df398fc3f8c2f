package dev.mfagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.auth.Decision;
import dev.mfagateway.auth.Reason;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The exact wire form of the gateway's own responses (SPEC §4, §8). */
class RefusalTest {
  private static final UnpooledByteBufAllocator ALLOC = new UnpooledByteBufAllocator(false);

  @Test
  void missingTokenChallengeHasNoErrorCode() {
    assertThat(Refusal.challenge(Reason.MISSING_TOKEN, "no Authorization header"))
        .isEqualTo("Bearer realm=\"mfa-gateway\"");
  }

  @Test
  void malformedRequestChallengeIsInvalidRequestAlone() {
    assertThat(Refusal.challenge(Reason.MALFORMED_REQUEST, "several Authorization headers"))
        .isEqualTo("Bearer realm=\"mfa-gateway\", error=\"invalid_request\"");
  }

  @Test
  void tokenRefusalsCarryTheErrorAndAnEscapedDescription() {
    assertThat(Refusal.challenge(Reason.EXPIRED, "token expired \"at\" 10:00\\x\n"))
        .isEqualTo(
            "Bearer realm=\"mfa-gateway\", error=\"invalid_token\", error_description=\"token expired \\\"at\\\""
                + " 10:00\\\\x\"");
    assertThat(Refusal.challenge(Reason.MFA_REQUIRED, "no MFA"))
        .isEqualTo(
            "Bearer realm=\"mfa-gateway\", error=\"insufficient_user_authentication\", error_description=\"no MFA\"");
    assertThat(Refusal.challenge(Reason.APP_ONLY_NOT_ALLOWED, "CPV app-only"))
        .isEqualTo("Bearer realm=\"mfa-gateway\", error=\"insufficient_scope\", error_description=\"CPV app-only\"");
  }

  @Test
  void aDenyBecomesStatusChallengeAndJsonBody() {
    FullHttpResponse response =
        Refusal.of(Decision.deny(Reason.TENANT_NOT_ALLOWED, "tenant \"x\" is not allowed"), "rid-1", false, ALLOC);
    try {
      assertThat(response.status().code()).isEqualTo(403);
      assertThat(response.headers().get("www-authenticate"))
          .startsWith("Bearer realm=\"mfa-gateway\", error=\"invalid_token\"");
      assertThat(response.headers().get("x-request-id")).isEqualTo("rid-1");
      assertThat(response.headers().get("connection")).isNull();
      assertThat(response.content().toString(StandardCharsets.UTF_8))
          .isEqualTo(
              "{\"error\":\"invalid_token\",\"error_description\":\"tenant \\\"x\\\" is not allowed\","
                  + "\"reason\":\"tenant_not_allowed\",\"request_id\":\"rid-1\"}");
    } finally {
      response.release();
    }
  }

  @Test
  void keysUnavailableIs503WithRetryAfterAndNoChallenge() {
    FullHttpResponse response =
        Refusal.of(Decision.deny(Reason.KEYS_UNAVAILABLE, "signing keys not loaded yet"), "rid-2", true, ALLOC);
    try {
      assertThat(response.status().code()).isEqualTo(503);
      assertThat(response.headers().get("retry-after")).isEqualTo("5");
      assertThat(response.headers().contains("www-authenticate")).isFalse();
      assertThat(response.headers().get("connection")).isEqualTo("close");
      assertThat(response.content().toString(StandardCharsets.UTF_8))
          .startsWith("{\"error\":\"keys_unavailable\",");
    } finally {
      response.release();
    }
  }
}
