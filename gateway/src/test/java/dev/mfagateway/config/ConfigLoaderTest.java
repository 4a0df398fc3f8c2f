package dev.mfagateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mfagateway.testing.TestPki;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  private static final String PARTNER_CENTER = "https://api.partnercenter.microsoft.com";

  @TempDir Path tmp;

  @Test
  void defaultsLoadFromReferenceConf() throws Exception {
    GatewayConfig config = ConfigLoader.load(Optional.empty());

    assertThat(config.listen()).isEqualTo(new Listener("0.0.0.0", 8080, Optional.empty()));
    assertThat(config.admin()).isEqualTo(new Endpoint("0.0.0.0", 9090));
    assertThat(config.mode()).isEqualTo(Mode.ENFORCE);
    assertThat(config.routes()).containsExactly(new RouteConfig("partner-center", "/", URI.create(PARTNER_CENTER),
        List.of(PARTNER_CENTER), Mode.ENFORCE, true, true, SignatureMode.VERIFY));
    AuthConfig auth = config.auth();
    assertThat(auth.jwksUri()).isEqualTo(URI.create("https://login.microsoftonline.com/common/discovery/keys"));
    assertThat(auth.issuers()).containsExactly(
        "https://sts.windows.net/{tenantid}/", "https://login.microsoftonline.com/{tenantid}/v2.0");
    assertThat(auth.allowedTenants()).isEmpty();
    assertThat(auth.algorithms()).containsExactly("RS256");
    assertThat(auth.clockSkew()).isEqualTo(Duration.ofSeconds(60));
    assertThat(auth.requireMfa()).isTrue();
    assertThat(auth.mfaValues()).containsExactly("mfa");
    assertThat(auth.cpvAppIds()).isEmpty();
    assertThat(auth.allowAppOnly()).isTrue();
    assertThat(auth.jwksRefreshInterval()).isEqualTo(Duration.ofHours(1));
    assertThat(auth.jwksMinRefreshInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(auth.jwksFetchTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(auth.tokenCacheMaxEntries()).isEqualTo(100_000);
    assertThat(config.upstream()).isEqualTo(new UpstreamConfig(Duration.ofSeconds(5), Duration.ofSeconds(60),
        Duration.ofSeconds(60), Optional.empty(), 64, Duration.ofSeconds(60)));
    assertThat(config.limits()).isEqualTo(
        new Limits(8 * 1024, 32 * 1024, Duration.ofSeconds(10), Duration.ofSeconds(60), 10_000));
    assertThat(config.server()).isEqualTo(new ServerConfig(0, Duration.ofSeconds(30)));
    assertThat(config.compliance().topK()).isEqualTo(100);
    assertThat(config.logging().accessLog()).isEqualTo(LoggingConfig.AccessLog.REFUSALS);
  }

  @Test
  void shippedGatewayConfLoadsWithPartnerCenterDefaults() throws Exception {
    Path file = ChildJvm.repoFile("config/gateway.conf");
    GatewayConfig config = ConfigLoader.load(Optional.of(file));

    RouteConfig route = config.routes().get(0);
    assertThat(route.upstream()).isEqualTo(URI.create(PARTNER_CENTER));
    assertThat(route.audiences()).containsExactly(PARTNER_CENTER);
    assertThat(config.mode()).isEqualTo(Mode.ENFORCE);
    assertThat(config.auth().requireMfa()).isTrue();
    List<String> lines = Files.readAllLines(file);
    assertThat(lines.stream().filter(line -> line.strip().startsWith("#")).count())
        .as("explanatory comment lines").isGreaterThanOrEqualTo(15);
    assertThat(String.join("\n", lines)).contains("allowed-tenants", "cpv-app-ids", "report-only", "CONFIG_FORCE_");
  }

  @Test
  void shippedDemoConfLoadsOnLoopback() throws Exception {
    GatewayConfig config = ConfigLoader.load(Optional.of(ChildJvm.repoFile("config/demo.conf")));

    assertThat(config.listen()).isEqualTo(new Listener("127.0.0.1", 8080, Optional.empty()));
    assertThat(config.admin()).isEqualTo(new Endpoint("127.0.0.1", 9090));
    assertThat(config.routes()).hasSize(1);
    assertThat(config.routes().get(0).upstream().getScheme()).isEqualTo("http");
    assertThat(config.routes().get(0).upstream().getHost()).isEqualTo("127.0.0.1");
    assertThat(config.auth().jwksUri().getHost()).isEqualTo("127.0.0.1");
    assertThat(config.auth().allowedTenants()).isNotEmpty();
  }

  @Test
  void fileLayersOverReferenceAndKeepsOtherDefaults() throws Exception {
    Path file = write("gateway { mode = report-only, limits.max-header-size = 64KiB }");
    GatewayConfig config = ConfigLoader.load(Optional.of(file));

    assertThat(config.mode()).isEqualTo(Mode.REPORT_ONLY);
    assertThat(config.limits().maxHeaderSize()).isEqualTo(64 * 1024);
    assertThat(config.limits().maxInitialLine()).isEqualTo(8 * 1024);
    assertThat(config.routes().get(0).mode()).isEqualTo(Mode.REPORT_ONLY);
  }

  @Test
  void wrongTypeNamesKeyPath() {
    assertThat(problems("gateway.listen.port = eighty"))
        .containsExactly("gateway.listen.port: expected an integer, got \"eighty\"");
    assertThat(problems("gateway.auth.require-mfa = maybe"))
        .containsExactly("gateway.auth.require-mfa: expected true or false, got \"maybe\"");
    assertThat(problems("gateway.auth.issuers = \"https://sts.windows.net/{tenantid}/\""))
        .containsExactly("gateway.auth.issuers: expected a list of strings, got \"https://sts.windows.net/{tenantid}/\"");
  }

  @Test
  void objectGivenAsScalarIsOneProblemWithoutNoiseFromItsKeys() {
    assertThat(problems("gateway.auth = 5")).containsExactly("gateway.auth: expected an object, got 5");
  }

  @Test
  void outOfRangeValuesNameKeyPathAndRange() {
    assertThat(problems("gateway.listen.port = 70000"))
        .containsExactly("gateway.listen.port: must be between 0 and 65535, got 70000");
    assertThat(problems("gateway.limits.max-header-size = 2MiB"))
        .containsExactly("gateway.limits.max-header-size: must be between 1KiB and 1MiB, got \"2MiB\"");
    assertThat(problems("gateway.auth.clock-skew = 10m"))
        .containsExactly("gateway.auth.clock-skew: must be between 0s and 5m, got \"10m\"");
    assertThat(problems("gateway.upstream.connect-timeout = 0s"))
        .containsExactly("gateway.upstream.connect-timeout: must be between 1ms and 5m, got \"0s\"");
    assertThat(problems("gateway.compliance.top-k = 0"))
        .containsExactly("gateway.compliance.top-k: must be between 1 and 1000, got 0");
  }

  @Test
  void portZeroMeansAnyFreePort() throws Exception {
    GatewayConfig config = ConfigLoader.fromString("gateway { listen.port = 0, admin.port = 0 }");
    assertThat(config.listen().port()).isZero();
    assertThat(config.admin().port()).isZero();
  }

  @Test
  void badSizeAndDurationSyntax() {
    assertThat(problems("gateway.auth.clock-skew = sixty"))
        .containsExactly("gateway.auth.clock-skew: expected a duration like 60s, got \"sixty\"");
    assertThat(problems("gateway.limits.max-initial-line = big"))
        .containsExactly("gateway.limits.max-initial-line: expected a size like 32KiB, got \"big\"");
  }

  @Test
  void enumValuesAreChecked() {
    assertThat(problems("gateway.mode = block"))
        .containsExactly("gateway.mode: must be one of enforce, report-only, got \"block\"");
    assertThat(problems("gateway.logging.access-log = some"))
        .containsExactly("gateway.logging.access-log: must be one of all, refusals, off, got \"some\"");
    assertThat(problems(routes("{name = a, path-prefix = \"/\", upstream = \"http://127.0.0.1:1\", audiences = [x],"
        + " signature = none}")))
        .containsExactly("gateway.routes[0].signature: must be one of verify, claims-only, got \"none\"");
  }

  @Test
  void urisAreChecked() {
    assertThat(problems("gateway.auth.jwks-uri = \"ftp://keys.example/jwks\""))
        .containsExactly("gateway.auth.jwks-uri: must be an absolute https or http URI, got \"ftp://keys.example/jwks\"");
    assertThat(problems("gateway.auth.jwks-uri = \"/keys\""))
        .containsExactly("gateway.auth.jwks-uri: must be an absolute https or http URI, got \"/keys\"");
    assertThat(problems("gateway.auth.issuers = [\"https://sts.windows.net/{tenantid}/\", \"not a uri\"]"))
        .singleElement().asString().startsWith("gateway.auth.issuers[1]: not a valid URI");
    assertThat(problems(routes(route("a", "/", "https://api.example/v1"))))
        .singleElement().asString()
        .startsWith("gateway.routes[0].upstream: must be scheme://host[:port] with no path or query");
    assertThat(problems(routes(route("a", "/", "https://api.example?x=1"))))
        .singleElement().asString().startsWith("gateway.routes[0].upstream: must be scheme://host[:port]");
    assertThat(problems(routes(route("a", "/", "https://user@api.example"))))
        .singleElement().asString().startsWith("gateway.routes[0].upstream: must not carry user info");
  }

  @Test
  void upstreamWithSlashOnlyPathIsAcceptedAsItsOrigin() throws Exception {
    GatewayConfig config = ConfigLoader.fromString(routes(route("a", "/", "https://api.example:8443/")));
    assertThat(config.routes().get(0).upstream()).isEqualTo(URI.create("https://api.example:8443"));
  }

  @Test
  void unknownKeysAreProblemsNotDefaults() {
    assertThat(problems("gateway.auth.requre-mfa = false")).containsExactly("gateway.auth.requre-mfa: unknown key");
    assertThat(problems("gateway.listen.tls { cert-file = x, key-file = y, ca-file = z }"))
        .contains("gateway.listen.tls.ca-file: unknown key");
    assertThat(problems("gateway { lisen.port = 1, upstream.pool.max-conns = 3 }"))
        .containsExactly("gateway.lisen: unknown key", "gateway.upstream.pool.max-conns: unknown key");
    assertThat(problems(routes("{name = a, path-prefix = \"/\", upstream = \"http://127.0.0.1:1\", audience = [x]}")))
        .containsExactly("gateway.routes[0].audience: unknown key", "gateway.routes[0].audiences: is required");
  }

  @Test
  void missingRequiredRouteKeys() {
    assertThat(problems(routes("{name = a, path-prefix = \"/\", audiences = [x]}")))
        .containsExactly("gateway.routes[0].upstream: is required");
    assertThat(problems(routes("{path-prefix = \"/\", upstream = \"http://127.0.0.1:1\", audiences = [x]}")))
        .containsExactly("gateway.routes[0].name: is required");
    assertThat(problems("gateway.routes = []")).containsExactly("gateway.routes: must hold at least one route");
  }

  @Test
  void listElementsAreNamedByIndex() {
    assertThat(problems(routes(route("a", "/a", "https://a.example"), route("b", "/b", "mailto:b@example"))))
        .containsExactly("gateway.routes[1].upstream: must be an absolute https or http URI, got \"mailto:b@example\"");
    assertThat(problems(routes(route("a", "/a", "https://a.example"), "42")))
        .containsExactly("gateway.routes[1]: expected an object, got 42");
  }

  @Test
  void everyRouteNeedsAudiencesClaimsOnlyIncluded() {
    assertThat(problems(routes("{name = g, path-prefix = \"/\", upstream = \"https://graph.microsoft.com\","
        + " audiences = [], signature = claims-only}")))
        .containsExactly("gateway.routes[0].audiences: must not be empty");
    assertThat(problems(routes("{name = g, path-prefix = \"/\", upstream = \"https://graph.microsoft.com\","
        + " signature = claims-only}")))
        .containsExactly("gateway.routes[0].audiences: is required");
    assertThat(problems(routes("{name = g, path-prefix = \"/\", upstream = \"https://graph.microsoft.com\","
        + " audiences = [\" \"]}")))
        .containsExactly("gateway.routes[0].audiences[0]: must not be blank");
  }

  @Test
  void routeOverridesResolveToEffectiveValues() throws Exception {
    GatewayConfig config = ConfigLoader.fromString("""
        gateway {
          mode = report-only
          auth { require-mfa = true, allow-app-only = true }
          routes = [
            { name = graph, path-prefix = "/v1.0/", upstream = "https://graph.microsoft.com",
              audiences = ["https://graph.microsoft.com"], mode = enforce, require-mfa = false,
              allow-app-only = false, signature = claims-only }
            { name = pc, path-prefix = "/", upstream = "https://api.partnercenter.microsoft.com",
              audiences = ["https://api.partnercenter.microsoft.com"] }
          ]
        }
        """);

    assertThat(config.routes()).containsExactly(
        new RouteConfig("graph", "/v1.0/", URI.create("https://graph.microsoft.com"),
            List.of("https://graph.microsoft.com"), Mode.ENFORCE, false, false, SignatureMode.CLAIMS_ONLY),
        new RouteConfig("pc", "/", URI.create(PARTNER_CENTER), List.of(PARTNER_CENTER), Mode.REPORT_ONLY, true, true,
            SignatureMode.VERIFY));
  }

  @Test
  void routeOverridesAreTypeChecked() {
    assertThat(problems(routes("{name = a, path-prefix = \"/\", upstream = \"http://127.0.0.1:1\", audiences = [x],"
        + " require-mfa = sometimes, mode = off}"))).containsExactly(
        "gateway.routes[0].mode: must be one of enforce, report-only, got \"off\"",
        "gateway.routes[0].require-mfa: expected true or false, got \"sometimes\"");
  }

  @Test
  void routeNamesAndPrefixesAreChecked() {
    assertThat(problems(routes(route("a", "/x", "https://a.example"), route("a", "/y", "https://b.example"))))
        .containsExactly("gateway.routes[1].name: duplicate route name \"a\" (also gateway.routes[0].name)");
    assertThat(problems(routes(route("a", "x", "https://a.example"))))
        .containsExactly("gateway.routes[0].path-prefix: must start with \"/\", got \"x\"");
    assertThat(problems(routes(route("all", "/", "https://a.example"), route("graph", "/graph", "https://b.example"))))
        .containsExactly("gateway.routes[1].path-prefix: never matched: gateway.routes[0].path-prefix = \"/\""
            + " comes first and covers \"/graph\"");
    assertThat(problems(routes(route("a b", "/", "https://a.example")))).singleElement().asString()
        .startsWith("gateway.routes[0].name: must be 1-64 characters");
  }

  @Test
  void onlyAsymmetricAlgorithmsAreAllowed() {
    assertThat(problems("gateway.auth.algorithms = [RS256, none, HS256]")).containsExactly(
        "gateway.auth.algorithms[1]: \"none\" is not allowed; use one of RS256, RS384, RS512, PS256, PS384, PS512,"
            + " ES256, ES384",
        "gateway.auth.algorithms[2]: \"HS256\" is not allowed; use one of RS256, RS384, RS512, PS256, PS384, PS512,"
            + " ES256, ES384");
    assertThat(problems("gateway.auth.algorithms = []")).containsExactly("gateway.auth.algorithms: must not be empty");
  }

  @Test
  void mfaValuesMustBeUnambiguous() {
    assertThat(problems("gateway.auth.mfa-values = [mfa, wiaormfa]")).singleElement().asString()
        .startsWith("gateway.auth.mfa-values[1]: \"wiaormfa\" is refused");
    assertThat(problems("gateway.auth.mfa-values = []")).containsExactly("gateway.auth.mfa-values: must not be empty");
  }

  @Test
  void tenantsAndCpvAppIdsAreLowerCased() throws Exception {
    GatewayConfig config = ConfigLoader.fromString("""
        gateway.auth {
          allowed-tenants = ["7E5A3C1D-0B6F-4D2A-9C3E-1F2A3B4C5D6E"]
          cpv-app-ids = ["C0FFEE00-0000-4000-8000-000000000001"]
          mfa-values = [mfa, ngcmfa]
        }
        """);

    assertThat(config.auth().allowedTenants()).containsExactly("7e5a3c1d-0b6f-4d2a-9c3e-1f2a3b4c5d6e");
    assertThat(config.auth().cpvAppIds()).containsExactly("c0ffee00-0000-4000-8000-000000000001");
    assertThat(config.auth().mfaValues()).containsExactly("mfa", "ngcmfa");
  }

  @Test
  void tlsFilesMustExistAndBeReadable() throws Exception {
    assertThat(problems("gateway.listen.tls { cert-file = \"" + tmp.resolve("nope.crt") + "\" }")).containsExactly(
        "gateway.listen.tls.cert-file: file not found: " + tmp.resolve("nope.crt"),
        "gateway.listen.tls.key-file: is required");

    Path cert = write("cert");
    Path key = write("key");
    GatewayConfig config =
        ConfigLoader.fromString("gateway.listen.tls { cert-file = \"" + cert + "\", key-file = \"" + key + "\" }");
    assertThat(config.listen().tls()).contains(new TlsFiles(cert, key));
  }

  @Test
  void upstreamCaFileIsOptionalButMustExistAndHoldAPemCertificateWhenSet() throws Exception {
    assertThat(problems("gateway.upstream.ca-file = \"" + tmp.resolve("ca.pem") + "\""))
        .containsExactly("gateway.upstream.ca-file: file not found: " + tmp.resolve("ca.pem"));
    Path notPem = write("ca");
    assertThat(problems("gateway.upstream.ca-file = \"" + notPem + "\""))
        .containsExactly("gateway.upstream.ca-file: not a PEM certificate file: " + notPem);
    Path ca = caPem();
    assertThat(ConfigLoader.fromString("gateway.upstream.ca-file = \"" + ca + "\"").upstream().caFile()).contains(ca);
  }

  @Test
  void jwksCaFileDefaultsToTheUpstreamCaFileAndMustHoldAPemCertificate() throws Exception {
    Path upstreamCa = caPem();
    Path jwksCa = caPem();
    assertThat(ConfigLoader.fromString("").auth().jwksCaFile()).isEmpty();
    assertThat(ConfigLoader.fromString("gateway.upstream.ca-file = \"" + upstreamCa + "\"").auth().jwksCaFile())
        .contains(upstreamCa);
    GatewayConfig both = ConfigLoader.fromString("gateway.upstream.ca-file = \"" + upstreamCa + "\"\n"
        + "gateway.auth.jwks-ca-file = \"" + jwksCa + "\"");
    assertThat(both.auth().jwksCaFile()).contains(jwksCa);
    assertThat(both.upstream().caFile()).contains(upstreamCa);

    Path notPem = write("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
    assertThat(problems("gateway.auth.jwks-ca-file = \"" + notPem + "\""))
        .containsExactly("gateway.auth.jwks-ca-file: not a PEM certificate file: " + notPem);
    assertThat(problems("gateway.auth.jwks-ca-file = \"" + tmp.resolve("none.pem") + "\""))
        .containsExactly("gateway.auth.jwks-ca-file: file not found: " + tmp.resolve("none.pem"));
  }

  private static Path caPem() throws Exception {
    return TestPki.caPem("Test CA");
  }

  @Test
  void allProblemsAreReportedAtOnce() {
    assertThat(problems("""
        gateway {
          mode = block
          listen.port = -1
          auth { clock-skew = sixty, requre-mfa = true }
          routes = [
            { name = a, path-prefix = "/a", upstream = "https://a.example", audiences = [] }
            { name = b, path-prefix = "/b", upstream = "gopher://b.example", audiences = [b] }
          ]
        }
        """)).containsExactly(
        "gateway.auth.requre-mfa: unknown key",
        "gateway.listen.port: must be between 0 and 65535, got -1",
        "gateway.mode: must be one of enforce, report-only, got \"block\"",
        "gateway.auth.clock-skew: expected a duration like 60s, got \"sixty\"",
        "gateway.routes[0].audiences: must not be empty",
        "gateway.routes[1].upstream: must be an absolute https or http URI, got \"gopher://b.example\"");
  }

  @Test
  void hoconSyntaxErrorIsAProblemLineWithItsLine() throws Exception {
    assertThat(problems("gateway {\n  mode = enforce\n  routes = [\n")).singleElement().asString()
        .startsWith("syntax error: configuration text: ");

    Path file = write("gateway {\n  mode = enforce\n  listen { port = 80 \n");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file)))
        .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.problems()).singleElement()
            .asString().startsWith("syntax error: ").contains(file.getFileName().toString() + ": 4: "));
  }

  @Test
  void missingFileIsAProblemNamingTheFile() {
    Path missing = tmp.resolve("missing.conf");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.of(missing)))
        .isInstanceOfSatisfying(InvalidConfigException.class,
            e -> assertThat(e.problems()).containsExactly("config file " + missing + ": not found"));
  }

  @Test
  void optionalSubstitutionFallsBackToDefaultAndRequiredOneIsAProblem() throws Exception {
    GatewayConfig config =
        ConfigLoader.fromString("gateway.listen.port = ${?MFA_GATEWAY_TEST_SURELY_UNSET_PORT}");
    assertThat(config.listen().port()).isEqualTo(8080);

    assertThat(problems("gateway.listen.port = ${MFA_GATEWAY_TEST_SURELY_UNSET_PORT}")).singleElement().asString()
        .contains("MFA_GATEWAY_TEST_SURELY_UNSET_PORT");
  }

  @Test
  void systemPropertiesOverrideTheFile() throws Exception {
    Path file = write("gateway { mode = enforce, listen.port = 8443 }");
    String key = "gateway.mode";
    String before = System.getProperty(key);
    System.setProperty(key, "report-only");
    System.setProperty("gateway.auth.allowed-tenants.0", "ABC");
    try {
      GatewayConfig config = ConfigLoader.load(Optional.of(file));
      assertThat(config.mode()).isEqualTo(Mode.REPORT_ONLY);
      assertThat(config.listen().port()).isEqualTo(8443);
      assertThat(config.auth().allowedTenants()).containsExactly("abc");

      System.setProperty("gateway.auth.requre-mfa", "false");
      assertThat(problems("")).containsExactly("gateway.auth.requre-mfa: unknown key");
    } finally {
      System.clearProperty("gateway.auth.requre-mfa");
      System.clearProperty("gateway.auth.allowed-tenants.0");
      if (before == null) {
        System.clearProperty(key);
      } else {
        System.setProperty(key, before);
      }
    }
    assertThat(ConfigLoader.load(Optional.of(file)).mode()).isEqualTo(Mode.ENFORCE);
  }

  @Test
  void environmentOverridesWorkEndToEndInAChildJvm() throws Exception {
    Path file = write("gateway { mode = enforce, listen.port = ${?MFA_GATEWAY_TEST_PORT} }");
    ChildJvm.Result result = ChildJvm.run(
        java.util.Map.of(
            "CONFIG_FORCE_gateway_mode", "report-only",
            "CONFIG_FORCE_gateway_auth_jwks__uri", "http://127.0.0.1:1/keys",
            "MFA_GATEWAY_TEST_PORT", "18080"),
        List.of(), ConfigProbe.class, file.toString());

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    assertThat(result.stdout().lines())
        .containsExactly("mode=report-only", "jwks-uri=http://127.0.0.1:1/keys", "listen-port=18080");
  }

  @Test
  void environmentOverrideWithATypoIsReportedInAChildJvm() throws Exception {
    ChildJvm.Result result =
        ChildJvm.run(java.util.Map.of("CONFIG_FORCE_gateway_auth_requre__mfa", "false"), List.of(), ConfigProbe.class);

    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.stdout().lines()).containsExactly("gateway.auth.requre-mfa: unknown key");
  }

  private static List<String> problems(String hocon) {
    try {
      ConfigLoader.fromString(hocon);
    } catch (InvalidConfigException e) {
      return e.problems();
    }
    throw new AssertionError("expected problems, but the configuration loaded: " + hocon);
  }

  private static String routes(String... routes) {
    return "gateway.routes = [" + String.join(", ", routes) + "]";
  }

  private static String route(String name, String prefix, String upstream) {
    return "{name = \"" + name + "\", path-prefix = \"" + prefix + "\", upstream = \"" + upstream
        + "\", audiences = [\"api://x\"]}";
  }

  private Path write(String content) throws Exception {
    return Files.writeString(Files.createTempFile(tmp, "gateway", ".conf"), content);
  }

}
