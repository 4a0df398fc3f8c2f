package dev.mfagateway.compliance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.auth.CallKind;
import dev.mfagateway.auth.Decision;
import dev.mfagateway.auth.Reason;
import dev.mfagateway.auth.TokenIdentity;
import dev.mfagateway.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The report's bound: K tenants and K apps per tenant of their own; a newcomer beyond K goes to `other`, unless an
 * entry has been quiet for a day, which is then folded into `other` to make room. Nothing is lost on the way.
 */
class ComplianceFoldingTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
  private final ComplianceReport report = new ComplianceReport(2, null, clock);

  private void call(String tenant, String app, int times) {
    for (int i = 0; i < times; i++) {
      report.record(Decision.allow(new TokenIdentity(tenant, app, "user"), CallKind.USER_MFA));
    }
  }

  private List<String> tenants() {
    return report.view(Window.ALL).tenants().stream().map(ReportView.TenantView::tenantId).toList();
  }

  @Test
  void aNewTenantBeyondKGoesToOtherUntilATenantHasBeenQuietForADay() {
    call("a", "app", 5);
    call("b", "app", 3);
    call("c", "app", 1);
    assertThat(tenants()).containsExactly("a", "b");
    assertThat(report.view(Window.ALL).other().calls()).isEqualTo(1);

    clock.advance(Duration.ofHours(23));
    call("b", "app", 1);
    clock.advance(Duration.ofHours(2)); // a: quiet for 25 h; b: for 2 h
    call("c", "app", 2);

    ReportView view = report.view(Window.ALL);
    assertThat(tenants()).containsExactly("b", "c");
    assertThat(view.tenants().get(1).totals().calls()).isEqualTo(2);
    assertThat(view.other().calls()).isEqualTo(5 + 1); // a folded in, with c's call from before it had room
    assertThat(view.tenants().stream().mapToLong(t -> t.totals().calls()).sum() + view.other().calls())
        .isEqualTo(5 + 3 + 1 + 1 + 2);
  }

  @Test
  void roomIsLookedForAtMostOnceAMinute() {
    call("a", "app", 1);
    call("b", "app", 1);
    clock.advance(Duration.ofHours(25));
    call("b", "app", 1);
    call("c", "app", 1); // folds a: c admitted
    call("d", "app", 1); // nothing quiet (b, c active): other
    assertThat(tenants()).containsExactlyInAnyOrder("b", "c");
    clock.advance(Duration.ofHours(25));
    call("e", "app", 1); // a day later b and c are quiet, but only one is folded per look
    call("f", "app", 1); // within the same minute: other
    assertThat(tenants()).hasSize(2).contains("e").doesNotContain("f");
    ReportView view = report.view(Window.ALL);
    long tracked = view.tenants().stream().mapToLong(t -> t.totals().calls()).sum();
    assertThat(tracked).isIn(2L, 3L); // e, and b (2 calls) or c (1 call), whichever was not folded
    assertThat(view.other().calls()).isEqualTo(7 - tracked); // a, d, f and the folded one
  }

  @Test
  void anAppQuietForADayMakesRoomForANewAppOfItsTenant() {
    call("t", "old", 4);
    call("t", "busy", 1);
    call("t", "new", 1);
    assertThat(report.view(Window.ALL).tenants().get(0).otherApps().calls()).isEqualTo(1);
    clock.advance(Duration.ofHours(25));
    call("t", "busy", 1);
    call("t", "new", 1);
    ReportView.TenantView tenant = report.view(Window.ALL).tenants().get(0);
    assertThat(tenant.apps()).extracting(ReportView.AppView::appId).containsExactlyInAnyOrder("busy", "new");
    assertThat(tenant.otherApps().calls()).isEqualTo(4 + 1);
    assertThat(tenant.totals().calls()).isEqualTo(8);
  }

  @Test
  void tenantIdsCompareWithoutCase() {
    call("C0FFEE00-0000-4000-8000-00000000A11C", "app", 1);
    call("c0ffee00-0000-4000-8000-00000000a11c", "app", 2);
    assertThat(tenants()).containsExactly("c0ffee00-0000-4000-8000-00000000a11c");
    assertThat(report.view(Window.ALL).tenants().get(0).totals().calls()).isEqualTo(3);
  }

  @Test
  void noCallIsLostWhileTenantsAreFoldedUnderConcurrentRecording() throws Exception {
    int threads = 4;
    int perThread = 20_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    for (int t = 0; t < threads; t++) {
      int thread = t;
      pool.execute(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < perThread; i++) {
          if (i % 10 == 0 && thread == 0) {
            clock.advance(Duration.ofHours(25)); // everything quiet: every look folds a tenant
          }
          report.record(Decision.allow(new TokenIdentity("t" + (i % 7), "app" + (i % 3), "u"), CallKind.USER_MFA));
          if (i % 5 == 0) {
            report.record(Decision.deny(Reason.MFA_REQUIRED, "x", new TokenIdentity("t" + (i % 7), "app", "u"))
                .attributedAs(CallKind.USER_NO_MFA));
          }
        }
      });
    }
    start.countDown();
    pool.shutdown();
    assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    ReportView view = report.view(Window.ALL);
    long counted = view.tenants().stream().mapToLong(t -> t.totals().calls()).sum() + view.other().calls();
    assertThat(counted).isEqualTo((long) threads * (perThread + perThread / 5));
    assertThat(view.tenants()).hasSizeLessThanOrEqualTo(2);
  }
}
