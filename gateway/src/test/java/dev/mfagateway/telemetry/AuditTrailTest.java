package dev.mfagateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mfagateway.Gateway;
import dev.mfagateway.auth.Reason;
import dev.mfagateway.config.ConfigLoader;
import dev.mfagateway.testing.RefusalCases;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every refusal reason through the real gateway, enforcing and in report-only, with all log output of the process
 * captured at every level: each refusal leaves exactly one audit line with the SPEC §8 fields and one access line, and
 * no line anywhere holds a token, its payload or its signature.
 */
@Timeout(120)
class AuditTrailTest {
  private static final String USER_AGENT = "audit-trail-test/1.0";
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Sent(String requestId, String route, String decision, Reason reason, RefusalCases.Case refusal) {}

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void everyRefusalHasOneAuditLineAndNoLogLineHoldsTokenMaterial() throws Exception {
    List<Sent> sent = new ArrayList<>();
    List<String> secrets = new ArrayList<>();
    List<String> lines;
    try (TestIssuer issuer = TestIssuer.start();
        ScriptedUpstream upstream = new ScriptedUpstream(Duration.ZERO);
        CapturedLog log = CapturedLog.everything();
        Gateway gateway = Gateway.start(ConfigLoader.fromString(config(upstream, issuer.jwksUri().toString())));
        Gateway keyless = Gateway.start(ConfigLoader.fromString(
            config(upstream, "http://127.0.0.1:" + PrometheusHarness.freePort() + "/keys")))) {
      gateway.firstKeyFetch().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(gateway.isReady()).isTrue();
      List<RefusalCases.Case> cases = RefusalCases.all(issuer);
      for (int i = 0; i < cases.size(); i++) {
        RefusalCases.Case refusal = cases.get(i);
        secrets.addAll(refusal.tokens());
        sent.add(send(gateway, "enforce-" + i, "/pc/v1/customers", "partner-center", refusal, "deny",
            refusal.reason().status()));
        boolean forwarded = refusal.authorization().size() <= 1;
        sent.add(send(gateway, "report-" + i, "/graph/v1.0/me", "graph", refusal,
            forwarded ? "would_deny" : "deny", forwarded ? 200 : refusal.reason().status()));
      }
      String valid = issuer.mint(TestIssuer.userClaims(Instant.now()));
      secrets.add(valid);
      RefusalCases.Case noKeys = new RefusalCases.Case(Reason.KEYS_UNAVAILABLE, List.of("Bearer " + valid), "",
          List.of(valid));
      sent.add(send(keyless, "keys-enforce", "/pc/v1/customers", "partner-center", noKeys, "deny", 503));
      sent.add(send(keyless, "keys-report", "/graph/v1.0/me", "graph", noKeys, "would_deny", 200));
      hostile(gateway, "GET /pc/ HTTP/1.1\r\nHost: gw\r\nX-Request-Id: hostile-1\r\nAuthorization: Bearer " + valid
          + "\r\nX-Folded: a\r\n b\r\n\r\n");
      lines = awaitAccessLines(log, sent.size() + 1);
    }

    List<JsonNode> parsed = new ArrayList<>();
    for (String line : lines) {
      for (String token : secrets) {
        String[] segments = token.split("\\.");
        assertThat(line).doesNotContain(token).doesNotContain(segments[1]).doesNotContain(segments[2]);
      }
      parsed.add(JSON.readTree(line));
    }
    for (Sent request : sent) {
      List<JsonNode> audit = linesOf(parsed, "refusal", request.requestId());
      assertThat(audit).as("audit lines of " + request).hasSize(1);
      JsonNode line = audit.get(0);
      assertThat(line.path("log.logger").asText()).isEqualTo(AuditLog.AUDIT_LOGGER);
      assertThat(line.path("route").asText()).isEqualTo(request.route());
      assertThat(line.path("decision").asText()).isEqualTo(request.decision());
      assertThat(line.path("reason").asText()).isEqualTo(request.reason().wireName());
      assertThat(line.path("client").asText()).isEqualTo("127.0.0.1");
      assertThat(line.path("user_agent").asText()).isEqualTo(USER_AGENT);
      assertThat(line.has("tid") && line.has("app_id") && line.has("oid")).isTrue();
      switch (request.reason()) {
        case TENANT_NOT_ALLOWED -> assertIdentity(line, RefusalCases.OTHER_TENANT, TestIssuer.APP_ID);
        case MFA_REQUIRED -> assertIdentity(line, TestIssuer.TENANT, TestIssuer.APP_ID);
        case APP_ONLY_NOT_ALLOWED -> assertIdentity(line, TestIssuer.TENANT, TestConfigs.CPV_APP_ID);
        default -> { }
      }
      assertThat(linesOf(parsed, "access", request.requestId())).as("access lines of " + request).hasSize(1);
    }
    // A head refused for its shape is not trusted for its request id: the line is found by its reason.
    List<JsonNode> hostile = parsed.stream().filter(line -> line.path("reason").asText().equals("bad_http")).toList();
    assertThat(hostile).hasSize(1);
    assertThat(hostile.get(0).path("event").asText()).isEqualTo("access");
    assertThat(hostile.get(0).path("status").asInt()).isEqualTo(400);
    assertThat(hostile.get(0).path("decision").asText()).isEqualTo("deny");
    assertThat(hostile.get(0).path("route").isNull()).isTrue();
    // Refused on its raw bytes, before its request line was parsed: no method or path stands in for it.
    assertThat(hostile.get(0).path("method").isNull()).isTrue();
    assertThat(hostile.get(0).path("path").isNull()).isTrue();
  }

