package dev.mfagateway.compliance;

import dev.mfagateway.compliance.ReportView.AppView;
import dev.mfagateway.compliance.ReportView.Figures;
import dev.mfagateway.compliance.ReportView.TenantView;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

/**
 * `GET /compliance.html`: the report as one server-rendered page, no script and no external assets, so it reads in
 * any browser, offline, behind any proxy. Per tenant, then per app: calls, allowed, denied and would-deny by reason,
 * MFA share, app-only calls, first and last seen, and the last 24 hours as inline bars. Figures carry `data-field`
 * attributes so that tools (and the tests) read them from the DOM.
 */
public final class ReportPage {
  private static final DateTimeFormatter SHORT_TIME =
      DateTimeFormatter.ofPattern("MM-dd HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final String STYLE = """
      body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1f2328;background:#fff}
      h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 6px}
      .scope{color:#57606a;margin:0 0 12px}.scope b{color:#1f2328}
      nav a{margin-right:10px}nav a.on{font-weight:700;text-decoration:none;color:#1f2328}
      .summary{display:flex;gap:12px;flex-wrap:wrap;margin:14px 0}
      .card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:150px}
      .card .n{font-size:22px;font-weight:600}.card.bad .n{color:#cf222e}.card.good .n{color:#1a7f37}
      table{border-collapse:collapse;width:100%;margin:6px 0 4px}
      th,td{border-bottom:1px solid #d8dee4;padding:5px 8px;text-align:right;white-space:nowrap;vertical-align:middle}
      th{background:#f6f8fa;font-weight:600;white-space:normal;font-size:12px}th:first-child,td:first-child{text-align:left}
      td.reasons{text-align:left;white-space:normal}code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
      .status{border-radius:10px;padding:1px 8px;font-size:12px;font-weight:600}
      .status.ok{background:#dafbe1;color:#1a7f37}.status.bad{background:#ffebe9;color:#cf222e}
      tr.users td{color:#57606a;text-align:left;white-space:normal;font-size:12px}
      .legend{color:#57606a;font-size:12px}.ok-bar{fill:#8c959f}.bad-bar{fill:#cf222e}
      """;

  private ReportPage() {}

  public static String render(ReportView report, String replica) {
    StringBuilder html = new StringBuilder(8192);
    html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
        .append("<title>MFA compliance · mfa-gateway</title><style>").append(STYLE).append("</style></head><body>\n");
    header(html, report, replica);
    summary(html, report);
    if (report.tenants().isEmpty()) {
      html.append("<p id=\"empty\">No calls with a verified token in this window yet.</p>\n");
    }
    for (TenantView tenant : report.tenants()) {
      tenant(html, tenant, report.usersHashed());
    }
    others(html, report);
    html.append("<p class=\"legend\">Non-compliant: refused, or would be refused in enforce mode (report-only). ")
        .append("Calls count only tokens whose signature, issuer and lifetime checked out; the rest are under ")
        .append("<i>Not attributed</i>, so a forged token never adds a tenant or an app. Bars: calls per hour over ")
        .append("the last 24 hours, the non-compliant part in red. JSON: <a href=\"/compliance?window=")
        .append(report.window().parameter()).append("\">/compliance</a>.</p>\n</body></html>\n");
    return html.toString();
  }

  private static void header(StringBuilder html, ReportView report, String replica) {
    html.append("<h1>MFA compliance</h1>\n<p class=\"scope\" id=\"scope\">This is <b>this replica's view</b> (")
        .append(escape(replica)).append("), counting since <time id=\"since\" datetime=\"")
        .append(report.since()).append("\">").append(TIME.format(report.since())).append("</time>; generated ")
        .append(TIME.format(report.generatedAt()))
        .append(". Behind a load balancer each replica sees its share: the fleet-wide picture is the ")
        .append("Compliance row of the Grafana dashboard.</p>\n<nav>Window: ");
    for (Window window : Window.values()) {
      html.append("<a href=\"/compliance.html?window=").append(window.parameter()).append('"')
          .append(window == report.window() ? " class=\"on\" id=\"window\"" : "").append('>')
          .append(window == Window.ALL ? "since start" : "last " + window.parameter()).append("</a>");
    }
    html.append("</nav>\n");
  }

  /** Totals over every attributed call, the tenants beyond top-k included; non-compliant apps of the listed ones. */
  private static void summary(StringBuilder html, ReportView report) {
    long calls = report.other().calls();
    long withoutMfa = report.other().userWithoutMfa();
    long cpvAppOnly = report.other().cpvAppOnly();
    long nonCompliantApps = 0;
    for (TenantView tenant : report.tenants()) {
      calls += tenant.totals().calls();
      withoutMfa += tenant.totals().userWithoutMfa();
      cpvAppOnly += tenant.totals().cpvAppOnly();
      nonCompliantApps += tenant.apps().stream().filter(app -> !compliant(app.figures())).count();
    }
    long unattributed = report.unattributed().values().stream().mapToLong(Long::longValue).sum();
    html.append("<div class=\"summary\">");
    card(html, "calls", "calls", calls, false);
    card(html, "non-compliant apps", "non_compliant_apps", nonCompliantApps, nonCompliantApps > 0);
    card(html, "user calls without MFA", "user_calls_without_mfa", withoutMfa, withoutMfa > 0);
    card(html, "CPV app-only calls", "cpv_app_only", cpvAppOnly, cpvAppOnly > 0);
    card(html, "not attributed", "unattributed", unattributed, false);
    html.append("</div>\n");
  }

  private static void card(StringBuilder html, String label, String field, long value, boolean bad) {
    boolean neutral = field.equals("calls") || field.equals("unattributed");
    html.append("<div class=\"card").append(bad ? " bad" : neutral ? "" : " good")
        .append("\"><div class=\"n\" data-summary=\"").append(field).append("\">").append(value)
        .append("</div>").append(label).append("</div>");
  }

  private static void tenant(StringBuilder html, TenantView tenant, boolean usersHashed) {
    Figures totals = tenant.totals();
    html.append("<section class=\"tenant\" data-tid=\"").append(escape(tenant.tenantId())).append("\">")
        .append("<h2>Tenant <code>").append(escape(tenant.tenantId())).append("</code></h2>\n<p>")
        .append(totals.calls()).append(totals.calls() == 1 ? " call, " : " calls, ").append(share(totals.mfaShare()))
        .append(" of user calls with MFA, ").append(totals.appOnly()).append(" app-only.</p>\n<table><thead><tr>")
        .append("<th>App</th><th>Status</th><th>Calls</th><th>Allowed</th><th>Denied</th><th>Would deny</th>")
        .append("<th>MFA share</th><th>User calls without MFA</th><th>App-only</th><th>CPV app-only</th>")
        .append("<th>First seen → last seen (UTC)</th><th>Last 24 h</th></tr></thead><tbody>\n");
    for (AppView app : tenant.apps()) {
      row(html, app.appId() == null ? "(no app id)" : app.appId(), app.appId() == null ? "" : app.appId(),
          app.figures(), app.hourlyCalls(), app.hourlyNonCompliant());
      if (usersHashed && !app.usersWithoutMfa().isEmpty()) {
        html.append("<tr class=\"users\"><td colspan=\"12\">Users without MFA (salted hashes of oid): ");
        for (ReportView.UserView user : app.usersWithoutMfa()) {
          html.append("<code data-user=\"").append(user.userHash()).append("\">").append(user.userHash())
              .append("</code> ").append(user.calls()).append(user.calls() == 1 ? " call; " : " calls; ");
        }
        if (app.otherUsersWithoutMfaCalls() > 0) {
          html.append("other users: ").append(app.otherUsersWithoutMfaCalls()).append(" calls");
        }
        html.append("</td></tr>\n");
      }
    }
    if (tenant.otherApps().calls() > 0) {
      row(html, "other apps (beyond top-k)", "other", tenant.otherApps(), null, null);
    }
    html.append("</tbody></table></section>\n");
  }

  private static void row(
      StringBuilder html, String label, String appId, Figures f, long[] hourlyCalls, long[] hourlyNonCompliant) {
    boolean ok = compliant(f);
    html.append("<tr data-app=\"").append(escape(appId)).append("\"><td><code>").append(escape(label))
        .append("</code></td><td><span class=\"status ").append(ok ? "ok\">compliant" : "bad\">not compliant")
        .append("</span></td>");
    cell(html, "calls", f.calls());
    cell(html, "allowed", f.allowed());
    reasons(html, "denied", f.denied());
    reasons(html, "would_deny", f.wouldDeny());
    html.append("<td data-field=\"mfa_share\">").append(share(f.mfaShare())).append("</td>");
    cell(html, "user_calls_without_mfa", f.userWithoutMfa());
    cell(html, "app_only", f.appOnly());
    cell(html, "cpv_app_only", f.cpvAppOnly());
    html.append("<td>");
    seen(html, "first_seen", f.firstSeen());
    html.append(" → ");
    seen(html, "last_seen", f.lastSeen());
    html.append("</td><td>");
    if (hourlyCalls != null) {
      bars(html, hourlyCalls, hourlyNonCompliant);
    }
    html.append("</td></tr>\n");
  }

  /** Compliant: every user call proved MFA, no CPV app-only call, nothing refused or that would be. */
  private static boolean compliant(Figures f) {
    return f.userWithoutMfa() == 0 && f.cpvAppOnly() == 0 && f.deniedTotal() == 0 && f.wouldDenyTotal() == 0;
  }

  private static void cell(StringBuilder html, String field, long value) {
    html.append("<td data-field=\"").append(field).append("\">").append(value).append("</td>");
  }

  private static void reasons(StringBuilder html, String field, Map<String, Long> counts) {
    long total = counts.values().stream().mapToLong(Long::longValue).sum();
    html.append("<td class=\"reasons\" data-field=\"").append(field).append("\" data-total=\"").append(total)
        .append("\">");
    if (counts.isEmpty()) {
      html.append('0');
    }
    counts.forEach((reason, count) -> html.append("<span data-reason=\"").append(reason).append("\">")
        .append(reason).append(" <b>").append(count).append("</b></span> "));
    html.append("</td>");
  }

  /** 24 hourly bars, the non-compliant part of each in red, scaled to the busiest hour. */
  private static void bars(StringBuilder html, long[] calls, long[] nonCompliant) {
    long max = 1;
    for (long n : calls) {
      max = Math.max(max, n);
    }
    int height = 20;
    html.append("<svg class=\"trend\" width=\"").append(calls.length * 4).append("\" height=\"").append(height)
        .append("\" role=\"img\" data-hourly=\"");
    for (int i = 0; i < calls.length; i++) {
      html.append(i == 0 ? "" : ",").append(calls[i]);
    }
    html.append("\"><title>calls per hour, last 24 h</title>");
    for (int i = 0; i < calls.length; i++) {
      if (calls[i] == 0) {
        continue;
      }
      int total = (int) Math.max(1, Math.round((double) calls[i] * height / max));
      int bad = nonCompliant[i] == 0 ? 0 : (int) Math.max(1, Math.round((double) nonCompliant[i] * total / calls[i]));
      html.append("<rect class=\"ok-bar\" x=\"").append(i * 4).append("\" y=\"").append(height - total)
          .append("\" width=\"3\" height=\"").append(total - bad).append("\"/>");
      if (bad > 0) {
        html.append("<rect class=\"bad-bar\" x=\"").append(i * 4).append("\" y=\"").append(height - bad)
            .append("\" width=\"3\" height=\"").append(bad).append("\"/>");
      }
    }
    html.append("</svg>");
  }

  private static void others(StringBuilder html, ReportView report) {
    if (report.other().calls() > 0) {
      html.append("<h2>Other tenants (beyond top-k)</h2><table><tbody>");
      row(html, "all apps", "other", report.other(), null, null);
      html.append("</tbody></table>\n");
    }
    html.append("<h2>Not attributed</h2><p>Refused before the token's signature, issuer and lifetime were proven, ")
        .append("so no tenant or app can be named.</p><table id=\"unattributed\"><thead><tr><th>Reason</th>")
        .append("<th>Calls</th></tr></thead><tbody>");
    if (report.unattributed().isEmpty()) {
      html.append("<tr><td>none</td><td>0</td></tr>");
    }
    report.unattributed().forEach((reason, count) -> html.append("<tr><td>").append(reason)
        .append("</td><td data-reason=\"").append(reason).append("\">").append(count).append("</td></tr>"));
    html.append("</tbody></table>\n");
  }

  private static String share(Double share) {
    return share == null ? "–" : String.format(Locale.ROOT, "%.1f%%", share * 100);
  }

  private static void seen(StringBuilder html, String field, Instant instant) {
    if (instant == null) {
      html.append('–');
      return;
    }
    html.append("<time data-field=\"").append(field).append("\" datetime=\"").append(instant).append("\" title=\"")
        .append(TIME.format(instant)).append("\">").append(SHORT_TIME.format(instant)).append("</time>");
  }

  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
