package dev.mfagateway.compliance;

import dev.mfagateway.auth.CallKind;
import dev.mfagateway.auth.Decision;
import dev.mfagateway.auth.Reason;
import dev.mfagateway.compliance.ReportView.Figures;
import dev.mfagateway.config.ComplianceConfig;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live compliance report (SPEC §7): every decision on a token is counted, for its tenant and app when the token
 * passed the signature, issuer and lifetime checks ({@link Decision#attributed()}), otherwise under `unattributed` by
 * reason, so a forged token never creates an entry. Bounded whatever the traffic: at most K tenants, and K apps per
 * tenant, get entries of their own, listed by calls; later ones are summed under `other`, unless an entry has been
 * quiet for 24 hours, which is then folded into `other` to make room (checked at most once a minute). Each entry has
 * fixed-size time buckets. Recording takes one map lookup per level and a short lock on the app's entry; safe from
 * any thread.
 */
public final class ComplianceReport {
  private static final long[][] NO_TREND = {new long[0], new long[0]};

  private final int topK;
  private final Clock clock;
  private final UserHasher users;
  private final ConcurrentHashMap<String, Tenant> tenants = new ConcurrentHashMap<>();
  private final Entry otherTenants = Entry.forCalls();
  private final Entry unattributed = Entry.forUnattributed();
  private final Folding tenantFolding = new Folding();
  private volatile Instant since;

  /** {@code users} is null when per-user ids are off. */
  public ComplianceReport(int topK, UserHasher users, Clock clock) {
    this.topK = topK;
    this.users = users;
    this.clock = clock;
    this.since = clock.instant();
  }

  public static ComplianceReport create(ComplianceConfig config, Clock clock) {
    UserHasher hasher = config.users() == ComplianceConfig.Users.HASHED ? UserHasher.create(config.userSaltFile())
        : null;
    return new ComplianceReport(config.topK(), hasher, clock);
  }

  /** When this report began counting (the earliest start a restored state file carried). */
  public Instant since() {
    return since;
  }

  public int topK() {
    return topK;
  }

  /** Counts one decision on a request's token. */
  public void record(Decision decision) {
    long now = clock.millis();
    int refusal = decision.attributed() ? Tally.refusalSlot(decision.reason()) : -1;
    if (!decision.attributed() || (refusal < 0 && decision.reason() != Reason.OK)) {
      unattributed.addUnattributed(decision.reason(), now);
      return;
    }
    String tenantId = decision.identity().tenantId();
    String user = users != null && decision.kind() == CallKind.USER_NO_MFA
        ? users.hash(decision.identity().objectId())
        : null;
    String appId = decision.identity().appId();
    while (!entry(tenantId, appId, now).addCall(decision, refusal, now, user)) {
      // the entry was folded into `other` meanwhile: look it up again
    }
  }

  /** The entry of a tenant's app: tenant ids compare without case (they are GUIDs), app ids exactly. */
  private Entry entry(String tenantId, String appId, long now) {
    Tenant tenant = tenants.get(tenantId);
    if (tenant == null) {
      tenant = admit(tenantId.toLowerCase(Locale.ROOT), now);
    }
    Entry entry = tenant == null ? otherTenants : tenant.app(appId == null ? "" : appId, now);
    return entry != null ? entry : otherTenants;
  }

  private Tenant admit(String tenantId, long now) {
    synchronized (tenants) {
      Tenant tenant = tenants.get(tenantId);
      if (tenant == null && (tenants.size() < topK || foldQuietTenant(now))) {
        tenant = new Tenant(topK);
        tenants.put(tenantId, tenant);
      }
      return tenant;
    }
  }

  /** Folds one tenant quiet for a day into `other`, if there is one (and a minute passed since the last look). */
  private boolean foldQuietTenant(long now) {
    if (!tenantFolding.due(now)) {
      return false;
    }
    for (Map.Entry<String, Tenant> candidate : tenants.entrySet()) {
      if (candidate.getValue().quietSince(now - Folding.QUIET_MILLIS)) {
        tenants.remove(candidate.getKey());
        candidate.getValue().foldInto(otherTenants);
        return true;
      }
    }
    return false;
  }

  /** Rate-limits the search for a quiet entry, which scans every entry of its level. */
  private static final class Folding {
    static final long QUIET_MILLIS = 24 * Entry.HOUR;
    private long lastLook = Long.MIN_VALUE;

    /** Called under the level's admission lock. */
    boolean due(long now) {
      if (lastLook != Long.MIN_VALUE && now - lastLook < 60_000) {
        return false;
      }
      lastLook = now;
      return true;
    }
  }

  /** The report over {@code window}: tenants and apps by calls in the window, those without calls left out. */
  public ReportView view(Window window) {
    return view(window, true);
  }

  /**
   * {@link #view(Window)}; without {@code details} the apps carry their figures only (no hourly trend, no users),
   * which is all the Prometheus series read on every scrape.
   */
  ReportView view(Window window, boolean details) {
    long now = clock.millis();
    List<ReportView.TenantView> tenantViews = new ArrayList<>();
    tenants.forEach((tenantId, tenant) -> {
      ReportView.TenantView view = tenant.view(tenantId, window, now, details, details && users != null);
      if (view.totals().calls() > 0) {
        tenantViews.add(view);
      }
    });
    tenantViews.sort(Comparator.comparingLong((ReportView.TenantView t) -> t.totals().calls()).reversed()
        .thenComparing(ReportView.TenantView::tenantId));
    Map<String, Long> unattributedByReason = new LinkedHashMap<>();
    Tally refused = unattributed.sum(window, now);
    for (int i = 0; i < refused.counts.length; i++) {
      if (refused.counts[i] > 0) {
        unattributedByReason.put(Tally.REASON_SLOTS.get(i), refused.counts[i]);
      }
    }
    return new ReportView(since, window, Instant.ofEpochMilli(now), users != null, List.copyOf(tenantViews),
        Figures.of(otherTenants.sum(window, now)), unattributedByReason);
  }

  /** Everything the report holds, for the state file. */
  State state() {
    Map<String, Map<String, Entry.Snapshot>> apps = new LinkedHashMap<>();
    Map<String, Entry.Snapshot> otherApps = new LinkedHashMap<>();
    tenants.forEach((tenantId, tenant) -> {
      apps.put(tenantId, tenant.snapshots());
      otherApps.put(tenantId, tenant.otherApps.snapshot());
    });
    return new State(since, apps, otherApps, otherTenants.snapshot(), unattributed.snapshot());
  }

  record State(
      Instant since,
      Map<String, Map<String, Entry.Snapshot>> apps,
      Map<String, Entry.Snapshot> otherApps,
      Entry.Snapshot otherTenants,
      Entry.Snapshot unattributed) {}

  /** Adds a state read from the state file; the report then counts since the earlier of both starts. */
  void restore(State state) {
    state.apps().forEach((tenantId, byApp) -> byApp.forEach(
        (appId, snapshot) -> entry(tenantId, appId.isEmpty() ? null : appId, clock.millis()).merge(snapshot)));
    state.otherApps().forEach((tenantId, snapshot) -> {
      Tenant tenant = tenants.containsKey(tenantId) ? tenants.get(tenantId) : admit(tenantId, clock.millis());
      (tenant == null ? otherTenants : tenant.otherApps).merge(snapshot);
    });
    otherTenants.merge(state.otherTenants());
    unattributed.merge(state.unattributed());
    if (state.since().isBefore(since)) {
      since = state.since();
    }
  }

  /** One tenant's apps: at most K of their own (room made as for tenants), the rest summed in {@link #otherApps}. */
  private static final class Tenant {
    private final int topK;
    private final ConcurrentHashMap<String, Entry> apps = new ConcurrentHashMap<>();
    private final Entry otherApps = Entry.forCalls();
    private final Folding appFolding = new Folding();
    /** Guarded by {@code apps}: set when the whole tenant was folded into `other`. */
    private boolean folded;

    Tenant(int topK) {
      this.topK = topK;
    }

    /** The app's entry; null when this tenant was folded away meanwhile (the caller looks it up again). */
    Entry app(String appId, long now) {
      Entry entry = apps.get(appId);
      if (entry != null) {
        return entry;
      }
      synchronized (apps) {
        if (folded) {
          return null;
        }
        entry = apps.get(appId);
        if (entry == null && (apps.size() < topK || foldQuietApp(now))) {
          entry = Entry.forCalls();
          apps.put(appId, entry);
        }
      }
      return entry != null ? entry : otherApps;
    }

    /** Under the {@code apps} lock. */
    private boolean foldQuietApp(long now) {
      if (!appFolding.due(now)) {
        return false;
      }
      for (Map.Entry<String, Entry> candidate : apps.entrySet()) {
        if (candidate.getValue().lastSeen() < now - Folding.QUIET_MILLIS) {
          apps.remove(candidate.getKey());
          otherApps.merge(candidate.getValue().fold());
          return true;
        }
      }
      return false;
    }

    boolean quietSince(long cutoff) {
      return otherApps.lastSeen() < cutoff && apps.values().stream().allMatch(entry -> entry.lastSeen() < cutoff);
    }

    /** Moves everything into {@code other}; the entries take no more calls. */
    void foldInto(Entry other) {
      synchronized (apps) {
        folded = true;
        apps.values().forEach(entry -> other.merge(entry.fold()));
        apps.clear();
        other.merge(otherApps.fold());
      }
    }

    ReportView.TenantView view(String tenantId, Window window, long now, boolean withTrend, boolean withUsers) {
      Tally totals = Tally.forCalls();
      List<ReportView.AppView> views = new ArrayList<>();
      apps.forEach((appId, entry) -> {
        Tally sum = entry.sum(window, now);
        if (sum.calls() == 0) {
          return;
        }
        totals.addAll(sum);
        long[][] trend = withTrend ? entry.dayTrend(now) : NO_TREND;
        Entry.UsersWithoutMfa users = withUsers ? entry.users(10) : new Entry.UsersWithoutMfa(List.of(), 0);
        views.add(new ReportView.AppView(appId.isEmpty() ? null : appId, Figures.of(sum), trend[0], trend[1],
            users.top().stream().map(u -> new ReportView.UserView(u.getKey(), u.getValue())).toList(),
            users.otherCalls()));
      });
      Tally other = otherApps.sum(window, now);
      totals.addAll(other);
      views.sort(Comparator.comparingLong((ReportView.AppView a) -> a.figures().calls()).reversed()
          .thenComparing(a -> a.appId() == null ? "" : a.appId()));
      return new ReportView.TenantView(tenantId, Figures.of(totals), List.copyOf(views), Figures.of(other));
    }

    Map<String, Entry.Snapshot> snapshots() {
      Map<String, Entry.Snapshot> snapshots = new LinkedHashMap<>();
      apps.forEach((appId, entry) -> snapshots.put(appId, entry.snapshot()));
      return snapshots;
    }
  }
}
