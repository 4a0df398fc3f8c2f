package dev.mfagateway.compliance;

import static dev.mfagateway.compliance.Reports.app;
import static dev.mfagateway.compliance.Reports.appIds;
import static dev.mfagateway.compliance.Reports.assertFigures;
import static dev.mfagateway.compliance.Reports.tenant;
import static dev.mfagateway.compliance.Reports.tenantIds;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mfagateway.e2e.RecordingServer;
import dev.mfagateway.testing.MutableClock;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §7 end to end: real requests through the real gateway (real upstream, real JWKS), then `/compliance` read from
 * the admin port. Every figure must equal what the test sent: per tenant and app, each refusal reason, user and
 * app-only tokens, enforce and report-only, claims-only routes, and forged tokens only ever in `unattributed`.
 */
class ComplianceReportEndToEndTest {
  static final String T1 = TestIssuer.TENANT;
  static final String T2 = ReportGateway.TENANT_2;
  /** Validly signed, but not one of the partner's tenants. */
  static final String T3 = "c3a1d5e7-0f2b-4c6d-8e9f-a1b2c3d4e5f6";
  /** The tenant every forged token claims: it must never show up. */
  static final String FORGED_TID = "f0f0f0f0-dead-4bad-beef-f0f0f0f0f0f0";
  static final String APP_A = TestIssuer.APP_ID;
  static final String APP_B = "4d6f2a80-3c1b-4e5d-9a7f-0b1c2d3e4f50";
  static final String CPV = TestConfigs.CPV_APP_ID;
  static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

  private static final TestIssuer ISSUER = TestIssuer.start();
  private static final CallTokens TOKENS = new CallTokens(ISSUER);
  private static RecordingServer upstream;
  private final MutableClock clock = new MutableClock(T0);
  private ReportGateway gateway;

  @BeforeAll
  static void startUpstream() throws Exception {
    upstream = new RecordingServer("{}");
  }

  @AfterAll
  static void stopAll() {
    upstream.close();
    ISSUER.close();
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (gateway != null) {
      gateway.close();
    }
  }

  private ReportGateway start(String compliance) throws Exception {
    upstream.clear();
    gateway = ReportGateway.start(ReportGateway.config(ISSUER.jwksUri(), upstream.uri(), compliance), clock);
    return gateway;
  }

  private void expect(int status, String target, String token) throws Exception {
    assertThat(gateway.call(target, token)).as("%s", target).isEqualTo(status);
  }

