package dev.mfagateway.compliance;

import static dev.mfagateway.compliance.ComplianceReportEndToEndTest.APP_A;
import static dev.mfagateway.compliance.ComplianceReportEndToEndTest.APP_B;
import static dev.mfagateway.compliance.ComplianceReportEndToEndTest.T1;
import static dev.mfagateway.compliance.Reports.app;
import static dev.mfagateway.compliance.Reports.appIds;
import static dev.mfagateway.compliance.Reports.assertFigures;
import static dev.mfagateway.compliance.Reports.tenant;
import static dev.mfagateway.compliance.Reports.tenantIds;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mfagateway.auth.Reason;
import dev.mfagateway.e2e.RecordingServer;
import dev.mfagateway.testing.MutableClock;
import dev.mfagateway.testing.TestIssuer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.Test;

/**
 * The `1h` and `24h` windows roll over with the report's clock (moved by the test, no waiting): whole five-minute and
 * hourly buckets, a bucket reused after a full turn of its ring starts empty, and `all` never forgets. End to end
 * through the real gateway, then {@link Buckets} and {@link Entry} on their own.
 */
class ComplianceWindowsTest {
  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  private static final long MINUTE = 60_000;

  @Test
  void windowsRollOverWithTheReportClock() throws Exception {
    MutableClock clock = new MutableClock(T0);
    try (TestIssuer issuer = TestIssuer.start();
        RecordingServer upstream = new RecordingServer("{}");
        ReportGateway gateway =
            ReportGateway.start(ReportGateway.config(issuer.jwksUri(), upstream.uri(), ""), clock)) {
      CallTokens tokens = new CallTokens(issuer);
      assertThat(gateway.call("/orders", tokens.user(T1, APP_A, "user-1", true))).isEqualTo(200);
      assertThat(gateway.call("/orders", tokens.user(T1, APP_A, "user-2", false))).isEqualTo(401);
      assertThat(gateway.call("/orders", CallTokens.malformed())).isEqualTo(401);
      clock.set(Instant.parse("2026-11-25T10:30:00Z"));
      assertThat(gateway.call("/orders", tokens.appOnly(T1, APP_B))).isEqualTo(200);

      for (String window : List.of("all", "1h", "24h")) {
        JsonNode report = gateway.report(window);
        assertThat(appIds(tenant(report, T1))).as(window).containsExactly(APP_A, APP_B);
        assertFigures(app(tenant(report, T1), APP_A), appA());
        assertThat(report.get("unattributed")).as(window).isEqualTo(Reports.parse("{\"malformed_token\": 1}"));
      }
      assertThat(hourly(gateway, APP_A)).isEqualTo(hours(2));

      clock.set(Instant.parse("2026-11-25T10:59:59Z"));
      assertThat(appIds(tenant(gateway.report("1h"), T1))).containsExactly(APP_A, APP_B);

      clock.set(Instant.parse("2026-11-25T11:00:00Z"));
      JsonNode hour = gateway.report("1h");
      assertThat(appIds(tenant(hour, T1))).containsExactly(APP_B);
      assertFigures(tenant(hour, T1), """
          {"calls": 1, "allowed": 1, "app_only": 1, "cpv_app_only": 0, "user_calls": 0, "user_calls_without_mfa": 0,
           "mfa_share": null, "denied": {}, "would_deny": {},
           "first_seen": "2026-11-25T10:30:00Z", "last_seen": "2026-11-25T10:30:00Z"}""");
      assertThat(hour.get("unattributed")).isEmpty();
      assertThat(gateway.report("24h").get("unattributed")).isEqualTo(Reports.parse("{\"malformed_token\": 1}"));
      assertFigures(app(tenant(gateway.report("24h"), T1), APP_A), appA());
      assertThat(hourly(gateway, APP_A)).isEqualTo(hours(2, 0));

      clock.set(Instant.parse("2026-11-26T09:59:59Z"));
      assertThat(appIds(tenant(gateway.report("24h"), T1))).containsExactly(APP_A, APP_B);
      assertThat(tenantIds(gateway.report("1h"))).isEmpty();

      clock.set(Instant.parse("2026-11-26T10:00:00Z"));
      JsonNode day = gateway.report("24h");
      assertThat(tenantIds(day)).isEmpty();
      assertThat(day.get("unattributed")).isEmpty();
      assertFigures(app(tenant(gateway.report("all"), T1), APP_A), appA());

      // The same slot of both rings as the first calls, a day later: it must start from zero.
      assertThat(gateway.call("/orders", tokens.user(T1, APP_A, "user-1", true))).isEqualTo(200);
      for (String window : List.of("1h", "24h")) {
        assertFigures(app(tenant(gateway.report(window), T1), APP_A), """
            {"calls": 1, "allowed": 1, "app_only": 0, "cpv_app_only": 0, "user_calls": 1, "user_calls_without_mfa": 0,
             "mfa_share": 1.0, "denied": {}, "would_deny": {},
             "first_seen": "2026-11-26T10:00:00Z", "last_seen": "2026-11-26T10:00:00Z"}""");
      }
      assertThat(app(tenant(gateway.report("all"), T1), APP_A).get("calls").asLong()).isEqualTo(3);
      assertThat(gateway.report("all").get("since").asText()).isEqualTo("2026-11-25T10:00:00Z");
      assertThat(hourly(gateway, APP_A)).isEqualTo(hours(1));
    }
  }

