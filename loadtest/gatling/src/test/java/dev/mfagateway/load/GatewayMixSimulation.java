package dev.mfagateway.load;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.group;
import static io.gatling.javaapi.core.CoreDsl.jmesPath;
import static io.gatling.javaapi.core.CoreDsl.listFeeder;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpRequestActionBuilder;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The gateway under a realistic mix of automation scripts (see loadtest/README.md). Each virtual user is one run of
 * one script: it takes the next script from the population and calls every {@link LoadRoute} with that script's
 * token. Every request checks the status and who answered (the upstream, or the gateway with the expected refusal
 * reason), so a wrong verdict counts as a failed request. Requests are reported per script kind (Gatling group) and
 * route; the assertions ask for no failed request in any kind, every kind and route exercised, and response times
 * within the shape's bounds.
 */
public abstract class GatewayMixSimulation extends Simulation {
  private static final Duration WARM_UP = Duration.ofSeconds(3);

  private final LoadTestBed bed;
  private final LoadShape shape;
  private final List<Script> scripts;

  protected GatewayMixSimulation(LoadShape shape) {
    this.shape = shape;
    this.bed = startBed();
    this.scripts = shape.population().mint(bed.issuer(), Instant.now());
    ScenarioBuilder scriptRuns = scenario("script runs")
        .feed(listFeeder(scripts.stream().map(Script::feederRecord).toList()).circular())
        .group("#{" + Script.KIND + "}").on(
            exec(Arrays.stream(LoadRoute.values()).map(route -> exec(call(route))).toList()));
    setUp(scriptRuns.injectOpen(
        rampUsersPerSec(1).to(shape.runsPerSecond()).during(shape.rampUp()),
        constantUsersPerSec(shape.runsPerSecond()).during(shape.steady())))
        .protocols(http.baseUrl(bed.gatewayUrl())
            .acceptHeader("application/json")
            .userAgentHeader("mfa-gateway-loadtest (Gatling)"))
        .assertions(assertions(shape));
  }

  private static LoadTestBed startBed() {
    try {
      return LoadTestBed.start();
    } catch (Exception e) {
      throw new IllegalStateException("could not start the gateway under test", e);
    }
  }

  private static HttpRequestActionBuilder call(LoadRoute route) {
    return http(route.label()).get(route.requestPath())
        .header("Authorization", session -> "Bearer " + session.getString(route.key("token")))
        .check(
            status().is(session -> session.getInt(route.key("status"))),
            // A refusal's JSON names its reason; the stand-in upstream's names itself in served_by.
            jmesPath("reason || served_by").is(session -> session.getString(route.key("answer"))));
  }

  private static List<Assertion> assertions(LoadShape shape) {
    List<Assertion> assertions = new ArrayList<>();
    assertions.add(global().failedRequests().count().is(0L));
    assertions.add(global().responseTime().percentile(50.0).lt(shape.p50Millis()));
    assertions.add(global().responseTime().percentile(95.0).lt(shape.p95Millis()));
    assertions.add(global().responseTime().percentile(99.0).lt(shape.p99Millis()));
    for (ScriptKind kind : ScriptKind.values()) {
      assertions.add(details(kind.label()).failedRequests().percent().is(0.0));
      for (LoadRoute route : LoadRoute.values()) {
        assertions.add(details(kind.label(), route.label()).allRequests().count().gt(0L));
        assertions.add(details(kind.label(), route.label()).responseTime().percentile(99.0)
            .lt(shape.perRouteP99Millis()));
      }
    }
    return assertions;
  }

  @Override
  public void before() {
    try {
      int sent = bed.warmUp(scripts, WARM_UP);
      System.out.printf("Gateway under test at %s, warmed up with %d requests in %ds%n", bed.gatewayUrl(), sent,
          WARM_UP.toSeconds());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException("the warm-up failed", e);
    }
    System.out.printf("%d scripts; ramp to %.0f script runs/s over %ds, then %ds steady%n", scripts.size(),
        shape.runsPerSecond(), shape.rampUp().toSeconds(), shape.steady().toSeconds());
  }

  @Override
  public void after() {
    try {
      System.out.println("The gateway's own count of its decisions (warm-up included, zeros left out):");
      bed.decisionCounts().stream().filter(line -> !line.endsWith(" 0.0"))
          .forEach(line -> System.out.println("  " + line));
    } catch (IOException | InterruptedException e) {
      System.out.println("Could not read the gateway's metrics: " + e);
    } finally {
      bed.close();
    }
  }
}
