package dev.mfagateway;

import dev.mfagateway.admin.AdminServer;
import dev.mfagateway.auth.Authenticator;
import dev.mfagateway.auth.Reason;
import dev.mfagateway.auth.SigningKeys;
import dev.mfagateway.auth.Verdict;
import dev.mfagateway.auth.VerifiedTokens;
import dev.mfagateway.compliance.ComplianceReport;
import dev.mfagateway.compliance.ComplianceSeries;
import dev.mfagateway.compliance.StateFile;
import dev.mfagateway.config.ComplianceConfig;
import dev.mfagateway.config.ConfigChanges;
import dev.mfagateway.config.GatewayConfig;
import dev.mfagateway.config.RouteConfig;
import dev.mfagateway.proxy.GatewayServer;
import dev.mfagateway.proxy.HttpRejection;
import dev.mfagateway.telemetry.AuditLog;
import dev.mfagateway.telemetry.GatewayMetrics;
import dev.mfagateway.telemetry.JwksFetchOutcome;
import io.micrometer.core.instrument.Clock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * One running gateway: the verdict (signing keys fetched in the background), the proxy listener and the admin
 * listener, all recording into one {@link GatewayMetrics} and one {@link AuditLog}. Ready when the listener is up and
 * signing keys are loaded. Used by `serve`, `demo` and the end-to-end tests.
 *
 * <p>{@link #reload} applies a new configuration's routes, modes and `gateway.auth` rules to the next request on every
 * connection (SPEC §7); settings read at start only keep their values and are reported as waiting for a restart.
 */
public final class Gateway implements AutoCloseable {
  private static final Logger LOG = LogManager.getLogger(Gateway.class);

  private final GatewayConfig started;
  private final GatewayServer server;
  private final AdminServer admin;
  private final GatewayMetrics metrics;
  private final ComplianceReport compliance;
  private final ReportSaver saver;
  private final AuditLog audit;
  private final CompletionStage<Void> firstKeyFetch;
  // Written under the lock of reload(), read by any thread.
  private volatile GatewayConfig applied;
  private volatile Authenticator authenticator;

  private Gateway(
      GatewayConfig started,
      Authenticator authenticator,
      GatewayServer server,
      AdminServer admin,
      GatewayMetrics metrics,
      ComplianceReport compliance,
      ReportSaver saver,
      AuditLog audit,
      CompletionStage<Void> firstKeyFetch) {
    this.started = started;
    this.applied = started;
    this.authenticator = authenticator;
    this.server = server;
    this.admin = admin;
    this.metrics = metrics;
    this.compliance = compliance;
    this.saver = saver;
    this.audit = audit;
    this.firstKeyFetch = firstKeyFetch;
  }

  /** Starts fetching keys, then binds the admin and proxy listeners; nothing is left running when it throws. */
  public static Gateway start(GatewayConfig config)
      throws IOException, GeneralSecurityException, InterruptedException {
    return start(config, Clock.SYSTEM, java.time.Clock.systemUTC());
  }

  /** {@link #start(GatewayConfig)} with the clock the metrics measure ages by (tests age the key gauge with it). */
  public static Gateway start(GatewayConfig config, Clock metricsClock)
      throws IOException, GeneralSecurityException, InterruptedException {
    return start(config, metricsClock, java.time.Clock.systemUTC());
  }

  /**
   * {@link #start(GatewayConfig, Clock)} with the clock the compliance report buckets calls by (tests roll its windows
   * over with it).
   */
  public static Gateway start(GatewayConfig config, Clock metricsClock, java.time.Clock reportClock)
      throws IOException, GeneralSecurityException, InterruptedException {
    GatewayMetrics metrics = newMetrics(config, metricsClock);
    Authenticator authenticator = Authenticator.create(config.auth(), metrics::tokenValidation);
    metrics.cryptoProvider(authenticator.cryptoProvider().name());
    SigningKeys keys = authenticator.signingKeys();
    keys.setListener(outcome -> {
      metrics.jwksKeys(keys.keyCount());
      metrics.jwksFetch(jwksOutcome(outcome));
    });
    AuditLog audit = new AuditLog(config.logging().accessLog());
    ComplianceReport compliance = ComplianceReport.create(config.compliance(), reportClock);
    ReportSaver saver = ReportSaver.start(config.compliance().stateFile().map(StateFile::new), compliance);
    if (config.compliance().exportSeries() != ComplianceConfig.ExportSeries.OFF) {
      metrics.registerCollector(new ComplianceSeries(compliance, config.compliance().exportSeries()));
    }
    GatewayServer server = new GatewayServer(config, authenticator, metrics, audit, compliance);
    AdminServer admin = new AdminServer(config.admin(), () -> server.isServing() && keys.isReady(), metrics,
        compliance, replicaName());
    try {
      admin.start();
      server.start();
    } catch (IOException | GeneralSecurityException | InterruptedException | RuntimeException e) {
      admin.close();
      keys.close();
      saver.close();
      metrics.close();
      throw e;
    }
    Gateway gateway =
        new Gateway(config, authenticator, server, admin, metrics, compliance, saver, audit, keys.start());
    // The cache a reload puts in place continues the counts, so these follow the current one without going back.
    metrics.tokenCache(() -> gateway.tokenCache().hits(), () -> gateway.tokenCache().misses(),
        () -> gateway.tokenCache().removals(), () -> gateway.tokenCache().size());
    return gateway;
  }

  /**
   * Applies {@code next} (already validated by the loader) to the next request on every connection: routes, modes and
   * `gateway.auth` rules. Settings read at start only keep their running values; those that differ are logged and
   * listed as `restart_required`. Counts an applied reload and writes one `config_reload` audit line, also when
   * nothing changed. Returns what changed.
   */
  public synchronized ConfigChanges reload(GatewayConfig next) {
    ConfigChanges changes = ConfigChanges.between(started, applied, next);
    Authenticator reconfigured = authenticator.reconfigured(next.auth());
    server.apply(next, reconfigured);
    authenticator = reconfigured;
    applied = next;
    metrics.configReload(true);
    if (!changes.restartRequired().isEmpty()) {
      LOG.warn("configuration reloaded, but these settings keep their running values until a restart: {}",
          String.join(", ", changes.restartRequired()));
    }
    LOG.info("configuration reloaded: {}", changes.summary());
    audit.configReload(changes.fields());
    return changes;
  }

  /** A reload whose configuration was invalid: nothing changes; each problem is logged, and the rejection counted. */
  public synchronized void reloadRejected(List<String> problems) {
    metrics.configReload(false);
    LOG.error("configuration reload rejected, the running configuration stays: {} problem(s)", problems.size());
    problems.forEach(problem -> LOG.error("configuration reload rejected: {}", problem));
    audit.configReloadRejected(problems);
  }

  /** The configuration requests are judged by now: the one started with, or the last one reloaded. */
  public GatewayConfig appliedConfig() {
    return applied;
  }

  private VerifiedTokens.Stats tokenCache() {
    return authenticator.verifiedTokens().stats();
  }

  /**
   * The gateway's meters for {@code config}'s routes, labelled so that the proxy and the verdict record by enum ordinal
   * ({@link Verdict}, {@link Reason}, {@link HttpRejection}).
   */
  public static GatewayMetrics newMetrics(GatewayConfig config, Clock clock) {
    return new GatewayMetrics(
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT, new PrometheusRegistry(), clock),
        config.routes().stream().map(RouteConfig::name).toList(),
        verdictReasons(),
        Arrays.stream(Verdict.values()).map(Verdict::label).toList(),
        Arrays.stream(HttpRejection.values()).map(HttpRejection::label).toList());
  }

  /**
   * The reasons a verdict can give (`ok` to `keys_unavailable`, the leading constants of {@link Reason}), in ordinal
   * order so that a reason's ordinal indexes its decision counter. Reasons about HTTP itself never label a decision.
   */
  private static List<String> verdictReasons() {
    return Arrays.stream(Reason.values())
        .filter(reason -> reason.ordinal() <= Reason.KEYS_UNAVAILABLE.ordinal())
        .map(Reason::wireName)
        .toList();
  }

  private static JwksFetchOutcome jwksOutcome(SigningKeys.FetchOutcome outcome) {
    return switch (outcome) {
      case SUCCESS -> JwksFetchOutcome.SUCCESS;
      case HTTP_ERROR, NETWORK_ERROR -> JwksFetchOutcome.UNREACHABLE;
      case TIMEOUT -> JwksFetchOutcome.TIMEOUT;
      case TOO_LARGE, UNPARSABLE, EMPTY -> JwksFetchOutcome.INVALID;
    };
  }

  public InetSocketAddress address() {
    return server.address();
  }

  public InetSocketAddress adminAddress() {
    return admin.address();
  }

  /** The verdict of the configuration applied now. */
  public Authenticator authenticator() {
    return authenticator;
  }

  public ComplianceReport compliance() {
    return compliance;
  }

  /** Completes when the first key fetch ended, whatever its outcome; {@link #isReady()} then says whether it worked. */
  public CompletionStage<Void> firstKeyFetch() {
    return firstKeyFetch;
  }

  /** Client connections open now. */
  public int openConnections() {
    return server.openConnections();
  }

  public boolean isReady() {
    return server.isServing() && authenticator.signingKeys().isReady();
  }

  /** Graceful: stops accepting, drains in-flight requests up to the shutdown grace, then closes everything. */
  @Override
  public void close() throws InterruptedException {
    server.shutdown();
    saver.close();
    admin.close();
    authenticator.signingKeys().close();
    metrics.close();
  }

  /** How the compliance page names this process: the pod name under Kubernetes (HOSTNAME), else the process id. */
  private static String replicaName() {
    String host = System.getenv("HOSTNAME");
    return host != null && !host.isBlank() ? host : "process " + ProcessHandle.current().pid();
  }
}
