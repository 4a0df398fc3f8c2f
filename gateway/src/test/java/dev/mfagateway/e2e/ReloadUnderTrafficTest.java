package dev.mfagateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.ConfigWatcher;
import dev.mfagateway.config.ConfigLoader;
import dev.mfagateway.config.GatewayConfig;
import dev.mfagateway.testing.Poll;
import dev.mfagateway.testing.TestIssuer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §7 under load: client threads on keep-alive connections send a steady stream of requests with a user token
 * without MFA, while the route flips between two configurations that differ in the route's mode and in the tenant
 * allowlist, 50 times, through {@code Gateway.reload} and through the real file watcher. Report-only with the tenant
 * not allowed forwards (200, `would_deny` `tenant_not_allowed`); enforce with the tenant allowed refuses (401
 * `mfa_required`). A request judged by half of each would show: a 403 `tenant_not_allowed`, or a forwarded
 * `would_deny` `mfa_required`.
 */
class ReloadUnderTrafficTest {
  private static final String OTHER_TENANT = "0c0c0c0c-1d1d-4e4e-8f8f-2a2a2a2a2a2a";
  private static final String UPSTREAM_BODY = "{\"from\":\"upstream\"}";
  private static final int CLIENTS = 4;
  private static final int RELOADS = 50;
  /** Every fifth reload goes through the file watcher. */
  private static final int FILE_RELOAD_EVERY = 5;
  private static final int MIN_REQUESTS_PER_CLIENT = 600;
  private static final int MAX_REQUESTS_PER_CLIENT = 20_000;
  private static final int REQUESTS_BETWEEN_RELOADS = 20;

  /** What each response was: forwarded under report-only, refused under enforce, or anything else. */
  private final Set<String> forwardedIds = ConcurrentHashMap.newKeySet();
  private final AtomicInteger refused = new AtomicInteger();
  private final List<String> inconsistent = new CopyOnWriteArrayList<>();
  private final AtomicInteger answered = new AtomicInteger();
  private final AtomicInteger failures = new AtomicInteger();

  @Test
  void everyRequestIsAnsweredUnderExactlyOneOfTheConfigurations(@TempDir Path dir) throws Exception {
    try (TestIssuer issuer = TestIssuer.start();
        RecordingServer upstream = new RecordingServer(UPSTREAM_BODY)) {
      String reportOnly = rollout(issuer, upstream, "report-only", OTHER_TENANT);
      String enforce = rollout(issuer, upstream, "enforce", TestIssuer.TENANT);
      Path file = dir.resolve("gateway.conf");
      Files.writeString(file, reportOnly);
      ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
      try (ConfigWatcher watcher = new ConfigWatcher(Optional.of(file), Duration.ofMillis(50));
          RunningGateway gateway = RunningGateway.start(reportOnly)) {
        watcher.start(gateway.gateway());
        String authorization = "Bearer " + new Tokens(issuer).user(claims -> claims.put("amr", List.of("pwd")));
        AtomicBoolean reloadsDone = new AtomicBoolean();
        List<Future<Integer>> sent = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
          sent.add(clients.submit(() -> sendUntil(gateway, authorization, reloadsDone)));
        }

        int fileReloads = 0;
        for (int i = 0; i < RELOADS; i++) {
          awaitTraffic();
          String next = i % 2 == 0 ? enforce : reportOnly;
          if (i % FILE_RELOAD_EVERY == FILE_RELOAD_EVERY - 1) {
            GatewayConfig before = gateway.gateway().appliedConfig();
            Path written = dir.resolve("gateway.conf.new");
            Files.writeString(written, next);
            Files.move(written, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Poll.until("the watcher applies reload " + i, Duration.ofSeconds(5),
                () -> gateway.gateway().appliedConfig() != before);
            fileReloads++;
          } else {
            gateway.gateway().reload(ConfigLoader.fromString(next));
          }
        }
        reloadsDone.set(true);
        int requests = 0;
        for (Future<Integer> client : sent) {
          requests += client.get(120, TimeUnit.SECONDS);
        }

        int forwarded = forwardedIds.size();
        System.out.printf("reload under traffic: %d requests on %d keep-alive connections (%d forwarded, %d refused),"
            + " %d reloads (%d through the file watcher), %d failures, %d inconsistent%n",
            requests, CLIENTS, forwarded, refused.get(), RELOADS, fileReloads, failures.get(), inconsistent.size());
        assertThat(failures).as("requests without a response").hasValue(0);
        assertThat(inconsistent).as("responses of neither configuration").isEmpty();
        assertThat(requests).isGreaterThanOrEqualTo(CLIENTS * MIN_REQUESTS_PER_CLIENT);
        assertThat(forwarded + refused.get()).isEqualTo(requests);
        assertThat(forwarded).as("forwarded under report-only").isPositive();
        assertThat(refused).as("refused under enforce").hasPositiveValue();

        List<String> received = upstream.received().stream().map(r -> r.header("X-Request-Id")).toList();
        assertThat(received).as("the upstream got exactly the requests answered 200").hasSize(forwarded);
        assertThat(Set.copyOf(received)).isEqualTo(forwardedIds);

        String decisions = "mfa_gateway_decisions_total";
        String route = "route=\"rollout\"";
        assertThat(gateway.metric(decisions, route)).as("decisions counted").isEqualTo(requests);
        assertThat(gateway.metric(decisions, route, "decision=\"would_deny\"", "reason=\"tenant_not_allowed\""))
            .isEqualTo(forwarded);
        assertThat(gateway.metric(decisions, route, "decision=\"deny\"", "reason=\"mfa_required\""))
            .isEqualTo(refused.get());
        assertThat(gateway.metric("mfa_gateway_config_reloads_total", "outcome=\"applied\"")).isEqualTo(RELOADS);
        assertThat(gateway.metric("mfa_gateway_config_reloads_total", "outcome=\"rejected\"")).isZero();
      } finally {
        clients.shutdownNow();
      }
    }
  }

