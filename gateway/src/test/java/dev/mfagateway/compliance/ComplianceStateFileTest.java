package dev.mfagateway.compliance;

import static dev.mfagateway.compliance.ComplianceReportEndToEndTest.APP_A;
import static dev.mfagateway.compliance.ComplianceReportEndToEndTest.APP_B;
import static dev.mfagateway.compliance.ComplianceReportEndToEndTest.CPV;
import static dev.mfagateway.compliance.ComplianceReportEndToEndTest.T1;
import static dev.mfagateway.compliance.ComplianceReportEndToEndTest.T2;
import static dev.mfagateway.compliance.ComplianceReportEndToEndTest.T3;
import static dev.mfagateway.compliance.Reports.app;
import static dev.mfagateway.compliance.Reports.tenant;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mfagateway.e2e.RecordingServer;
import dev.mfagateway.telemetry.CapturedLog;
import dev.mfagateway.testing.MutableClock;
import dev.mfagateway.testing.TestIssuer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `gateway.compliance.state-file`: a gateway closed and started again on the same file reports the same figures in
 * every window, with the same `since`; a corrupt file (garbage, another format, a truncated file) is logged as a WARN
 * and ignored (the gateway starts with an empty report), and the next save replaces it.
 */
class ComplianceStateFileTest {
  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  private static final String SALT = "state file test salt";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TestIssuer ISSUER = TestIssuer.start();
  private static final CallTokens TOKENS = new CallTokens(ISSUER);
  private static RecordingServer upstream;

  @TempDir Path dir;

  @BeforeAll
  static void startUpstream() throws Exception {
    upstream = new RecordingServer("{}");
  }

  @AfterAll
  static void stopAll() {
    upstream.close();
    ISSUER.close();
  }

  private ReportGateway start(Path stateFile, MutableClock clock) throws Exception {
    Path salt = dir.resolve("salt");
    Files.writeString(salt, SALT);
    String compliance = "state-file = \"%s\", users = hashed, user-salt-file = \"%s\", top-k = 3"
        .formatted(stateFile, salt);
    return ReportGateway.start(ReportGateway.config(ISSUER.jwksUri(), upstream.uri(), compliance), clock);
  }

  /** Traffic over several tenants, apps, verdicts and minutes, with refusals that cannot be attributed. */
  private static void sendTraffic(ReportGateway gateway, MutableClock clock) throws Exception {
    assertThat(gateway.call("/orders", TOKENS.user(T1, APP_A, "alice", true))).isEqualTo(200);
    assertThat(gateway.call("/orders", TOKENS.user(T1, APP_A, "bob", false))).isEqualTo(401);
    clock.advance(Duration.ofMinutes(7));
    assertThat(gateway.call("/report/orders", TOKENS.user(T1, APP_A, "bob", false))).isEqualTo(200);
    assertThat(gateway.call("/orders", TOKENS.appOnly(T1, CPV))).isEqualTo(403);
    assertThat(gateway.call("/orders", TOKENS.appOnly(T1, APP_B))).isEqualTo(200);
    assertThat(gateway.call("/orders", TOKENS.user(T1, null, "carol", true))).isEqualTo(200);
    clock.advance(Duration.ofMinutes(65));
    assertThat(gateway.call("/orders", TOKENS.user(T2, APP_A, "dave", true))).isEqualTo(200);
    assertThat(gateway.call("/orders", TOKENS.user(T3, APP_B, "erin", true))).isEqualTo(403);
    assertThat(gateway.call("/orders", TOKENS.user("d4e5f6a7-0000-4000-8000-000000000004", APP_B, "f", true)))
        .isEqualTo(403);
    assertThat(gateway.call("/orders", CallTokens.malformed())).isEqualTo(401);
    assertThat(gateway.call("/orders", TOKENS.expired(T1, APP_A))).isEqualTo(401);
  }

