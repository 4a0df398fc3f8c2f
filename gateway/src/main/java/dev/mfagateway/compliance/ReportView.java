package dev.mfagateway.compliance;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One reading of the report over a {@link Window}, what `/compliance`, `/compliance.html` and the Prometheus series
 * are rendered from: the top-K tenants by calls, each with its top-K apps, the rest summed under `other`, and the
 * unattributed refusals by reason.
 */
public record ReportView(
    Instant since,
    Window window,
    Instant generatedAt,
    boolean usersHashed,
    List<TenantView> tenants,
    Figures other,
    Map<String, Long> unattributed) {

  /** A tenant: its apps' figures summed, its top apps, and its other apps summed. */
  public record TenantView(String tenantId, Figures totals, List<AppView> apps, Figures otherApps) {}

  /**
   * An app of a tenant ({@code appId} null when the token named none), with its hourly calls and non-compliant calls
   * over the last 24 hours (oldest first) and, when users are hashed, the users calling without MFA.
   */
  public record AppView(
      String appId, Figures figures, long[] hourlyCalls, long[] hourlyNonCompliant, List<UserView> usersWithoutMfa,
      long otherUsersWithoutMfaCalls) {}

  /** A user as a salted hash of their object id, and their calls without MFA. */
  public record UserView(String userHash, long calls) {}

  /** The figures of one entry over the window. */
  public record Figures(
      long calls,
      long allowed,
      long appOnly,
      long cpvAppOnly,
      long userCalls,
      long userMfa,
      Map<String, Long> denied,
      Map<String, Long> wouldDeny,
      Instant firstSeen,
      Instant lastSeen) {

    static Figures of(Tally tally) {
      long[] n = tally.counts;
      Map<String, Long> denied = new java.util.LinkedHashMap<>();
      Map<String, Long> wouldDeny = new java.util.LinkedHashMap<>();
      for (int i = 0; i < Tally.ATTRIBUTED_REFUSALS.size(); i++) {
        String reason = Tally.ATTRIBUTED_REFUSALS.get(i).wireName();
        if (n[Tally.DENIED + i] > 0) {
          denied.put(reason, n[Tally.DENIED + i]);
        }
        if (n[Tally.WOULD_DENY + i] > 0) {
          wouldDeny.put(reason, n[Tally.WOULD_DENY + i]);
        }
      }
      return new Figures(n[Tally.CALLS], n[Tally.ALLOWED], n[Tally.APP_ONLY], n[Tally.CPV_APP_ONLY],
          n[Tally.USER_CALLS], n[Tally.USER_MFA], denied, wouldDeny,
          tally.firstSeen == Long.MAX_VALUE ? null : Instant.ofEpochMilli(tally.firstSeen),
          tally.lastSeen == Long.MIN_VALUE ? null : Instant.ofEpochMilli(tally.lastSeen));
    }

    /** The share of user-token calls that proved MFA; null when there were none. */
    public Double mfaShare() {
      return userCalls == 0 ? null : (double) userMfa / userCalls;
    }

    public long userWithoutMfa() {
      return userCalls - userMfa;
    }

    public long deniedTotal() {
      return denied.values().stream().mapToLong(Long::longValue).sum();
    }

    public long wouldDenyTotal() {
      return wouldDeny.values().stream().mapToLong(Long::longValue).sum();
    }
  }
}
