package dev.mfagateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
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
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** `check-token` against a real JWKS endpoint: one line per check, the verdict, exit codes, never the token. */
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

  @Test
  void aGoodTokenPassesWithEveryCheckOnItsOwnLine() {
    String token = token(Map.of());
    Result result = run("", token);

    assertThat(result.exit()).isZero();
    List<String> names = result.out().lines().map(line -> line.substring(0, 11).strip()).toList();
    assertThat(names).containsExactly("route", "algorithm", "signature", "claims", "issuer", "audience", "lifetime",
        "tenant", "token kind", "MFA", "verdict");
    assertThat(result.out()).contains("verified with key " + issuer.signingKey().getKeyID())
        .doesNotContain("FAIL").contains("ALLOW");
    assertNoTokenMaterial(result, token);
  }

  @Test
  void explainsEveryFailingCheckAndTheFirstDecides() {
    List<Object> pwdOnly = new ArrayList<>(List.of("pwd"));
    String token = token(Map.of("exp", Instant.now().getEpochSecond() - 3600, "amr", pwdOnly));
    Result result = run("", token);

    assertThat(result.exit()).isEqualTo(1);
    assertThat(result.out()).containsPattern("(?m)^lifetime +FAIL +expired")
        .containsPattern("(?m)^MFA +FAIL +mfa_required")
        .containsPattern("(?m)^verdict +DENY +expired \\(401\\)");
    assertNoTokenMaterial(result, token);
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
    assertThat(offline.out()).containsPattern("(?m)^signature +skip +not checked \\(--offline");

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
        .containsPattern("(?m)^verdict +DENY +malformed_token");
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
