package dev.mfagateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mfagateway.ConfigWatcher;
import dev.mfagateway.config.ConfigChanges;
import dev.mfagateway.config.ConfigLoader;
import dev.mfagateway.telemetry.AuditLog;
import dev.mfagateway.telemetry.CapturedLog;
import dev.mfagateway.testing.Poll;
import dev.mfagateway.testing.TestIssuer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reloads (SPEC §7) seen from a client's open keep-alive connection: routes added, removed and changed, the audit line
 * of each reload, the verified-token cache across policy changes, and invalid configurations that change nothing.
 */
class ConfigReloadEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String OTHER_TENANT = "0c0c0c0c-1d1d-4e4e-8f8f-2a2a2a2a2a2a";
  private static final String RELOADS = "mfa_gateway_config_reloads_total";
  private static final String APPLIED = "outcome=\"applied\"";
  private static final String REJECTED = "outcome=\"rejected\"";

  @Test
  void routesAddedChangedAndRemovedApplyToTheNextRequestOnAnOpenConnection() throws Exception {
    try (TestIssuer issuer = TestIssuer.start();
        RecordingServer first = new RecordingServer("{\"upstream\":1}");
        RecordingServer second = new RecordingServer("{\"upstream\":2}");
        CapturedLog audit = new CapturedLog(AuditLog.AUDIT_LOGGER);
        RunningGateway gateway = RunningGateway.start(RunningGateway.config(issuer.jwksUri(),
            RunningGateway.route("api", "/api/", first.uri(), TestIssuer.AUDIENCE, "")));
        KeepAliveConnection connection = new KeepAliveConnection(gateway.address())) {
      String authorization = "Bearer " + new Tokens(issuer).valid();
      assertThat(connection.get("/api/orders", authorization).body()).isEqualTo("{\"upstream\":1}");
      assertThat(connection.get("/new/orders", authorization).status()).as("no route yet").isEqualTo(404);

      ConfigChanges changes = gateway.gateway().reload(ConfigLoader.fromString(RunningGateway.config(issuer.jwksUri(),
              RunningGateway.route("api", "/api/", second.uri(), TestIssuer.AUDIENCE, ""),
              RunningGateway.route("new", "/new/", first.uri(), TestIssuer.AUDIENCE, ", mode = report-only"))
          + "gateway.limits.idle-timeout = 120s\n"));

      assertThat(connection.get("/api/orders", authorization).body()).as("changed upstream")
          .isEqualTo("{\"upstream\":2}");
      assertThat(connection.get("/new/orders", authorization).body()).as("added route")
          .isEqualTo("{\"upstream\":1}");
      assertThat(gateway.metric("mfa_gateway_decisions_total", "route=\"new\"", "decision=\"allow\""))
          .as("the added route's meters").isEqualTo(1);
      assertThat(changes.routesAdded()).containsExactly("new");
      assertThat(changes.routesChanged()).containsExactly("api: upstream");
      assertThat(changes.restartRequired()).containsExactly("gateway.limits");
      JsonNode line = reloadLines(audit).get(0);
      assertThat(line.get("routes_added")).isEqualTo(JSON.readTree("[\"new\"]"));
      assertThat(line.get("routes_changed")).isEqualTo(JSON.readTree("[\"api: upstream\"]"));
      assertThat(line.get("restart_required")).isEqualTo(JSON.readTree("[\"gateway.limits\"]"));
      assertThat(line.toString()).as("upstream URLs are named, not quoted").doesNotContain(second.uri().toString());

      changes = gateway.gateway().reload(ConfigLoader.fromString(RunningGateway.config(issuer.jwksUri(),
          RunningGateway.route("new", "/new/", first.uri(), TestIssuer.AUDIENCE, ", mode = enforce"))));

      assertThat(connection.get("/api/orders", authorization).status()).as("removed route").isEqualTo(404);
      assertThat(changes.routesRemoved()).containsExactly("api");
      assertThat(changes.routeModes()).containsExactly("new: report-only -> enforce");
      assertThat(changes.restartRequired()).as("back to the running value").isEmpty();
      assertThat(reloadLines(audit).get(1).get("route_modes"))
          .isEqualTo(JSON.readTree("[\"new: report-only -> enforce\"]"));
      assertThat(second.received()).hasSize(1);
      assertThat(gateway.metric(RELOADS, APPLIED)).isEqualTo(2);
    }
  }

  @Test
  void aCachedTokenIsJudgedAgainAfterItsTenantIsRemovedAndVerifiedAgainAfterIssuersChange() throws Exception {
    try (TestIssuer issuer = TestIssuer.start();
        RecordingServer upstream = new RecordingServer("{}");
        RunningGateway gateway = RunningGateway.start(config(issuer, upstream, TestIssuer.TENANT, ""));
        KeepAliveConnection connection = new KeepAliveConnection(gateway.address())) {
      String authorization = "Bearer " + new Tokens(issuer).valid();
      assertThat(connection.get("/v1/customers", authorization).status()).isEqualTo(200);
      assertThat(connection.get("/v1/customers", authorization).status()).isEqualTo(200);
      long hits = gateway.tokenCacheHits();
      assertThat(hits).as("answered from the cache").isPositive();

      gateway.gateway().reload(ConfigLoader.fromString(config(issuer, upstream, OTHER_TENANT, "")));
      KeepAliveConnection.Response refused = connection.get("/v1/customers", authorization);
      assertThat(refused.status()).isEqualTo(403);
      assertThat(refused.body()).contains("\"reason\":\"tenant_not_allowed\"");
      assertThat(gateway.tokenCacheHits()).as("the cached claims, judged by the new policy").isGreaterThan(hits);

      gateway.gateway().reload(ConfigLoader.fromString(config(issuer, upstream, TestIssuer.TENANT, "")));
      assertThat(connection.get("/v1/customers", authorization).status()).isEqualTo(200);
      assertThat(gateway.metric("mfa_gateway_token_cache_size")).isEqualTo(1);
      double hitsBefore = gateway.metric("mfa_gateway_token_cache_requests_total", "result=\"hit\"");

      gateway.gateway().reload(ConfigLoader.fromString(config(issuer, upstream, TestIssuer.TENANT,
          "gateway.auth.issuers = [\"" + TestIssuer.V2_ISSUER + "\"]\n")));
      assertThat(gateway.metric("mfa_gateway_token_cache_size")).as("the new, empty cache").isZero();
      KeepAliveConnection.Response wrongIssuer = connection.get("/v1/customers", authorization);
      assertThat(wrongIssuer.status()).isEqualTo(401);
      assertThat(wrongIssuer.body()).contains("\"reason\":\"wrong_issuer\"");

      gateway.gateway().reload(ConfigLoader.fromString(config(issuer, upstream, TestIssuer.TENANT, "")));
      assertThat(connection.get("/v1/customers", authorization).status()).isEqualTo(200);
      assertThat(gateway.metric("mfa_gateway_token_cache_size")).isEqualTo(1);
      assertThat(gateway.metric("mfa_gateway_token_cache_requests_total", "result=\"hit\""))
          .as("the counts carry on across caches").isGreaterThanOrEqualTo(hitsBefore);
      assertThat(upstream.received()).hasSize(4);
    }
  }

  @Test
  void anInvalidConfigurationChangesNothingIsCountedAndItsProblemsLogged(@TempDir Path dir) throws Exception {
    try (TestIssuer issuer = TestIssuer.start();
        RecordingServer upstream = new RecordingServer("{}")) {
      String valid = config(issuer, upstream, TestIssuer.TENANT, "");
      Path file = dir.resolve("gateway.conf");
      Files.writeString(file, valid);
      try (CapturedLog log = new CapturedLog(AuditLog.AUDIT_LOGGER, "dev.mfagateway.Gateway");
          ConfigWatcher watcher = new ConfigWatcher(Optional.of(file), Duration.ofMillis(50));
          RunningGateway gateway = RunningGateway.start(valid);
          KeepAliveConnection connection = new KeepAliveConnection(gateway.address())) {
        watcher.start(gateway.gateway());
        Tokens tokens = new Tokens(issuer);
        String withMfa = "Bearer " + tokens.valid();
        String withoutMfa = "Bearer " + tokens.user(claims -> claims.put("amr", List.of("pwd")));
        List<String> invalid = List.of(
            valid + "gateway.mode = report-only\ngateway { routes = [ { name = broken\n",
            valid + "gateway.mode = report-only\ngateway.auth.requre-mfa = false\n",
            config(issuer, upstream, TestIssuer.TENANT, "")
                .replace("audiences = [\"" + TestIssuer.AUDIENCE + "\"]", "audiences = []")
                + "gateway.mode = report-only\n");
        List<String> problems = List.of("syntax error: ", "gateway.auth.requre-mfa: unknown key",
            "gateway.routes[0].audiences: must not be empty");

        for (int i = 0; i < invalid.size(); i++) {
          Files.writeString(file, invalid.get(i));
          int rejections = i + 1;
          Poll.until("rejection " + rejections, Duration.ofSeconds(5),
              () -> gateway.metric(RELOADS, REJECTED) == rejections);

          assertThat(connection.get("/v1/customers", withoutMfa).status()).as("still enforcing").isEqualTo(401);
          assertThat(connection.get("/v1/customers", withMfa).status()).isEqualTo(200);
          String problem = problems.get(i);
          assertThat(log.lines()).as("logged").anyMatch(line -> line.contains("\"log.level\":\"ERROR\"")
              && line.contains("configuration reload rejected: " + problem));
          JsonNode audited = JSON.readTree(log.lines().stream()
              .filter(line -> line.contains("\"event\":\"config_reload_rejected\"")).toList().get(i));
          assertThat(audited.get("problems").get(0).asText()).contains(problem);
        }
        assertThat(gateway.metric(RELOADS, APPLIED)).isZero();
        assertThat(gateway.gateway().appliedConfig().mode().configName()).isEqualTo("enforce");

        Files.writeString(file, valid + "gateway.mode = report-only\n");
        Poll.until("the valid change applied", Duration.ofSeconds(5), () -> gateway.metric(RELOADS, APPLIED) == 1);
        assertThat(connection.get("/v1/customers", withoutMfa).status()).as("now report-only").isEqualTo(200);
        assertThat(gateway.metric(RELOADS, REJECTED)).isEqualTo(3);
      }
    }
  }

  /** One route `/` to {@code upstream} under the gateway's mode, {@code tenant} the only one allowed, plus {@code extra}. */
  private static String config(TestIssuer issuer, RecordingServer upstream, String tenant, String extra) {
    return RunningGateway.config(issuer.jwksUri(),
            RunningGateway.route("partner-center", "/", upstream.uri(), TestIssuer.AUDIENCE, ""))
        + "gateway.auth.allowed-tenants = [\"" + tenant + "\"]\n" + extra;
  }

  private static List<JsonNode> reloadLines(CapturedLog log) throws Exception {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : log.lines()) {
      if (line.contains("\"event\":\"config_reload\"")) {
        lines.add(JSON.readTree(line));
      }
    }
    return lines;
  }
}