  @Test
  void enforcedTrafficIsCountedPerTenantAndAppExactly() throws Exception {
    start("");
    for (int i = 0; i < 3; i++) {
      expect(200, "/orders", TOKENS.user(T1, APP_A, "user-1", true));
    }
    expect(401, "/orders", TOKENS.user(T1, APP_A, "user-2", false));
    expect(401, "/orders", TOKENS.user(T1, APP_A, "user-3", false));
    clock.advance(Duration.ofSeconds(90));
    expect(401, "/orders", TOKENS.user(T1, APP_A, "user-1", c -> c.put("aud", "https://graph.microsoft.com")));
    expect(200, "/orders", TOKENS.appOnly(T1, APP_B));
    expect(200, "/orders", TOKENS.appOnly(T1, APP_B));
    expect(403, "/strict/orders", TOKENS.appOnly(T1, APP_B));
    expect(403, "/orders", TOKENS.appOnly(T1, CPV));
    expect(403, "/orders", TOKENS.appOnly(T1, CPV));
    expect(200, "/orders", TOKENS.user(T1, CPV, "user-1", true));
    expect(200, "/orders", TOKENS.user(T1, null, "user-1", true));
    expect(200, "/orders", TOKENS.user(T2, APP_A, "user-4",
        c -> c.put("iss", TestIssuer.V2_ISSUER.replace("{tenantid}", T2))));
    expect(401, "/orders", TOKENS.user(T2, APP_A, "user-4", c -> c.put("amr", "mfa")));
    expect(403, "/orders", TOKENS.user(T3, APP_A, "user-5", true));
    expect(403, "/orders", TOKENS.appOnly(T3, APP_B));
    sendForgedTokens("/orders", 401);

    JsonNode report = gateway.report();
    assertThat(report.get("since").asText()).isEqualTo("2026-11-25T10:00:00Z");
    assertThat(report.get("window").asText()).isEqualTo("all");
    assertThat(report.get("generated_at").asText()).isEqualTo("2026-11-25T10:01:30Z");
    assertThat(tenantIds(report)).containsExactly(T1, T2, T3);

    JsonNode t1 = tenant(report, T1);
    assertThat(appIds(t1)).containsExactly(APP_A, APP_B, CPV, null);
    assertFigures(t1, """
        {"calls": 13, "allowed": 7, "app_only": 5, "cpv_app_only": 2, "user_calls": 8, "user_calls_without_mfa": 2,
         "mfa_share": 0.75, "denied": {"mfa_required": 2, "wrong_audience": 1, "app_only_not_allowed": 3},
         "would_deny": {}, "first_seen": "2026-11-25T10:00:00Z", "last_seen": "2026-11-25T10:01:30Z"}""");
    assertFigures(app(t1, APP_A), """
        {"calls": 6, "allowed": 3, "app_only": 0, "cpv_app_only": 0, "user_calls": 6, "user_calls_without_mfa": 2,
         "mfa_share": 0.6667, "denied": {"mfa_required": 2, "wrong_audience": 1}, "would_deny": {},
         "first_seen": "2026-11-25T10:00:00Z", "last_seen": "2026-11-25T10:01:30Z"}""");
    assertFigures(app(t1, APP_B), """
        {"calls": 3, "allowed": 2, "app_only": 3, "cpv_app_only": 0, "user_calls": 0, "user_calls_without_mfa": 0,
         "mfa_share": null, "denied": {"app_only_not_allowed": 1}, "would_deny": {},
         "first_seen": "2026-11-25T10:01:30Z", "last_seen": "2026-11-25T10:01:30Z"}""");
    assertFigures(app(t1, CPV), """
        {"calls": 3, "allowed": 1, "app_only": 2, "cpv_app_only": 2, "user_calls": 1, "user_calls_without_mfa": 0,
         "mfa_share": 1.0, "denied": {"app_only_not_allowed": 2}, "would_deny": {},
         "first_seen": "2026-11-25T10:01:30Z", "last_seen": "2026-11-25T10:01:30Z"}""");
    assertFigures(app(t1, null), """
        {"calls": 1, "allowed": 1, "app_only": 0, "cpv_app_only": 0, "user_calls": 1, "user_calls_without_mfa": 0,
         "mfa_share": 1.0, "denied": {}, "would_deny": {},
         "first_seen": "2026-11-25T10:01:30Z", "last_seen": "2026-11-25T10:01:30Z"}""");
    assertFigures(t1.get("other"), Reports.noCalls());

    JsonNode t2 = tenant(report, T2);
    assertThat(appIds(t2)).containsExactly(APP_A);
    assertFigures(app(t2, APP_A), """
        {"calls": 2, "allowed": 1, "app_only": 0, "cpv_app_only": 0, "user_calls": 2, "user_calls_without_mfa": 1,
         "mfa_share": 0.5, "denied": {"mfa_required": 1}, "would_deny": {},
         "first_seen": "2026-11-25T10:01:30Z", "last_seen": "2026-11-25T10:01:30Z"}""");

    JsonNode t3 = tenant(report, T3);
    assertThat(appIds(t3)).containsExactly(APP_A, APP_B);
    assertFigures(app(t3, APP_A), """
        {"calls": 1, "allowed": 0, "app_only": 0, "cpv_app_only": 0, "user_calls": 1, "user_calls_without_mfa": 0,
         "mfa_share": 1.0, "denied": {"tenant_not_allowed": 1}, "would_deny": {},
         "first_seen": "2026-11-25T10:01:30Z", "last_seen": "2026-11-25T10:01:30Z"}""");
    assertFigures(app(t3, APP_B), """
        {"calls": 1, "allowed": 0, "app_only": 1, "cpv_app_only": 0, "user_calls": 0, "user_calls_without_mfa": 0,
         "mfa_share": null, "denied": {"tenant_not_allowed": 1}, "would_deny": {},
         "first_seen": "2026-11-25T10:01:30Z", "last_seen": "2026-11-25T10:01:30Z"}""");

    assertFigures(report.get("other"), Reports.noCalls());
    assertThat(report.get("unattributed")).isEqualTo(Reports.parse(FORGED_UNATTRIBUTED));
    assertThat(report.toString()).doesNotContain(FORGED_TID);
    assertThat(upstream.received()).hasSize(8);
  }

