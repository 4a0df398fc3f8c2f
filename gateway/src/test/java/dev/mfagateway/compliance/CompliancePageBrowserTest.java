package dev.mfagateway.compliance;

import static dev.mfagateway.compliance.ComplianceReportEndToEndTest.APP_A;
import static dev.mfagateway.compliance.ComplianceReportEndToEndTest.APP_B;
import static dev.mfagateway.compliance.ComplianceReportEndToEndTest.CPV;
import static dev.mfagateway.compliance.ComplianceReportEndToEndTest.T1;
import static dev.mfagateway.compliance.ComplianceReportEndToEndTest.T2;
import static dev.mfagateway.compliance.ComplianceReportEndToEndTest.T3;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mfagateway.e2e.RecordingServer;
import dev.mfagateway.testing.MutableClock;
import dev.mfagateway.testing.TestIssuer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Attribute;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.select.Elements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `/compliance.html` loaded in a real headless browser (Debian's Chromium): every figure read from the DOM it built
 * (the `data-*` attributes the page writes) equals `/compliance`'s JSON for the same window, and hostile ids from
 * validly signed tokens (an `appid` and a `tid` written as markup) are shown as text, never run or parsed as elements.
 */
class CompliancePageBrowserTest {
  private static final String HOSTILE_APP = "<script>alert(1)</script>";
  private static final String HOSTILE_TID = "\"><img src=x onerror=alert(2)>";
  private static final Pattern TENANT_LINE =
      Pattern.compile("^(\\d+) calls?, (\\S+) of user calls with MFA, (\\d+) app-only\\.$");

  @TempDir Path dir;

  @Test
  void thePageShowsTheReportsFiguresAndHostileIdsAsText() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));
    Path salt = dir.resolve("salt");
    Files.writeString(salt, "page salt");
    try (TestIssuer issuer = TestIssuer.start();
        RecordingServer upstream = new RecordingServer("{}");
        ReportGateway gateway = ReportGateway.start(ReportGateway.config(issuer.jwksUri(), upstream.uri(),
            "top-k = 3, users = hashed, user-salt-file = \"" + salt + "\""), clock)) {
      CallTokens tokens = new CallTokens(issuer);
      send(gateway, 200, "/orders", tokens.user(T1, APP_A, "alice", true), tokens.user(T1, APP_A, "alice", true));
      send(gateway, 401, "/orders", tokens.user(T1, APP_A, "bob", false));
      send(gateway, 200, "/report/orders", tokens.user(T1, APP_A, "carol", false));
      send(gateway, 200, "/orders", tokens.user(T1, HOSTILE_APP, "alice", true));
      send(gateway, 403, "/orders", tokens.appOnly(T1, CPV));
      send(gateway, 200, "/orders", tokens.user(T1, null, "alice", true));
      send(gateway, 401, "/orders", CallTokens.malformed());
      clock.advance(Duration.ofHours(2));
      send(gateway, 200, "/orders", tokens.user(T2, APP_A, "dave", true), tokens.appOnly(T2, APP_B));
      send(gateway, 401, "/orders", tokens.user(T2, APP_A, "erin", false));
      send(gateway, 403, "/orders", tokens.user(HOSTILE_TID, APP_B, "frank", true));
      send(gateway, 403, "/orders", tokens.appOnly(T3, CPV), tokens.user(T3, APP_A, "grace", false));
      send(gateway, 401, "/orders", tokens.badSignature(T1, APP_A), tokens.expired(T2, APP_A));
      assertThat(gateway.send("/orders", List.of())).isEqualTo(401);

      for (String window : List.of("all", "1h")) {
        JsonNode report = gateway.report(window);
        Document page = Jsoup.parse(HeadlessChromium.dumpDom(gateway.adminUri("/compliance.html?window=" + window)));
        assertThat(page.getElementById("window").attr("href")).isEqualTo("/compliance.html?window=" + window);
        assertPageShows(page, report);
        assertNothingRuns(page);
        if (window.equals("all")) {
          Element hostileApp = row(page.select("section.tenant"), T1, HOSTILE_APP);
          assertThat(hostileApp.selectFirst("td code").text()).isEqualTo(HOSTILE_APP);
        }
        assertThat(section(page.select("section.tenant"), HOSTILE_TID).selectFirst("h2 code").text())
            .isEqualTo(HOSTILE_TID);
      }
      JsonNode all = gateway.report("all");
      assertThat(Reports.tenantIds(all)).containsExactly(T1, T2, HOSTILE_TID);
      assertThat(Reports.appIds(Reports.tenant(all, T1))).containsExactly(APP_A, CPV, HOSTILE_APP);
      assertThat(all.get("other").get("calls").asLong()).isEqualTo(2);
    }
  }

  private static void send(ReportGateway gateway, int status, String target, String... tokens) throws Exception {
    for (String token : tokens) {
      assertThat(gateway.call(target, token)).isEqualTo(status);
    }
  }

  /** No script, no element made of an id, no event handler: the hostile ids stayed text. */
  private static void assertNothingRuns(Document page) {
    assertThat(page.select("script")).isEmpty();
    assertThat(page.select("img")).isEmpty();
    for (Element element : page.getAllElements()) {
      for (Attribute attribute : element.attributes()) {
        assertThat(attribute.getKey()).as("attribute of <%s>", element.tagName()).doesNotStartWith("on");
      }
    }
  }

  private static void assertPageShows(Document page, JsonNode report) {
    assertThat(page.getElementById("since").attr("datetime")).isEqualTo(report.get("since").asText());
    Elements sections = page.select("section.tenant");
    List<String> tids = new ArrayList<>();
    sections.forEach(section -> tids.add(section.attr("data-tid")));
    assertThat(tids).isEqualTo(Reports.tenantIds(report));

    long calls = report.get("other").get("calls").asLong();
    long withoutMfa = report.get("other").get("user_calls_without_mfa").asLong();
    long cpv = report.get("other").get("cpv_app_only").asLong();
    long nonCompliantApps = 0;
    for (JsonNode tenant : report.get("tenants")) {
      String tid = tenant.get("tid").asText();
      Element section = section(sections, tid);
      Matcher line = TENANT_LINE.matcher(section.selectFirst("p").text());
      assertThat(line.matches()).as(section.selectFirst("p").text()).isTrue();
      assertThat(Long.parseLong(line.group(1))).isEqualTo(tenant.get("calls").asLong());
      assertThat(line.group(2)).isEqualTo(share(tenant.get("mfa_share")));
      assertThat(Long.parseLong(line.group(3))).isEqualTo(tenant.get("app_only").asLong());
      List<String> rows = new ArrayList<>();
      section.select("tr[data-app]").forEach(row -> rows.add(row.attr("data-app")));
      List<String> expectedRows = new ArrayList<>();
      for (JsonNode app : tenant.get("apps")) {
        String appId = app.get("app_id").isNull() ? "" : app.get("app_id").asText();
        expectedRows.add(appId);
        Element row = row(sections, tid, appId);
        assertRowShows(row, app);
        assertUsersShown(section, row, app);
        nonCompliantApps += compliant(app) ? 0 : 1;
      }
      if (tenant.get("other").get("calls").asLong() > 0) {
        expectedRows.add("other");
        assertRowShows(row(sections, tid, "other"), tenant.get("other"));
      }
      assertThat(rows).isEqualTo(expectedRows);
      calls += tenant.get("calls").asLong();
      withoutMfa += tenant.get("user_calls_without_mfa").asLong();
      cpv += tenant.get("cpv_app_only").asLong();
    }
    List<Element> otherTenants = page.select("tr[data-app=other]").stream()
        .filter(row -> row.parents().stream().noneMatch(parent -> parent.tagName().equals("section"))).toList();
    if (report.get("other").get("calls").asLong() > 0) {
      assertThat(otherTenants).hasSize(1);
      assertRowShows(otherTenants.get(0), report.get("other"));
    } else {
      assertThat(otherTenants).isEmpty();
    }

    Map<String, Long> unattributed = new LinkedHashMap<>();
    page.select("#unattributed td[data-reason]")
        .forEach(cell -> unattributed.put(cell.attr("data-reason"), Long.parseLong(cell.text())));
    Map<String, Long> expectedUnattributed = new LinkedHashMap<>();
    report.get("unattributed").fields()
        .forEachRemaining(e -> expectedUnattributed.put(e.getKey(), e.getValue().asLong()));
    assertThat(unattributed).isEqualTo(expectedUnattributed);

    assertThat(summary(page, "calls")).isEqualTo(calls);
    assertThat(summary(page, "user_calls_without_mfa")).isEqualTo(withoutMfa);
    assertThat(summary(page, "cpv_app_only")).isEqualTo(cpv);
    assertThat(summary(page, "non_compliant_apps")).isEqualTo(nonCompliantApps);
    assertThat(summary(page, "unattributed"))
        .isEqualTo(expectedUnattributed.values().stream().mapToLong(Long::longValue).sum());
  }

  private static void assertRowShows(Element row, JsonNode figures) {
    for (String field : List.of("calls", "allowed", "user_calls_without_mfa", "app_only", "cpv_app_only")) {
      assertThat(Long.parseLong(row.selectFirst("td[data-field=" + field + "]").text()))
          .as("%s of row %s", field, row.attr("data-app")).isEqualTo(figures.get(field).asLong());
    }
    for (String field : List.of("denied", "would_deny")) {
      Element cell = row.selectFirst("td[data-field=" + field + "]");
      Map<String, Long> shown = new LinkedHashMap<>();
      cell.select("span[data-reason]").forEach(span -> shown.put(span.attr("data-reason"),
          Long.parseLong(span.selectFirst("b").text())));
      Map<String, Long> expected = new LinkedHashMap<>();
      figures.get(field).fields().forEachRemaining(e -> expected.put(e.getKey(), e.getValue().asLong()));
      assertThat(shown).as("%s of row %s", field, row.attr("data-app")).isEqualTo(expected);
      assertThat(Long.parseLong(cell.attr("data-total")))
          .isEqualTo(expected.values().stream().mapToLong(Long::longValue).sum());
    }
    assertThat(row.selectFirst("td[data-field=mfa_share]").text()).isEqualTo(share(figures.get("mfa_share")));
    for (String field : List.of("first_seen", "last_seen")) {
      assertThat(row.selectFirst("time[data-field=" + field + "]").attr("datetime"))
          .isEqualTo(figures.get(field).asText());
    }
  }

  /** The hashed users without MFA, in the row after the app's. */
  private static void assertUsersShown(Element section, Element row, JsonNode app) {
    List<String> expected = new ArrayList<>();
    app.get("users_without_mfa").forEach(user -> expected.add(user.get("user_hash").asText()));
    Element next = row.nextElementSibling();
    List<String> shown = new ArrayList<>();
    if (next != null && next.hasClass("users")) {
      next.select("code[data-user]").forEach(code -> shown.add(code.attr("data-user")));
    }
    assertThat(shown).as("users of %s in %s", app.get("app_id"), section.attr("data-tid")).isEqualTo(expected);
  }

  private static boolean compliant(JsonNode app) {
    return app.get("user_calls_without_mfa").asLong() == 0 && app.get("cpv_app_only").asLong() == 0
        && app.get("denied").isEmpty() && app.get("would_deny").isEmpty();
  }

  private static String share(JsonNode share) {
    return share.isNull() ? "–" : String.format(Locale.ROOT, "%.1f%%", share.asDouble() * 100);
  }

  private static long summary(Document page, String field) {
    return Long.parseLong(page.selectFirst("[data-summary=" + field + "]").text());
  }

  private static Element section(Elements sections, String tid) {
    return sections.stream().filter(s -> s.attr("data-tid").equals(tid)).findFirst()
        .orElseThrow(() -> new AssertionError("no section for tenant " + tid));
  }

  private static Element row(Elements sections, String tid, String appId) {
    return section(sections, tid).select("tr[data-app]").stream().filter(r -> r.attr("data-app").equals(appId))
        .findFirst().orElseThrow(() -> new AssertionError("no row for app " + appId + " of tenant " + tid));
  }
}
