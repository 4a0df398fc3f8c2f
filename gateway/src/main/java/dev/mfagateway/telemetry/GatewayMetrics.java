package dev.mfagateway.telemetry;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.snapshots.Unit;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * Every meter of the gateway, named once (SPEC §6, §8). Label values come only from configuration (route names) or
 * fixed sets (decisions, reasons, status classes, rejection kinds): never a tenant, app, user or path.
 *
 * <p>All meters are registered up front, so a series exists (at zero) before its first event and the recording
 * methods do no lookups. Call {@link #close()} on shutdown.
 */
public final class GatewayMetrics implements AutoCloseable {
  // Micrometer names (dotted) become the Prometheus names of SPEC §8: `mfa.gateway.decisions` is exposed as
  // `mfa_gateway_decisions_total`, a gauge with base unit seconds gets `_seconds`. The latency histograms come from
  // the Prometheus client and carry their exposed names.
  static final String DECISIONS = "mfa.gateway.decisions";
  static final String REQUEST_SECONDS = "mfa_gateway_request_seconds";
  static final String ADDED_LATENCY_SECONDS = "mfa_gateway_added_latency_seconds";
  static final String UPSTREAM_SECONDS = "mfa_gateway_upstream_seconds";
  static final String REQUEST_BYTES = "mfa.gateway.request.body";
  static final String RESPONSE_BYTES = "mfa.gateway.response.body";
  static final String POOL_WAITS = "mfa.gateway.upstream.pool.waits";
  static final String TOKEN_VALIDATION_SECONDS = "mfa_gateway_token_validation_seconds";
  static final String TOKEN_CACHE_REQUESTS = "mfa.gateway.token.cache.requests";
  static final String TOKEN_CACHE_EVICTIONS = "mfa.gateway.token.cache.evictions";
  static final String TOKEN_CACHE_SIZE = "mfa.gateway.token.cache.size";
  static final String JWKS_FETCHES = "mfa.gateway.jwks.fetches";
  static final String JWKS_KEYS = "mfa.gateway.jwks.keys";
  static final String JWKS_AGE = "mfa.gateway.jwks.last.success.age";
  static final String CONNECTIONS = "mfa.gateway.connections";
  static final String HTTP_REJECTIONS = "mfa.gateway.http.rejections";
  static final String CONFIG_RELOADS = "mfa.gateway.config.reloads";
  static final String LOG_LINES_DROPPED = "mfa.gateway.log.lines.dropped";
  static final String BUILD = "mfa.gateway.build";
  static final String CRYPTO_PROVIDER = "mfa.gateway.crypto.provider";
  static final String TRANSPORT = "mfa.gateway.transport";

  /** The decision and the reason of a request let through (SPEC §8): they occur together and only together. */
  static final String ALLOW = "allow";
  static final String OK = "ok";

  static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";
  static final String OPENMETRICS_FORMAT = "application/openmetrics-text; version=1.0.0; charset=utf-8";

  private static final double[] VALIDATION_BUCKETS = {
      0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1,
      0.25, 0.5, 1, 2.5, 5};
  private static final double[] ADDED_BUCKETS = {
      0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
  private static final double[] UPSTREAM_BUCKETS = {
      0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};

  private final PrometheusMeterRegistry registry;
  private final List<String> reasons;
  private final List<String> decisions;
  private final Map<String, RouteMeters> routes = new ConcurrentHashMap<>();
  private final Histogram requestSeconds;
  private final Histogram addedLatencySeconds;
  private final Histogram upstreamSeconds;
  private final DistributionDataPoint validationHit;
  private final DistributionDataPoint validationMiss;
  private volatile LongSupplier cacheHits = () -> 0;
  private volatile LongSupplier cacheMisses = () -> 0;
  private volatile LongSupplier cacheEvictions = () -> 0;
  private volatile LongSupplier cacheSize = () -> 0;
  private final Counter[] jwksFetches;
  private final AtomicLong jwksKeys = new AtomicLong();
  private final AtomicLong jwksLastSuccess;
  private final AtomicLong[] connections;
  private final Counter[] httpRejections;
  private final Counter reloadsApplied;
  private final Counter reloadsRejected;
  private final JvmGcMetrics gcMetrics = new JvmGcMetrics();

  /**
   * Registers every meter. {@code reasons} and {@code decisions} are the label values in index order (pass
   * {@code Reason.values()}' wire names and {@code Verdict.values()}' labels); {@code httpRejectionKinds} likewise
   * for {@link #httpRejection(int)}. Only the pairs that can happen get a decision series: {@code allow} with
   * {@code ok}, every other decision with every other reason. Routes added later by a reload get their meters from
   * {@link #route(String)}.
   */
  public GatewayMetrics(
      PrometheusMeterRegistry registry,
      List<String> routeNames,
      List<String> reasons,
      List<String> decisions,
      List<String> httpRejectionKinds) {
    this.registry = registry;
    // Named against Prometheus conventions (`_ns` unit, `_count` on a gauge): promtool flags them.
    registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")
        || id.getName().equals("system.cpu.count")));
    this.reasons = List.copyOf(reasons);
    this.decisions = List.copyOf(decisions);
    requestSeconds = histogram(REQUEST_SECONDS, UPSTREAM_BUCKETS,
        "The gateway's total time per request, head received to response head written", "route");
    addedLatencySeconds = histogram(ADDED_LATENCY_SECONDS, ADDED_BUCKETS,
        "Latency the gateway added to a forwarded request (total time less upstream time)", "route");
    upstreamSeconds = histogram(UPSTREAM_SECONDS, UPSTREAM_BUCKETS,
        "Upstream latency, request sent to response head (or failure), by route and status class",
        "route", "status_class");
    Histogram validation = histogram(TOKEN_VALIDATION_SECONDS, VALIDATION_BUCKETS,
        "Token validation time; cache=hit when the verified-token cache answered", "cache");
    validationHit = validation.labelValues("hit");
    validationMiss = validation.labelValues("miss");
    routeNames.forEach(this::route);

    cacheRequests("hit", metrics -> metrics.cacheHits.getAsLong());
    cacheRequests("miss", metrics -> metrics.cacheMisses.getAsLong());
    FunctionCounter.builder(TOKEN_CACHE_EVICTIONS, this, metrics -> metrics.cacheEvictions.getAsLong())
        .description("Verified tokens dropped from the cache (expired, size bound, or signing key gone)")
        .register(registry);
    Gauge.builder(TOKEN_CACHE_SIZE, () -> cacheSize.getAsLong())
        .description("Verified tokens in the cache")
        .strongReference(true)
        .register(registry);

    jwksFetches = new Counter[JwksFetchOutcome.values().length];
    for (JwksFetchOutcome outcome : JwksFetchOutcome.values()) {
      jwksFetches[outcome.ordinal()] = Counter.builder(JWKS_FETCHES)
          .description("Signing-key (JWKS) fetches by outcome")
          .tag("outcome", outcome.label())
          .register(registry);
    }
    Gauge.builder(JWKS_KEYS, jwksKeys, AtomicLong::get)
        .description("Signing keys currently in use")
        .register(registry);
    Clock clock = registry.config().clock();
    jwksLastSuccess = new AtomicLong(clock.monotonicTime());
    Gauge.builder(JWKS_AGE, jwksLastSuccess, last -> (clock.monotonicTime() - last.get()) / 1e9)
        .description("Seconds since the last successful JWKS fetch (since start while none has succeeded)")
        .baseUnit("seconds")
        .register(registry);

    connections = new AtomicLong[ConnectionSide.values().length];
    for (ConnectionSide side : ConnectionSide.values()) {
      AtomicLong open = new AtomicLong();
      connections[side.ordinal()] = open;
      Gauge.builder(CONNECTIONS, open, AtomicLong::get)
          .description("Open connections, client side and upstream side")
          .tag("side", side.label())
          .register(registry);
    }

    httpRejections = httpRejectionKinds.stream()
        .map(kind -> Counter.builder(HTTP_REJECTIONS)
            .description("Requests refused as hostile or malformed HTTP, by kind")
            .tag("kind", kind)
            .register(registry))
        .toArray(Counter[]::new);
    reloadsApplied = configReloads("applied");
    reloadsRejected = configReloads("rejected");
    FunctionCounter.builder(LOG_LINES_DROPPED, DroppedLogLines.class, type -> DroppedLogLines.count())
        .description("Log lines dropped because the asynchronous log buffer was full")
        .register(registry);
    Gauge.builder(BUILD + ".info", () -> 1)
        .description("Build information; the value is always 1")
        .tag("version", version())
        .strongReference(true)
        .register(registry);

    bindJvmAndProcess(registry);
    gcMetrics.bindTo(registry);
    new NettyMemoryMetrics().bindTo(registry);
  }

  /** The meters of a route, registered on first use (routes added by a reload); hold the result with the route. */
  public RouteMeters route(String routeName) {
    return routes.computeIfAbsent(routeName, this::registerRoute);
  }

  /** Token validation time; {@code cacheHit} when the verified-token cache answered. */
  public void tokenValidation(boolean cacheHit, long nanos) {
    (cacheHit ? validationHit : validationMiss).observe(Unit.nanosToSeconds(nanos));
  }

  /**
   * Where the token-cache meters read from: the cache's own running counts of hits, misses and evictions, and its
   * size (the cache counts anyway, so the request path pays nothing more here).
   */
  public void tokenCache(LongSupplier hits, LongSupplier misses, LongSupplier evictions, LongSupplier size) {
    cacheHits = hits;
    cacheMisses = misses;
    cacheEvictions = evictions;
    cacheSize = size;
  }

  /** Counts a JWKS fetch; a {@link JwksFetchOutcome#SUCCESS} also resets the key age to zero. */
  public void jwksFetch(JwksFetchOutcome outcome) {
    jwksFetches[outcome.ordinal()].increment();
    if (outcome == JwksFetchOutcome.SUCCESS) {
      jwksLastSuccess.set(registry.config().clock().monotonicTime());
    }
  }

  /** The number of signing keys now in use. */
  public void jwksKeys(int count) {
    jwksKeys.set(count);
  }

  public void connectionOpened(ConnectionSide side) {
    connections[side.ordinal()].incrementAndGet();
  }

  public void connectionClosed(ConnectionSide side) {
    connections[side.ordinal()].decrementAndGet();
  }

  /** Counts a hostile-HTTP refusal; {@code kindIndex} is a position in the constructor's {@code httpRejectionKinds}. */
  public void httpRejection(int kindIndex) {
    httpRejections[kindIndex].increment();
  }

  /** Counts a configuration reload: {@code applied} or {@code rejected}. */
  public void configReload(boolean applied) {
    (applied ? reloadsApplied : reloadsRejected).increment();
  }

  /** Names the JCA provider that verifies signatures (call once at start), as `mfa_gateway_crypto_provider_info`. */
  public void cryptoProvider(String providerName) {
    info(CRYPTO_PROVIDER, "The JCA provider verifying token signatures", "provider", providerName);
  }

  /** Names the network transport serving connections (call once at start), as `mfa_gateway_transport_info`. */
  public void transport(String transportName) {
    info(TRANSPORT, "The network transport serving client and upstream connections (epoll or nio)", "transport",
        transportName);
  }

  private void info(String name, String description, String label, String value) {
    Gauge.builder(name + ".info", () -> 1)
        .description(description + "; the value is always 1")
        .tag(label, value)
        .strongReference(true)
        .register(registry);
  }

  /** Adds series computed at scrape time (the compliance report's bounded view). */
  public void registerCollector(io.prometheus.metrics.model.registry.MultiCollector collector) {
    registry.getPrometheusRegistry().register(collector);
  }

  /**
   * A scrape for `/metrics`: OpenMetrics when the {@code Accept} header asks for it, else Prometheus text 0.0.4.
   * {@code accept} may be null.
   */
  public Scrape scrape(String accept) {
    String contentType = accept != null && accept.contains("application/openmetrics-text")
        ? OPENMETRICS_FORMAT
        : TEXT_FORMAT;
    return new Scrape(contentType, registry.scrape(contentType).getBytes(StandardCharsets.UTF_8));
  }

  /** A rendered scrape and its {@code Content-Type}. */
  public record Scrape(String contentType, byte[] body) {}

  @Override
  public void close() {
    gcMetrics.close();
  }

  private RouteMeters registerRoute(String route) {
    Counter[][] decisionCounters = new Counter[decisions.size()][reasons.size()];
    for (int d = 0; d < decisions.size(); d++) {
      for (int r = 0; r < reasons.size(); r++) {
        if (!canHappen(decisions.get(d), reasons.get(r))) {
          continue;
        }
        decisionCounters[d][r] = Counter.builder(DECISIONS)
            .description("Requests by route, decision (allow, deny, would_deny) and reason")
            .tags("route", route, "decision", decisions.get(d), "reason", reasons.get(r))
            .register(registry);
      }
    }
    DistributionDataPoint[] upstream = new DistributionDataPoint[StatusClass.values().length];
    for (StatusClass statusClass : StatusClass.values()) {
      upstream[statusClass.ordinal()] = upstreamSeconds.labelValues(route, statusClass.label());
    }
    return new RouteMeters(
        route,
        decisionCounters,
        upstream,
        requestSeconds.labelValues(route),
        addedLatencySeconds.labelValues(route),
        bytes(REQUEST_BYTES, route, "Request body bytes received from clients"),
        bytes(RESPONSE_BYTES, route, "Response body bytes sent to clients"),
        Counter.builder(POOL_WAITS)
            .description("Requests that waited for a pooled upstream connection")
            .tag("route", route)
            .register(registry));
  }

  /** Only an allow has reason `ok`; a deny or a would_deny always has a refusal reason. */
  private static boolean canHappen(String decision, String reason) {
    return decision.equals(ALLOW) == reason.equals(OK);
  }

  private Counter bytes(String name, String route, String description) {
    return Counter.builder(name).description(description).baseUnit("bytes").tag("route", route).register(registry);
  }

  /**
   * A classic Prometheus histogram straight from the Prometheus client, in the registry Micrometer scrapes: observing
   * costs a quarter of a Micrometer Timer's record (which also keeps a decaying max), and this is the request path.
   */
  private Histogram histogram(String name, double[] buckets, String help, String... labelNames) {
    return Histogram.builder()
        .name(name)
        .help(help)
        .unit(Unit.SECONDS)
        .labelNames(labelNames)
        .classicOnly()
        .classicUpperBounds(buckets)
        .withoutExemplars()
        .register(registry.getPrometheusRegistry());
  }

  private void cacheRequests(String result, ToDoubleFunction<GatewayMetrics> count) {
    FunctionCounter.builder(TOKEN_CACHE_REQUESTS, this, count)
        .description("Verified-token cache lookups by result (hit, miss)")
        .tag("result", result)
        .register(registry);
  }

  private Counter configReloads(String outcome) {
    return Counter.builder(CONFIG_RELOADS)
        .description("Configuration reloads by outcome (applied, rejected)")
        .tag("outcome", outcome)
        .register(registry);
  }

  private static void bindJvmAndProcess(MeterRegistry registry) {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
  }

  private static String version() {
    String version = GatewayMetrics.class.getPackage().getImplementationVersion();
    return version == null ? "development" : version;
  }

}