  /** The rollout route on `/` in {@code mode}, with {@code tenant} the only one allowed. */
  private static String rollout(TestIssuer issuer, RecordingServer upstream, String mode, String tenant) {
    return RunningGateway.config(issuer.jwksUri(),
            RunningGateway.route("rollout", "/", upstream.uri(), TestIssuer.AUDIENCE, ", mode = " + mode))
        + "gateway.auth.allowed-tenants = [\"" + tenant + "\"]\n";
  }

  /** One client: requests one after another on one connection until the reloads are done; returns how many. */
  private int sendUntil(RunningGateway gateway, String authorization, AtomicBoolean reloadsDone) throws IOException {
    int sent = 0;
    try (KeepAliveConnection connection = new KeepAliveConnection(gateway.address())) {
      while (sent < MAX_REQUESTS_PER_CLIENT && (sent < MIN_REQUESTS_PER_CLIENT || !reloadsDone.get())) {
        sent++;
        KeepAliveConnection.Response response;
        try {
          response = connection.get("/v1/customers?n=" + sent, authorization);
        } catch (IOException e) {
          failures.incrementAndGet();
          throw e;
        }
        classify(response);
        answered.incrementAndGet();
      }
    }
    return sent;
  }

  private void classify(KeepAliveConnection.Response response) {
    String wwwAuthenticate = response.headers().getOrDefault("www-authenticate", "");
    if (response.status() == 200 && response.body().equals(UPSTREAM_BODY)) {
      forwardedIds.add(response.headers().get("x-request-id"));
    } else if (response.status() == 401 && response.body().contains("\"reason\":\"mfa_required\"")
        && wwwAuthenticate.contains("error=\"insufficient_user_authentication\"")) {
      refused.incrementAndGet();
    } else {
      inconsistent.add(response.status() + " " + response.body());
    }
  }

  /** Lets some requests through under the configuration just applied before the next reload. */
  private void awaitTraffic() throws Exception {
    int mark = answered.get();
    Poll.until("requests between reloads", Duration.ofSeconds(30),
        () -> answered.get() >= mark + REQUESTS_BETWEEN_RELOADS || failures.get() > 0);
    assertThat(failures).as("requests without a response").hasValue(0);
  }
}