  /** What {@link #sendForgedTokens} sends, by reason. */
  private static final String FORGED_UNATTRIBUTED = """
      {"missing_token": 2, "malformed_request": 1, "malformed_token": 1, "algorithm_not_allowed": 1, "unknown_key": 1,
       "bad_signature": 2, "expired": 1, "not_yet_valid": 1, "wrong_issuer": 1, "invalid_claim": 1}""";

  /**
   * Tokens refused before their tenant is proven, each claiming {@link #FORGED_TID} (one claims {@link #T1}'s app
   * {@link #APP_A}, which must not count for it either), answered with {@code status} (except the 400 for two
   * `Authorization` headers, which report-only does not forward either).
   */
  private void sendForgedTokens(String target, int status) throws Exception {
    assertThat(gateway.send(target, List.of())).isEqualTo(status);
    assertThat(gateway.send(target, List.of())).isEqualTo(status);
    assertThat(gateway.send(target, List.of("Bearer " + TOKENS.user(T1, APP_A, "user-1", true),
        "Bearer " + TOKENS.user(T1, APP_A, "user-1", true)))).isEqualTo(400);
    expect(status, target, CallTokens.malformed());
    expect(status, target, TOKENS.hs256(FORGED_TID, APP_A));
    expect(status, target, TOKENS.unknownKey(FORGED_TID, APP_A));
    expect(status, target, TOKENS.badSignature(FORGED_TID, APP_A));
    expect(status, target, TOKENS.badSignature(T1, APP_A));
    expect(status, target, TOKENS.expired(FORGED_TID, APP_A));
    expect(status, target, TOKENS.notYetValid(FORGED_TID, APP_A));
    expect(status, target, TOKENS.wrongIssuer(FORGED_TID, APP_A));
    expect(status, target, TOKENS.invalidClaim(FORGED_TID, APP_A));
  }