  /** The reports of every window, without the time they were generated at. */
  private static List<JsonNode> allWindows(ReportGateway gateway) throws Exception {
    return List.of(withoutGeneratedAt(gateway.report("all")), withoutGeneratedAt(gateway.report("1h")),
        withoutGeneratedAt(gateway.report("24h")));
  }

  private static JsonNode withoutGeneratedAt(JsonNode report) {
    ObjectNode copy = report.deepCopy();
    copy.remove("generated_at");
    return copy;
  }

  @Test
  void aRestartOnTheSameFileKeepsEveryFigureAndSince() throws Exception {
    Path file = dir.resolve("compliance-state.json");
    MutableClock clock = new MutableClock(T0);
    List<JsonNode> before;
    try (ReportGateway gateway = start(file, clock)) {
      sendTraffic(gateway, clock);
      before = allWindows(gateway);
    }
    assertThat(file).exists();
    assertThat(before.get(0).get("tenants")).hasSize(3);
    assertThat(before.get(0).get("other").get("calls").asLong()).isEqualTo(1);
    assertThat(Reports.tenantIds(before.get(1))).as("1h holds only the last hour").containsExactly(T2, T3);

    clock.advance(Duration.ofMinutes(3));
    try (ReportGateway gateway = start(file, clock)) {
      assertThat(allWindows(gateway)).isEqualTo(before);
      assertThat(gateway.report().get("since").asText()).isEqualTo("2026-11-25T10:00:00Z");
      assertThat(app(tenant(gateway.report(), T1), APP_A).get("users_without_mfa"))
          .isEqualTo(Reports.parse("[{\"user_hash\": \"%s\", \"calls\": 2}]".formatted(UserHashes.of(SALT, "bob"))));

      assertThat(gateway.call("/orders", TOKENS.user(T1, APP_A, "bob", false))).isEqualTo(401);
      JsonNode appA = app(tenant(gateway.report(), T1), APP_A);
      assertThat(appA.get("calls").asLong()).isEqualTo(app(tenant(before.get(0), T1), APP_A).get("calls").asLong() + 1);
      assertThat(appA.get("denied")).isEqualTo(Reports.parse("{\"mfa_required\": 2}"));
      assertThat(appA.get("first_seen").asText()).isEqualTo("2026-11-25T10:00:00Z");
      assertThat(appA.get("last_seen").asText()).isEqualTo("2026-11-25T11:15:00Z");
      assertThat(appA.get("users_without_mfa"))
          .isEqualTo(Reports.parse("[{\"user_hash\": \"%s\", \"calls\": 3}]".formatted(UserHashes.of(SALT, "bob"))));
    }
  }

  @Test
  void aMissingFileStartsAnEmptyReportWithoutWarning() throws Exception {
    Path file = dir.resolve("not-yet.json");
    try (CapturedLog log = new CapturedLog(StateFile.class.getName());
        ReportGateway gateway = start(file, new MutableClock(T0))) {
      assertEmpty(gateway.report(), T0);
      assertThat(warnings(log)).isEmpty();
    }
    assertThat(file).exists();
  }

  @Test
  void garbageIsIgnored() throws Exception {
    assertIgnoredAndReplaced("garbage".getBytes(StandardCharsets.UTF_8), "Unrecognized token");
  }

  @Test
  void binaryGarbageIsIgnored() throws Exception {
    assertIgnoredAndReplaced(new byte[] {0, (byte) 0xff, 0x7b, 0x22, 0, 1, 2}, "ignored");
  }

  @Test
  void anEmptyFileIsIgnored() throws Exception {
    assertIgnoredAndReplaced(new byte[0], "not a compliance state file");
  }

  @Test
  void aJsonOfAnotherFormatIsIgnored() throws Exception {
    assertIgnoredAndReplaced("{\"tenants\": [], \"since\": \"2026-11-25T10:00:00Z\"}".getBytes(StandardCharsets.UTF_8),
        "not a compliance state file");
    assertIgnoredAndReplaced("[1, 2, 3]".getBytes(StandardCharsets.UTF_8), "not a compliance state file");
  }

