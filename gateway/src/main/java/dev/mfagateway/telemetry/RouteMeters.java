package dev.mfagateway.telemetry;

import io.micrometer.core.instrument.Counter;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * Every meter of one route, resolved once when the route is configured, so that recording on the request path is an
 * array index and an add. Obtain it from {@link GatewayMetrics#route(String)}; hold it with the route.
 */
public final class RouteMeters {
  private final String name;
  private final Counter[][] decisions;
  private final DistributionDataPoint[] upstream;
  private final DistributionDataPoint request;
  private final DistributionDataPoint addedLatency;
  private final Counter requestBytes;
  private final Counter responseBytes;
  private final Counter poolWaits;

  RouteMeters(
      String name,
      Counter[][] decisions,
      DistributionDataPoint[] upstream,
      DistributionDataPoint request,
      DistributionDataPoint addedLatency,
      Counter requestBytes,
      Counter responseBytes,
      Counter poolWaits) {
    this.name = name;
    this.decisions = decisions;
    this.upstream = upstream;
    this.request = request;
    this.addedLatency = addedLatency;
    this.requestBytes = requestBytes;
    this.responseBytes = responseBytes;
    this.poolWaits = poolWaits;
  }

  public String name() {
    return name;
  }

  /**
   * Counts one decision. The indexes are positions in the decision and reason lists given to {@link GatewayMetrics}
   * (there: {@code Verdict.values()} and {@code Reason.values()} in order, so an enum's ordinal is its index). Only
   * pairs that can happen have a counter: {@code allow} with {@code ok}, {@code deny} or {@code would_deny} with a
   * refusal reason.
   */
  public void decision(int decisionIndex, int reasonIndex) {
    decisions[decisionIndex][reasonIndex].increment();
  }

  /** Upstream latency: from the request head sent upstream to the response head received (or the failure). */
  public void upstream(StatusClass statusClass, long nanos) {
    upstream[statusClass.ordinal()].observe(Unit.nanosToSeconds(nanos));
  }

  /** The gateway's total time for a request: request head received to response head written to the client. */
  public void request(long nanos) {
    request.observe(Unit.nanosToSeconds(nanos));
  }

  /** What the gateway added to a forwarded request: {@link #request} time less {@link #upstream} time. */
  public void addedLatency(long nanos) {
    addedLatency.observe(Unit.nanosToSeconds(nanos));
  }

  /** Request body bytes received from the client (add as chunks stream). */
  public void requestBytes(long bytes) {
    requestBytes.increment(bytes);
  }

  /** Response body bytes sent to the client (add as chunks stream). */
  public void responseBytes(long bytes) {
    responseBytes.increment(bytes);
  }

  /** A request had to wait for a pooled upstream connection (the pool was at its bound). */
  public void poolWait() {
    poolWaits.increment();
  }
}
