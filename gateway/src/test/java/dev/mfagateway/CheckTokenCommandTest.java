package dev.mfagateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.mfagateway.auth.Reason;
import dev.mfagateway.config.ChildJvm;
import dev.mfagateway.config.ComplianceConfig;
import dev.mfagateway.config.Endpoint;
import dev.mfagateway.config.GatewayConfig;
import dev.mfagateway.config.InvalidConfigException;
import dev.mfagateway.config.Limits;
import dev.mfagateway.config.Listener;
import dev.mfagateway.config.LoggingConfig;
import dev.mfagateway.config.Mode;
import dev.mfagateway.config.ServerConfig;
import dev.mfagateway.config.SignatureMode;
import dev.mfagateway.config.UpstreamConfig;
import dev.mfagateway.testing.RefusalCases;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `check-token` against a real JWKS endpoint: one line per check in SPEC §8's order up to the first failure, the
 * verdict, exit codes, never the token, and no log line in the report.
 */
class CheckTokenCommandTest {
  private static TestIssuer issuer;
  private static GatewayConfig config;

  private record Result(int exit, String out, String err) {}

  @BeforeAll
  static void start() {
    issuer = TestIssuer.start();
    config = new GatewayConfig(
        new Listener("127.0.0.1", 0, Optional.empty()),
        new Endpoint("127.0.0.1", 0),
        Mode.ENFORCE,
        List.of(TestConfigs.route(),
            TestConfigs.route(Mode.ENFORCE, false, true, SignatureMode.VERIFY),
            TestConfigs.route(Mode.ENFORCE, true, true, SignatureMode.CLAIMS_ONLY)),
        TestConfigs.auth(issuer.jwksUri()),
        new UpstreamConfig(Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(60), Optional.empty(), 16,
            Duration.ofSeconds(60)),
        new Limits(8192, 32768, Duration.ofSeconds(10), Duration.ofSeconds(60), 10_000),
        new ServerConfig(0, Duration.ofSeconds(10)),
        new ComplianceConfig(100, ComplianceConfig.Users.OFF, Optional.empty(), Optional.empty(),
            ComplianceConfig.ExportSeries.TENANTS),
        new LoggingConfig(LoggingConfig.AccessLog.REFUSALS));
  }

  @AfterAll
  static void stop() {
    issuer.close();
  }