  @Test
  void reportOnlyCountsWouldDenyBesideTheEnforcedDenials() throws Exception {
    start("");
    expect(200, "/report/orders", TOKENS.user(T1, APP_A, "user-1", true));
    expect(200, "/report/orders", TOKENS.user(T1, APP_A, "user-2", false));
    expect(200, "/report/orders", TOKENS.user(T1, APP_A, "user-2", false));
    expect(401, "/orders", TOKENS.user(T1, APP_A, "user-2", false));
    expect(200, "/report/orders", TOKENS.appOnly(T1, CPV));
    expect(200, "/report/orders", TOKENS.appOnly(T1, APP_B));
    expect(200, "/report/orders", TOKENS.user(T3, APP_A, "user-5", true));
    sendForgedTokens("/report/orders", 200);

    JsonNode report = gateway.report("all");
    assertThat(tenantIds(report)).containsExactly(T1, T3);
    JsonNode t1 = tenant(report, T1);
    assertFigures(app(t1, APP_A), """
        {"calls": 4, "allowed": 1, "app_only": 0, "cpv_app_only": 0, "user_calls": 4, "user_calls_without_mfa": 3,
         "mfa_share": 0.25, "denied": {"mfa_required": 1}, "would_deny": {"mfa_required": 2},
         "first_seen": "2026-11-25T10:00:00Z", "last_seen": "2026-11-25T10:00:00Z"}""");
    assertFigures(app(t1, CPV), """
        {"calls": 1, "allowed": 0, "app_only": 1, "cpv_app_only": 1, "user_calls": 0, "user_calls_without_mfa": 0,
         "mfa_share": null, "denied": {}, "would_deny": {"app_only_not_allowed": 1},
         "first_seen": "2026-11-25T10:00:00Z", "last_seen": "2026-11-25T10:00:00Z"}""");
    assertFigures(app(t1, APP_B), """
        {"calls": 1, "allowed": 1, "app_only": 1, "cpv_app_only": 0, "user_calls": 0, "user_calls_without_mfa": 0,
         "mfa_share": null, "denied": {}, "would_deny": {},
         "first_seen": "2026-11-25T10:00:00Z", "last_seen": "2026-11-25T10:00:00Z"}""");
    assertFigures(app(tenant(report, T3), APP_A), """
        {"calls": 1, "allowed": 0, "app_only": 0, "cpv_app_only": 0, "user_calls": 1, "user_calls_without_mfa": 0,
         "mfa_share": 1.0, "denied": {}, "would_deny": {"tenant_not_allowed": 1},
         "first_seen": "2026-11-25T10:00:00Z", "last_seen": "2026-11-25T10:00:00Z"}""");
    assertThat(report.get("unattributed")).isEqualTo(Reports.parse(FORGED_UNATTRIBUTED));
    assertThat(report.toString()).doesNotContain(FORGED_TID);
    // Everything but the enforced refusal and the request with two Authorization headers reached the upstream.
    assertThat(upstream.received()).hasSize(6 + 11);
  }

  @Test
  void claimsOnlyRouteAttributesOnlyTheAllowedTenants() throws Exception {
    start("");
    expect(200, "/claims/orders", TOKENS.badSignature(T1, APP_A));
    expect(401, "/claims/orders", TOKENS.user(T1, APP_A, "user-2", false));
    expect(403, "/claims/orders", TOKENS.badSignature(FORGED_TID, APP_A));
    expect(403, "/claims/orders", TOKENS.user(T3, APP_B, "user-5", true));
    expect(401, "/claims/orders", TOKENS.expired(T1, APP_A));

    JsonNode report = gateway.report();
    assertThat(tenantIds(report)).containsExactly(T1);
    JsonNode t1 = tenant(report, T1);
    assertThat(appIds(t1)).containsExactly(APP_A);
    assertFigures(app(t1, APP_A), """
        {"calls": 2, "allowed": 1, "app_only": 0, "cpv_app_only": 0, "user_calls": 2, "user_calls_without_mfa": 1,
         "mfa_share": 0.5, "denied": {"mfa_required": 1}, "would_deny": {},
         "first_seen": "2026-11-25T10:00:00Z", "last_seen": "2026-11-25T10:00:00Z"}""");
    assertThat(report.get("unattributed"))
        .isEqualTo(Reports.parse("{\"tenant_not_allowed\": 2, \"expired\": 1}"));
    assertThat(report.toString()).doesNotContain(FORGED_TID).doesNotContain(T3);
  }

