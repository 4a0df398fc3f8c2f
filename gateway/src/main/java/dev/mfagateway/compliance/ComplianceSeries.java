package dev.mfagateway.compliance;

import dev.mfagateway.auth.CallKind;
import dev.mfagateway.compliance.ReportView.AppView;
import dev.mfagateway.compliance.ReportView.Figures;
import dev.mfagateway.compliance.ReportView.TenantView;
import dev.mfagateway.config.ComplianceConfig.ExportSeries;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The report as Prometheus series, read at scrape time (nothing on the request path), for the fleet view:
 * `mfa_gateway_compliance_calls_total{tid,app_id,kind}` with kind `user_mfa`, `user_no_mfa`, `app_only` (other apps)
 * and `cpv_app_only`. Cardinality is bounded: the top-K tenants ({@code tenants}, app_id `all`) or the top-K
 * tenant-and-app pairs ({@code apps}) by calls, everything else summed under tid and app_id `other`: at most
 * (K + 1) × 4 series. Counts are since the report began, and a series once exported keeps its place (a busier
 * newcomer goes to `other`), so no counter ever goes backwards and `increase()` and `rate()` work as on any counter.
 */
public final class ComplianceSeries implements MultiCollector {
  static final String CALLS = "mfa_gateway_compliance_calls";

  private final ComplianceReport report;
  private final ExportSeries export;
  /** The (tid, app_id) pairs with series of their own, at most K, chosen busiest first and never dropped. */
  private final Set<List<String>> exported = new HashSet<>();

  public ComplianceSeries(ComplianceReport report, ExportSeries export) {
    this.report = report;
    this.export = export;
  }

  @Override
  public MetricSnapshots collect() {
    CounterSnapshot.Builder calls = CounterSnapshot.builder()
        .name(CALLS)
        .help("Calls with a verified token by tenant (tid), app (app_id) and kind (user_mfa, user_no_mfa, app_only,"
            + " cpv_app_only); top-k only, the rest under tid=\"other\"");
    Map<List<String>, long[]> series = bounded(report.view(Window.ALL, false));
    series.forEach((labels, counts) -> {
      for (CallKind kind : CallKind.values()) {
        calls.dataPoint(CounterDataPointSnapshot.builder()
            .labels(Labels.of("tid", labels.get(0), "app_id", labels.get(1), "kind", kind.label()))
            .value(counts[kind.ordinal()])
            .build());
      }
    });
    return MetricSnapshots.of(calls.build());
  }

  /** (tid, app_id) → calls by {@link CallKind} ordinal, the exported pairs first and `other` last (always present). */
  synchronized Map<List<String>, long[]> bounded(ReportView view) {
    List<Map.Entry<List<String>, Figures>> entries = new ArrayList<>();
    long[] other = counts(view.other());
    for (TenantView tenant : view.tenants()) {
      if (export == ExportSeries.TENANTS) {
        entries.add(Map.entry(List.of(tenant.tenantId(), "all"), tenant.totals()));
        continue;
      }
      for (AppView app : tenant.apps()) {
        entries.add(Map.entry(List.of(tenant.tenantId(), app.appId() == null ? "" : app.appId()), app.figures()));
      }
      add(other, counts(tenant.otherApps()));
    }
    entries.sort(Comparator.comparingLong((Map.Entry<List<String>, Figures> e) -> e.getValue().calls()).reversed());
    // An entry folded into `other` (quiet for a day) gives its place up.
    exported.retainAll(entries.stream().map(Map.Entry::getKey).toList());
    Map<List<String>, long[]> series = new LinkedHashMap<>();
    for (Map.Entry<List<String>, Figures> entry : entries) {
      if (exported.contains(entry.getKey()) || exported.size() < report.topK()) {
        exported.add(entry.getKey());
        series.put(entry.getKey(), counts(entry.getValue()));
      } else {
        add(other, counts(entry.getValue()));
      }
    }
    series.put(List.of("other", "other"), other);
    return series;
  }

  private static long[] counts(Figures f) {
    long[] counts = new long[CallKind.values().length];
    counts[CallKind.USER_MFA.ordinal()] = f.userMfa();
    counts[CallKind.USER_NO_MFA.ordinal()] = f.userWithoutMfa();
    counts[CallKind.APP_ONLY.ordinal()] = f.appOnly() - f.cpvAppOnly();
    counts[CallKind.CPV_APP_ONLY.ordinal()] = f.cpvAppOnly();
    return counts;
  }

  private static void add(long[] into, long[] counts) {
    for (int i = 0; i < into.length; i++) {
      into[i] += counts[i];
    }
  }
}
