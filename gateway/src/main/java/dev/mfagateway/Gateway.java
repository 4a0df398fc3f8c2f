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

/**
 * One running gateway: the verdict (signing keys fetched in the background), the proxy listener and the admin
 * listener, all recording into one {@link GatewayMetrics} and one {@link AuditLog}. Ready when the listener is up and
 * signing keys are loaded. Used by `serve`, `demo` and the end-to-end tests.
 */
public final class Gateway implements AutoCloseable {
  private final Authenticator authenticator;
  private final GatewayServer server;
  private final AdminServer admin;
  private final GatewayMetrics metrics;
  private final ComplianceReport compliance;
  private final ReportSaver saver;
  private final CompletionStage<Void> firstKeyFetch;

  private Gateway(
      Authenticator authenticator,
      GatewayServer server,
      AdminServer admin,
      GatewayMetrics metrics,
      ComplianceReport compliance,
      ReportSaver saver,
      CompletionStage<Void> firstKeyFetch) {
    this.authenticator = authenticator;
    this.server = server;
    this.admin = admin;
    this.metrics = metrics;
    this.compliance = compliance;
    this.saver = saver;
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
    VerifiedTokens cache = authenticator.verifiedTokens();
    metrics.tokenCache(() -> cache.stats().hits(), () -> cache.stats().misses(), () -> cache.stats().removals(),
        () -> cache.stats().size());
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
        compliance, ReportSaver.replicaName());
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
    return new Gateway(authenticator, server, admin, metrics, compliance, saver, keys.start());
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
}