  /** Raw bytes on a new connection; waits for the gateway's answer and close. */
  private static void hostile(Gateway gateway, String request) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", gateway.address().getPort())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1))
          .startsWith("HTTP/1.1 400");
    }
  }

  private static void assertIdentity(JsonNode line, String tenant, String appId) {
    assertThat(line.path("tid").asText()).isEqualTo(tenant);
    assertThat(line.path("app_id").asText()).isEqualTo(appId);
    assertThat(line.path("oid").asText()).isNotBlank();
  }

  private static String config(ScriptedUpstream upstream, String jwksUri) {
    return """
        gateway {
          listen { host = "127.0.0.1", port = 0 }
          admin { host = "127.0.0.1", port = 0 }
          routes = [
            { name = partner-center, path-prefix = "/pc/", upstream = "%1$s", audiences = ["%2$s"] }
            { name = graph, path-prefix = "/graph/", upstream = "%1$s", audiences = ["%2$s"], mode = report-only }
          ]
          auth { jwks-uri = "%3$s", allowed-tenants = ["%4$s"], cpv-app-ids = ["%5$s"] }
          logging.access-log = all
          server.shutdown-grace = 1s
        }
        """.formatted(upstream.uri(), TestIssuer.AUDIENCE, jwksUri, TestIssuer.TENANT, TestConfigs.CPV_APP_ID);
  }

  private Sent send(Gateway gateway, String requestId, String path, String route, RefusalCases.Case refusal,
      String decision, int expectedStatus) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.address().getPort() + path + refusal.query()))
            .timeout(Duration.ofSeconds(10))
            .header("X-Request-Id", requestId)
            .header("User-Agent", USER_AGENT);
    refusal.authorization().forEach(value -> request.header("Authorization", value));
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(requestId + " " + refusal.reason()).isEqualTo(expectedStatus);
    return new Sent(requestId, route, decision, refusal.reason(), refusal);
  }

  /** The access line of a request is written once its exchange ends, just after the client has its answer. */
  private static List<String> awaitAccessLines(CapturedLog log, int expected) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (log.lines().stream().filter(line -> line.contains("\"event\":\"access\"")).count() < expected) {
      assertThat(System.nanoTime()).as(expected + " access lines").isLessThan(deadline);
      Thread.onSpinWait();
    }
    return log.lines();
  }

  private static List<JsonNode> linesOf(List<JsonNode> lines, String event, String requestId) {
    return lines.stream()
        .filter(line -> line.path("event").asText().equals(event))
        .filter(line -> line.path("request_id").asText().equals(requestId))
        .toList();
  }
}