  @Test
  void aFileOfAnotherVersionIsIgnored() throws Exception {
    String file =
        "{\"format\": \"mfa-gateway-compliance-state\", \"version\": 99, \"since\": \"2026-11-25T10:00:00Z\"}";
    assertIgnoredAndReplaced(file.getBytes(StandardCharsets.UTF_8), "unsupported version 99");
  }

  @Test
  void aFileOfTheRightFormatWithBadCountsIsIgnoredWhole() throws Exception {
    ObjectNode state = (ObjectNode) JSON.readTree(savedState());
    ((ObjectNode) state.get("unattributed").get("all")).put("expired", -3);
    assertIgnoredAndReplaced(JSON.writeValueAsBytes(state), "expired is not a non-negative integer");
  }

  @Test
  void aTruncatedFileIsIgnored() throws Exception {
    byte[] saved = savedState();
    assertIgnoredAndReplaced(Arrays.copyOf(saved, saved.length / 2), "Unexpected end-of-input");
  }

  /** A state file as a gateway saves it, after {@link #sendTraffic}. */
  private byte[] savedState() throws Exception {
    Path file = dir.resolve("saved.json");
    MutableClock clock = new MutableClock(T0);
    try (ReportGateway gateway = start(file, clock)) {
      sendTraffic(gateway, clock);
    }
    JsonNode saved = JSON.readTree(file.toFile());
    assertThat(saved.get("format").asText()).isEqualTo("mfa-gateway-compliance-state");
    return Files.readAllBytes(file);
  }

  /**
   * Starts a gateway on a state file holding {@code content}: it must start with an empty report, log one WARN naming
   * the file and {@code why}, and on close replace the file with its own state, which a next gateway restores.
   */
  private void assertIgnoredAndReplaced(byte[] content, String why) throws Exception {
    Path file = dir.resolve("corrupt.json");
    Files.write(file, content);
    Instant start = Instant.parse("2026-12-01T08:00:00Z");
    MutableClock clock = new MutableClock(start);
    try (CapturedLog log = new CapturedLog(StateFile.class.getName());
        ReportGateway gateway = start(file, clock)) {
      assertEmpty(gateway.report(), start);
      assertThat(warnings(log)).singleElement().satisfies(message -> {
        assertThat(message).contains(file.toString()).contains("ignored").contains(why);
      });
      assertThat(gateway.call("/orders", TOKENS.user(T1, APP_A, "alice", true))).isEqualTo(200);
    }
    assertThat(JSON.readTree(file.toFile()).get("format").asText()).isEqualTo("mfa-gateway-compliance-state");
    clock.advance(Duration.ofMinutes(1));
    try (ReportGateway gateway = start(file, clock)) {
      JsonNode report = gateway.report();
      assertThat(report.get("since").asText()).isEqualTo(start.toString());
      assertThat(Reports.tenantIds(report)).containsExactly(T1);
      assertThat(app(tenant(report, T1), APP_A).get("calls").asLong()).isEqualTo(1);
    }
  }

  private static void assertEmpty(JsonNode report, Instant since) {
    assertThat(report.get("since").asText()).isEqualTo(since.toString());
    assertThat(report.get("tenants")).isEmpty();
    Reports.assertFigures(report.get("other"), Reports.noCalls());
    assertThat(report.get("unattributed")).isEmpty();
  }

  /** The messages of the WARN lines logged. */
  private static List<String> warnings(CapturedLog log) throws Exception {
    List<String> warnings = new ArrayList<>();
    for (String line : log.lines()) {
      JsonNode event = JSON.readTree(line);
      if (event.path("log.level").asText().equals("WARN")) {
        warnings.add(event.path("message").asText());
      }
    }
    return warnings;
  }
}
