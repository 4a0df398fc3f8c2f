package dev.mfagateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DecisionTest {

  @Test
  void anAllowHasReasonOkAndARefusalNeverHas() {
    assertThat(Decision.allow(TokenIdentity.UNKNOWN, CallKind.USER_MFA).reason()).isEqualTo(Reason.OK);
    assertThat(Decision.deny(Reason.MFA_REQUIRED, "no mfa").reportOnly().verdict()).isEqualTo(Verdict.WOULD_DENY);

    assertThatThrownBy(() -> Decision.deny(Reason.OK, "nothing wrong"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("decision deny cannot have reason ok");
    assertThatThrownBy(() -> new Decision(Verdict.ALLOW, Reason.MFA_REQUIRED, "", TokenIdentity.UNKNOWN, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("decision allow cannot have reason mfa_required");
  }
}