  @Test
  void topKOverflowsIntoOtherForTenantsAndApps() throws Exception {
    start("top-k = 2");
    for (int i = 0; i < 3; i++) {
      expect(200, "/orders", TOKENS.user(T1, APP_A, "user-1", true));
    }
    expect(200, "/orders", TOKENS.user(T1, APP_B, "user-1", true));
    expect(401, "/orders", TOKENS.user(T1, CPV, "user-1", false));
    expect(403, "/orders", TOKENS.appOnly(T1, CPV));
    expect(200, "/orders", TOKENS.user(T2, APP_A, "user-4", true));
    expect(403, "/orders", TOKENS.user(T3, APP_A, "user-5", false));
    expect(403, "/orders", TOKENS.appOnly("d4e5f6a7-0000-4000-8000-000000000004", APP_B));

    JsonNode report = gateway.report();
    assertThat(tenantIds(report)).containsExactly(T1, T2);
    JsonNode t1 = tenant(report, T1);
    assertThat(appIds(t1)).containsExactly(APP_A, APP_B);
    assertFigures(t1.get("other"), """
        {"calls": 2, "allowed": 0, "app_only": 1, "cpv_app_only": 1, "user_calls": 1, "user_calls_without_mfa": 1,
         "mfa_share": 0.0, "denied": {"mfa_required": 1, "app_only_not_allowed": 1}, "would_deny": {},
         "first_seen": "2026-11-25T10:00:00Z", "last_seen": "2026-11-25T10:00:00Z"}""");
    assertFigures(t1, """
        {"calls": 6, "allowed": 4, "app_only": 1, "cpv_app_only": 1, "user_calls": 5, "user_calls_without_mfa": 1,
         "mfa_share": 0.8, "denied": {"mfa_required": 1, "app_only_not_allowed": 1}, "would_deny": {},
         "first_seen": "2026-11-25T10:00:00Z", "last_seen": "2026-11-25T10:00:00Z"}""");
    assertFigures(report.get("other"), """
        {"calls": 2, "allowed": 0, "app_only": 1, "cpv_app_only": 0, "user_calls": 1, "user_calls_without_mfa": 1,
         "mfa_share": 0.0, "denied": {"tenant_not_allowed": 2}, "would_deny": {},
         "first_seen": "2026-11-25T10:00:00Z", "last_seen": "2026-11-25T10:00:00Z"}""");
    assertThat(report.toString()).doesNotContain(T3);
  }

  @Test
  void hashedUsersListTheUsersWithoutMfaAndNeverTheirObjectIds(@TempDir Path dir)
      throws Exception {
    Path salt = dir.resolve("salt");
    Files.writeString(salt, "a salt of the partner's");
    String users = "users = hashed, user-salt-file = \"" + salt + "\"";
    start(users);
    String alice = "11111111-aaaa-4aaa-8aaa-111111111111";
    String bob = "22222222-bbbb-4bbb-8bbb-222222222222";
    String carol = "33333333-cccc-4ccc-8ccc-333333333333";
    expect(401, "/orders", TOKENS.user(T1, APP_A, alice, false));
    expect(401, "/orders", TOKENS.user(T1, APP_A, alice, false));
    expect(200, "/report/orders", TOKENS.user(T1, APP_A, bob, false));
    expect(200, "/orders", TOKENS.user(T1, APP_A, carol, true));
    expect(200, "/orders", TOKENS.appOnly(T1, APP_B));

    JsonNode report = gateway.report();
    JsonNode t1 = tenant(report, T1);
    assertThat(app(t1, APP_A).get("users_without_mfa")).isEqualTo(Reports.parse("""
        [{"user_hash": "%s", "calls": 2}, {"user_hash": "%s", "calls": 1}]"""
        .formatted(UserHashes.of("a salt of the partner's", alice), UserHashes.of("a salt of the partner's", bob))));
    assertThat(app(t1, APP_A).get("other_users_without_mfa_calls").asLong()).isZero();
    assertThat(app(t1, APP_B).get("users_without_mfa")).isEmpty();
    String page = gateway.admin("/compliance.html").body();
    for (String text : List.of(report.toString(), page, gateway.metrics())) {
      assertThat(text).doesNotContain(alice).doesNotContain(bob).doesNotContain(carol);
    }
    assertThat(page).contains(UserHashes.of("a salt of the partner's", alice));

    gateway.close();
    start(users);
    expect(401, "/orders", TOKENS.user(T1, APP_A, alice, false));
    assertThat(app(tenant(gateway.report(), T1), APP_A).get("users_without_mfa"))
        .isEqualTo(Reports.parse("[{\"user_hash\": \"%s\", \"calls\": 1}]"
            .formatted(UserHashes.of("a salt of the partner's", alice))));
  }

