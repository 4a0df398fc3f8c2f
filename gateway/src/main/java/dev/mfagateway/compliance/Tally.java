package dev.mfagateway.compliance;

import dev.mfagateway.auth.CallKind;
import dev.mfagateway.auth.Decision;
import dev.mfagateway.auth.Reason;
import dev.mfagateway.auth.Verdict;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts over some span of time: either of one tenant's app ({@link #forCalls()}: calls, allowed, app-only, MFA, and
 * refusals by the reasons an attributed call can have) or of the calls that could not be attributed
 * ({@link #forUnattributed()}: one count per verdict reason). Slots are named for the state file, so a file stays
 * readable when slots are added. Not thread-safe: the owner synchronises.
 */
final class Tally {
  static final int CALLS = 0;
  static final int ALLOWED = 1;
  static final int APP_ONLY = 2;
  static final int CPV_APP_ONLY = 3;
  static final int USER_CALLS = 4;
  static final int USER_MFA = 5;
  /** The refusals a call can get once its token passed the signature, issuer and lifetime checks. */
  static final List<Reason> ATTRIBUTED_REFUSALS =
      List.of(Reason.WRONG_AUDIENCE, Reason.TENANT_NOT_ALLOWED, Reason.APP_ONLY_NOT_ALLOWED, Reason.MFA_REQUIRED);
  static final int DENIED = 6;
  static final int WOULD_DENY = DENIED + ATTRIBUTED_REFUSALS.size();
  static final List<String> CALL_SLOTS = callSlots();
  /** Verdict reasons (`missing_token` … `keys_unavailable`) by ordinal: what an unattributed tally counts. */
  static final List<String> REASON_SLOTS = reasonSlots();

  final long[] counts;
  long firstSeen = Long.MAX_VALUE;
  long lastSeen = Long.MIN_VALUE;

  private Tally(int slots) {
    counts = new long[slots];
  }

  static Tally forCalls() {
    return new Tally(CALL_SLOTS.size());
  }

  static Tally forUnattributed() {
    return new Tally(REASON_SLOTS.size());
  }

  Tally emptyCopy() {
    return new Tally(counts.length);
  }

  /** The slot of an attributed refusal's reason, or -1 when an attributed call cannot have it. */
  static int refusalSlot(Reason reason) {
    return switch (reason) {
      case WRONG_AUDIENCE -> 0;
      case TENANT_NOT_ALLOWED -> 1;
      case APP_ONLY_NOT_ALLOWED -> 2;
      case MFA_REQUIRED -> 3;
      default -> -1;
    };
  }

  /** One attributed call; {@code refusal} is its {@link #refusalSlot}, unused on an allow. */
  void addCall(Decision decision, int refusal, long now) {
    counts[CALLS]++;
    CallKind kind = decision.kind();
    if (kind.appOnly()) {
      counts[APP_ONLY]++;
      if (kind == CallKind.CPV_APP_ONLY) {
        counts[CPV_APP_ONLY]++;
      }
    } else {
      counts[USER_CALLS]++;
      if (kind == CallKind.USER_MFA) {
        counts[USER_MFA]++;
      }
    }
    Verdict verdict = decision.verdict();
    if (verdict == Verdict.ALLOW) {
      counts[ALLOWED]++;
    } else {
      counts[(verdict == Verdict.DENY ? DENIED : WOULD_DENY) + refusal]++;
    }
    seen(now);
  }

  /** One unattributed refusal. */
  void addUnattributed(Reason reason, long now) {
    counts[reason.ordinal()]++;
    seen(now);
  }

  private void seen(long now) {
    firstSeen = Math.min(firstSeen, now);
    lastSeen = Math.max(lastSeen, now);
  }

  void addAll(Tally other) {
    for (int i = 0; i < counts.length; i++) {
      counts[i] += other.counts[i];
    }
    firstSeen = Math.min(firstSeen, other.firstSeen);
    lastSeen = Math.max(lastSeen, other.lastSeen);
  }

  void clear() {
    java.util.Arrays.fill(counts, 0);
    firstSeen = Long.MAX_VALUE;
    lastSeen = Long.MIN_VALUE;
  }

  long calls() {
    return counts.length == CALL_SLOTS.size() ? counts[CALLS] : java.util.Arrays.stream(counts).sum();
  }

  /** Calls that broke a rule: denied, or would have been in enforce mode. */
  long nonCompliant() {
    long sum = 0;
    for (int i = DENIED; i < CALL_SLOTS.size(); i++) {
      sum += counts[i];
    }
    return sum;
  }

  List<String> slotNames() {
    return counts.length == CALL_SLOTS.size() ? CALL_SLOTS : REASON_SLOTS;
  }

  private static List<String> callSlots() {
    List<String> names = new ArrayList<>(List.of("calls", "allowed", "app_only", "cpv_app_only", "user_calls",
        "user_mfa"));
    ATTRIBUTED_REFUSALS.forEach(reason -> names.add("denied." + reason.wireName()));
    ATTRIBUTED_REFUSALS.forEach(reason -> names.add("would_deny." + reason.wireName()));
    return List.copyOf(names);
  }

  private static List<String> reasonSlots() {
    List<String> names = new ArrayList<>();
    for (Reason reason : Reason.values()) {
      if (reason.ordinal() <= Reason.KEYS_UNAVAILABLE.ordinal()) {
        names.add(reason.wireName());
      }
    }
    return List.copyOf(names);
  }
}