  private static Result run(String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = CheckTokenCommand.run(List.of(args), new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
        file -> config);
    return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static String token(Map<String, Object> changes) {
    Map<String, Object> claims = TestIssuer.userClaims(Instant.now());
    claims.putAll(changes);
    return issuer.mint(claims);
  }

  private static void assertNoTokenMaterial(Result result, String token) {
    for (String segment : token.split("\\.")) {
      assertThat(result.out()).doesNotContain(segment);
      assertThat(result.err()).doesNotContain(segment);
    }
  }

  /** One line of the report, cut at its columns. */
  private record Line(String name, String status, String detail) {}

  private static List<Line> lines(String out) {
    return out.lines()
        .map(line -> new Line(line.substring(0, 11).strip(), line.substring(12, 23).strip(), line.substring(24)))
        .toList();
  }

  private static List<Line> failures(Result result) {
    return lines(result.out()).stream().filter(line -> line.status().equals("FAIL")).toList();
  }

  private static List<String> checksAfter(Result result, String failed) {
    List<String> names = lines(result.out()).stream().map(Line::name).toList();
    return names.subList(names.indexOf(failed) + 1, names.indexOf("verdict"));
  }

  @Test
  void aGoodTokenPassesWithEveryCheckOnItsOwnLineInSpecOrder() {
    String token = token(Map.of());
    Result result = run("", token);

    assertThat(result.exit()).isZero();
    assertThat(lines(result.out())).extracting(Line::name).containsExactly("route", "token", "algorithm", "key",
        "signature", "claims", "lifetime", "issuer", "audience", "tenant", "token kind", "MFA", "verdict");
    assertThat(lines(result.out()).subList(1, 12)).extracting(Line::status).containsOnly("ok");
    assertThat(result.out()).contains("verified with key " + issuer.signingKey().getKeyID())
        .containsPattern("(?m)^token kind +ok +app\\+user token \\(appid " + TestIssuer.APP_ID + ", oid ")
        .containsPattern("(?m)^verdict +ALLOW +would pass");
    assertNoTokenMaterial(result, token);
  }

  @Test
  void anExpiredTokenFromAWrongIssuerFailsAtItsLifetimeLikeTheVerdict() {
    String token = token(Map.of("exp", Instant.now().getEpochSecond() - 3600, "iss", "https://issuer.invalid/",
        "amr", List.of("pwd")));
    Result result = run("", token);

    assertThat(result.exit()).isEqualTo(1);
    assertThat(failures(result)).singleElement().satisfies(fail -> {
      assertThat(fail.name()).isEqualTo("lifetime");
      assertThat(fail.detail()).startsWith("expired: ").contains("exp 20");
    });
    assertThat(result.out()).containsPattern("(?m)^issuer +not checked +\\(lifetime failed\\)$")
        .containsPattern("(?m)^verdict +DENY +expired \\(401\\)")
        .doesNotContain("wrong_issuer").doesNotContain("mfa_required").doesNotContain("issuer.invalid");
    assertThat(checksAfter(result, "lifetime")).containsExactly("issuer", "audience", "tenant", "token kind", "MFA");
    assertThat(lines(result.out())).filteredOn(line -> checksAfter(result, "lifetime").contains(line.name()))
        .extracting(Line::status).containsOnly("not checked");
    assertNoTokenMaterial(result, token);
  }

  @Test
  void aBadSignatureLeavesEveryClaimNotChecked() {
    Map<String, Object> claims = TestIssuer.userClaims(Instant.now());
    claims.put("exp", Instant.now().getEpochSecond() - 3600);
    String forged = TestIssuer.mint(issuer.header().build(), JSONObjectUtils.toJSONString(claims), TestIssuer.newKey());
    Result result = run("", forged);

    assertThat(result.exit()).isEqualTo(1);
    assertThat(result.out()).containsPattern("(?m)^key +ok +kid " + issuer.signingKey().getKeyID())
        .containsPattern("(?m)^signature +FAIL +bad_signature: ")
        .containsPattern("(?m)^claims +not checked +\\(signature failed\\)$")
        .containsPattern("(?m)^verdict +DENY +bad_signature \\(401\\)")
        .doesNotContain("expired");
    assertThat(failures(result)).hasSize(1);
    assertThat(checksAfter(result, "signature"))
        .containsExactly("claims", "lifetime", "issuer", "audience", "tenant", "token kind", "MFA");
    assertThat(lines(result.out())).filteredOn(line -> checksAfter(result, "signature").contains(line.name()))
        .extracting(Line::detail).containsOnly("(signature failed)");
    assertNoTokenMaterial(result, forged);
  }

  @Test
  void theFirstFailIsTheVerdictsReasonForEveryRefusal() {
    List<RefusalCases.Case> cases = RefusalCases.all(issuer).stream()
        .filter(refusal -> refusal.authorization().size() == 1 && refusal.query().isEmpty())
        .toList();
    assertThat(cases).extracting(RefusalCases.Case::reason).contains(Reason.MALFORMED_TOKEN,
        Reason.ALGORITHM_NOT_ALLOWED, Reason.UNKNOWN_KEY, Reason.BAD_SIGNATURE, Reason.EXPIRED, Reason.NOT_YET_VALID,
        Reason.WRONG_ISSUER, Reason.WRONG_AUDIENCE, Reason.INVALID_CLAIM, Reason.TENANT_NOT_ALLOWED,
        Reason.APP_ONLY_NOT_ALLOWED, Reason.MFA_REQUIRED);
    for (RefusalCases.Case refusal : cases) {
      String token = refusal.authorization().get(0).substring("Bearer ".length());
      Result result = run("", token);

      assertThat(result.exit()).as(refusal.reason().wireName()).isEqualTo(1);
      assertThat(failures(result)).as(result.out()).singleElement()
          .satisfies(fail -> assertThat(fail.detail()).startsWith(refusal.reason().wireName() + ": "));
      String failed = failures(result).get(0).name();
      assertThat(lines(result.out())).as(result.out())
          .filteredOn(line -> checksAfter(result, failed).contains(line.name()))
          .allMatch(line -> line.status().equals("not checked"));
      assertThat(result.out()).as(result.out())
          .containsPattern("(?m)^verdict +DENY +" + refusal.reason().wireName() + " ");
      assertNoTokenMaterial(result, token);
    }
  }

  @Test
  void missingClaimsAreNamedPlainlyAndNeverPrintedAsNull() {
    Map<String, Object> appOnly = TestIssuer.appOnlyClaims(Instant.now(), TestIssuer.APP_ID);
    appOnly.remove("appid");
    String appOnlyToken = issuer.mint(appOnly);
    Result app = run("", appOnlyToken);

    assertThat(app.exit()).isZero();
    assertThat(app.out())
        .containsPattern("(?m)^token kind +ok +app-only token \\(idtyp app, no appid or azp claim\\)$")
        .containsPattern("(?m)^MFA +ok +not applicable to app-only tokens")
        .doesNotContainIgnoringCase("null");
    assertNoTokenMaterial(app, appOnlyToken);

    Map<String, Object> bare = TestIssuer.userClaims(Instant.now());
    bare.remove("amr");
    bare.remove("oid");
    String json = JSONObjectUtils.toJSONString(bare).replace("\"" + TestIssuer.APP_ID + "\"", "null");
    assertThat(json).contains("\"appid\":null");
    String userToken = TestIssuer.mint(issuer.header().build(), json, issuer.signingKey());
    Result user = run("", userToken);

    assertThat(user.exit()).isEqualTo(1);
    assertThat(user.out())
        .containsPattern("(?m)^token kind +ok +app\\+user token \\(no appid or azp claim, no oid claim\\)$")
        .containsPattern("(?m)^MFA +FAIL +mfa_required: token has no amr claim")
        .doesNotContainIgnoringCase("null");
    assertNoTokenMaterial(user, userToken);
  }

  @Test
  void logLinesGoToStandardErrorAndLeaveTheReportAlone(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("gateway.conf");
    Files.writeString(conf, """
        gateway {
          routes = [{ name = partner-center, path-prefix = "/", upstream = "http://127.0.0.1:1",
                      audiences = ["%s"] }]
          auth { jwks-uri = "%s", allowed-tenants = ["%s"] }
        }
        """.formatted(TestIssuer.AUDIENCE, issuer.jwksUri(), TestIssuer.TENANT));
    String unknownKid = TestIssuer.mint(issuer.header().keyID("rotated-away").build(),
        JSONObjectUtils.toJSONString(TestIssuer.userClaims(Instant.now())), issuer.signingKey());
    int fetchesBefore = issuer.fetchCount();
    // The jar's own Log4j configuration (JSON lines on the console), not the test classpath's log4j2-test.xml.
    Path shippedLog4j = Path.of(Main.class.getResource("/log4j2.xml").toURI());

    ChildJvm.Result result = ChildJvm.run(Map.of(), List.of("-Dlog4j2.configurationFile=" + shippedLog4j),
        Main.class, "check-token", "--config", conf.toString(), unknownKid);

    assertThat(result.exitCode()).as(result.stderr()).isEqualTo(1);
    assertThat(issuer.fetchCount() - fetchesBefore).as("the start fetch and the refetch for the unknown kid")
        .isGreaterThanOrEqualTo(2);
    assertThat(lines(result.stdout())).extracting(Line::name).containsExactly("route", "token", "algorithm", "key",
        "signature", "claims", "lifetime", "issuer", "audience", "tenant", "token kind", "MFA", "verdict");
    assertThat(result.stdout()).containsPattern("(?m)^key +FAIL +unknown_key: no key rotated-away in ")
        .containsPattern("(?m)^verdict +DENY +unknown_key ").doesNotContain("{");
    List<String> fetchLines = new ArrayList<>();
    for (String line : result.stderr().lines().filter(line -> line.startsWith("{")).toList()) {
      Object message = JSONObjectUtils.parse(line).get("message");
      if (message instanceof String text && text.startsWith("JWKS fetch from " + issuer.jwksUri())) {
        fetchLines.add(text);
      }
    }
    assertThat(fetchLines).as(result.stderr()).hasSizeGreaterThanOrEqualTo(2);
    assertNoTokenMaterial(new Result(result.exitCode(), result.stdout(), result.stderr()), unknownKid);
  }

  @Test
  void helpExplainsTheOrderAndTheNotCheckedLines() {
    Result result = run("", "--help");
    assertThat(result.exit()).isZero();
    assertThat(result.out()).startsWith(CheckTokenCommand.USAGE)
        .contains("token, algorithm, key, signature, claims, lifetime, issuer, audience, tenant, token kind, MFA")
        .contains("\"not checked\"");
  }

  @Test
  void readsTheTokenFromStandardInput() {
    String token = token(Map.of());
    assertThat(run(token + "\n", "-").exit()).isZero();
    assertThat(run(token + "\n").exit()).isZero();
  }

  @Test
  void offlineSkipsTheSignatureAndSaysSo() {
    String forged = TestIssuer.mint(issuer.header().build(),
        JSONObjectUtils.toJSONString(TestIssuer.userClaims(Instant.now())), TestIssuer.newKey());

    Result offline = run("", "--offline", forged);
    assertThat(offline.exit()).isZero();
    assertThat(offline.out()).containsPattern("(?m)^key +skip +not checked \\(--offline")
        .containsPattern("(?m)^signature +skip +not checked \\(--offline");

    Result online = run("", forged);
    assertThat(online.exit()).isEqualTo(1);
    assertThat(online.out()).containsPattern("(?m)^signature +FAIL +bad_signature")
        .containsPattern("(?m)^verdict +DENY +bad_signature");
    assertNoTokenMaterial(online, forged);
  }

  @Test
  void judgesAgainstTheNamedRoute() {
    String noMfa = token(Map.of("amr", List.of("pwd")));
    assertThat(run("", noMfa).exit()).isEqualTo(1);
    assertThat(run("", "--route", TestConfigs.route(Mode.ENFORCE, false, true, SignatureMode.VERIFY).name(), noMfa)
        .exit()).isZero();
  }

  @Test
  void saysWhenTheRouteIsClaimsOnly() {
    Result result = run("", "--route", TestConfigs.route(Mode.ENFORCE, true, true, SignatureMode.CLAIMS_ONLY).name(),
        token(Map.of()));
    assertThat(result.exit()).isZero();
    assertThat(result.out()).contains("claims-only");
  }

  @Test
  void aMalformedTokenFailsAtTheTokenLine() {
    Result result = run("", "not-a-token");
    assertThat(result.exit()).isEqualTo(1);
    assertThat(result.out()).containsPattern("(?m)^token +FAIL +malformed_token")
        .containsPattern("(?m)^algorithm +not checked +\\(token failed\\)$")
        .containsPattern("(?m)^verdict +DENY +malformed_token");

    Result notABearerToken = run("", "a b.c.d");
    assertThat(notABearerToken.exit()).isEqualTo(1);
    assertThat(notABearerToken.out()).containsPattern("(?m)^token +FAIL +malformed_request")
        .containsPattern("(?m)^verdict +DENY +malformed_request");
  }

  @Test
  void anAlgorithmNotAllowedNamesTheTokensAlgorithm() {
    String hs256 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.c2lnbmF0dXJl";
    Result result = run("", hs256);
    assertThat(result.exit()).isEqualTo(1);
    assertThat(result.out()).containsPattern("(?m)^token +ok ")
        .containsPattern("(?m)^algorithm +FAIL +algorithm_not_allowed: .*\\(token alg: HS256\\)$")
        .containsPattern("(?m)^verdict +DENY +algorithm_not_allowed");
    assertNoTokenMaterial(result, hs256);
  }

  @Test
  void usageErrorsExitWith2() {
    Result unknownRoute = run("", "--route", "nope", token(Map.of()));
    assertThat(unknownRoute.exit()).isEqualTo(2);
    assertThat(unknownRoute.err()).contains("unknown route 'nope'").contains("partner-center");
    assertThat(run("", "--frobnicate", "x").exit()).isEqualTo(2);
    assertThat(run("", "--config").exit()).isEqualTo(2);
    assertThat(run("").exit()).isEqualTo(2);
    assertThat(run("", "a.b.c", "d.e.f").exit()).isEqualTo(2);
  }

  @Test
  void anInvalidConfigurationExitsWith2NamingTheKey() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = CheckTokenCommand.run(List.of("--config", "/nonexistent.conf", "a.b.c"),
        new ByteArrayInputStream(new byte[0]), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), file -> {
          throw new InvalidConfigException(List.of("gateway.auth.jwks-uri: not a URL"));
        });
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("gateway.auth.jwks-uri: not a URL");
  }
}