  @Test
  void usersBeyondTheListedOnesAreSummed(@TempDir Path dir) throws Exception {
    Path salt = dir.resolve("salt");
    Files.writeString(salt, "salt");
    start("users = hashed, user-salt-file = \"" + salt + "\"");
    for (int i = 0; i < 3; i++) {
      expect(401, "/orders", TOKENS.user(T1, APP_A, "alice", false));
    }
    Set<String> others = new HashSet<>();
    for (int i = 0; i < 24; i++) {
      expect(401, "/orders", TOKENS.user(T1, APP_A, "user-" + i, false));
      others.add(UserHashes.of("salt", "user-" + i));
    }
    JsonNode app = app(tenant(gateway.report(), T1), APP_A);
    JsonNode listed = app.get("users_without_mfa");
    assertThat(listed).hasSize(10);
    assertThat(listed.get(0)).isEqualTo(Reports.parse(
        "{\"user_hash\": \"%s\", \"calls\": 3}".formatted(UserHashes.of("salt", "alice"))));
    for (int i = 1; i < 10; i++) {
      assertThat(listed.get(i).get("calls").asLong()).isEqualTo(1);
      assertThat(others).contains(listed.get(i).get("user_hash").asText());
    }
    assertThat(app.get("other_users_without_mfa_calls").asLong()).isEqualTo(27 - 3 - 9);
    assertThat(app.get("user_calls_without_mfa").asLong()).isEqualTo(27);
  }

  @Test
  void usersOffListsNoUsers() throws Exception {
    start("");
    expect(401, "/orders", TOKENS.user(T1, APP_A, "user-2", false));
    JsonNode app = app(tenant(gateway.report(), T1), APP_A);
    assertThat(app.has("users_without_mfa")).isFalse();
    assertThat(app.has("other_users_without_mfa_calls")).isFalse();
  }

  @Test
  void refusalsBeforeKeysExistAreUnattributed() throws Exception {
    ISSUER.respondWith(TestIssuer.JwksMode.SERVER_ERROR);
    try {
      start("");
      expect(503, "/orders", TOKENS.user(T1, APP_A, "user-1", true));
      expect(200, "/report/orders", TOKENS.user(T1, APP_A, "user-1", true));
    } finally {
      ISSUER.respondWith(TestIssuer.JwksMode.NORMAL);
    }
    JsonNode report = gateway.report();
    assertThat(tenantIds(report)).isEmpty();
    assertThat(report.get("unattributed")).isEqualTo(Reports.parse("{\"keys_unavailable\": 2}"));
  }

  @Test
  void windowMustBeOneOfAllHourDay() throws Exception {
    start("");
    expect(200, "/orders", TOKENS.user(T1, APP_A, "user-1", true));
    for (String target : List.of("/compliance?window=bogus", "/compliance.html?window=bogus", "/compliance?window=",
        "/compliance?window=1h&window=24h")) {
      var response = gateway.admin(target);
      assertThat(response.statusCode()).as(target).isEqualTo(400);
      assertThat(response.body()).as(target).contains("window must be one of all, 1h, 24h");
    }
    for (String window : List.of("all", "1h", "24h")) {
      JsonNode report = gateway.report(window);
      assertThat(report.get("window").asText()).isEqualTo(window);
      assertThat(app(tenant(report, T1), APP_A).get("calls").asLong()).isEqualTo(1);
      assertThat(gateway.admin("/compliance.html?window=" + window).statusCode()).isEqualTo(200);
    }
  }
}