  private static String appA() {
    return """
        {"calls": 2, "allowed": 1, "app_only": 0, "cpv_app_only": 0, "user_calls": 2, "user_calls_without_mfa": 1,
         "mfa_share": 0.5, "denied": {"mfa_required": 1}, "would_deny": {},
         "first_seen": "2026-11-25T10:00:00Z", "last_seen": "2026-11-25T10:00:00Z"}""";
  }

  /** The app's hourly calls over the last 24 hours as the page draws them (`data-hourly`, oldest first). */
  private static long[] hourly(ReportGateway gateway, String appId) throws Exception {
    Document page = Jsoup.parse(gateway.admin("/compliance.html").body());
    String values = page.selectFirst("tr[data-app=" + appId + "] svg[data-hourly]").attr("data-hourly");
    return Arrays.stream(values.split(",")).mapToLong(Long::parseLong).toArray();
  }

  /** 24 hourly counts ending with {@code last} (the current hour last), zero before. */
  private static long[] hours(long... last) {
    long[] hours = new long[24];
    System.arraycopy(last, 0, hours, 24 - last.length, last.length);
    return hours;
  }

  @Test
  void aBucketCountsForAsManyWidthsAsTheRingHas() {
    Buckets buckets = new Buckets(5 * MINUTE, 12, Tally.forUnattributed());
    long start = T0.toEpochMilli();
    buckets.atTime(start + 4 * MINUTE).addUnattributed(Reason.EXPIRED, start);
    assertThat(sum(buckets, start)).isEqualTo(1);
    assertThat(sum(buckets, start + 59 * MINUTE)).isEqualTo(1);
    assertThat(sum(buckets, start + 60 * MINUTE)).isZero();
    assertThat(sum(buckets, start - 1)).as("a bucket not begun yet").isZero();
  }

  @Test
  void aSlotReusedAfterAFullTurnStartsEmpty() {
    Buckets buckets = new Buckets(5 * MINUTE, 12, Tally.forUnattributed());
    long start = T0.toEpochMilli();
    buckets.atTime(start).addUnattributed(Reason.EXPIRED, start);
    buckets.atTime(start).addUnattributed(Reason.EXPIRED, start);
    long turn = start + 60 * MINUTE;
    buckets.atTime(turn).addUnattributed(Reason.EXPIRED, turn);
    assertThat(sum(buckets, turn)).isEqualTo(1);
    assertThat(buckets.trend(turn)[0]).containsExactly(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
  }

  @Test
  void mergingOldCountsNeverOverwritesANewerSpan() {
    Buckets buckets = new Buckets(5 * MINUTE, 12, Tally.forUnattributed());
    long epoch = T0.toEpochMilli() / (5 * MINUTE);
    buckets.atEpoch(epoch + 12).addUnattributed(Reason.EXPIRED, 0);
    buckets.atEpochIfCurrent(epoch).addUnattributed(Reason.EXPIRED, 0);
    buckets.atEpochIfCurrent(epoch + 11).addUnattributed(Reason.EXPIRED, 0);
    assertThat(sum(buckets, (epoch + 12) * 5 * MINUTE)).isEqualTo(2);
  }

  @Test
  void entryWindowsAreTheLastHourInFiveMinutesAndTheLastDayInHours() {
    Entry entry = Entry.forUnattributed();
    long start = T0.toEpochMilli();
    entry.addUnattributed(Reason.EXPIRED, start);
    entry.addUnattributed(Reason.BAD_SIGNATURE, start + 30 * MINUTE);
    entry.addUnattributed(Reason.BAD_SIGNATURE, start + 3 * 60 * MINUTE);
    long now = start + 3 * 60 * MINUTE + 10 * MINUTE;
    assertThat(entry.sum(Window.HOUR, now).calls()).isEqualTo(1);
    assertThat(entry.sum(Window.DAY, now).calls()).isEqualTo(3);
    assertThat(entry.sum(Window.ALL, now).calls()).isEqualTo(3);
    assertThat(entry.sum(Window.DAY, start + 24 * 60 * MINUTE + 30 * MINUTE).calls()).isEqualTo(1);
    assertThat(entry.sum(Window.ALL, start + 48 * 60 * MINUTE).calls()).isEqualTo(3);
    assertThat(entry.sum(Window.ALL, now).firstSeen).isEqualTo(start);
    assertThat(entry.sum(Window.HOUR, now).firstSeen).isEqualTo(start + 3 * 60 * MINUTE);
  }

  private static long sum(Buckets buckets, long now) {
    Tally sum = Tally.forUnattributed();
    buckets.sumInto(sum, now);
    return sum.calls();
  }
}
