package dev.mfagateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.testing.TestPki;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConfigChangesTest {
  private static final String TENANT_A = "aaaaaaaa-0000-4000-8000-000000000001";
  private static final String TENANT_B = "bbbbbbbb-0000-4000-8000-000000000002";
  private static final String CPV = "cccccccc-0000-4000-8000-000000000003";

  private static final String BASE = """
      gateway {
        routes = [
          { name = graph, path-prefix = "/graph/", upstream = "https://graph.microsoft.com",
            audiences = ["https://graph.microsoft.com"], signature = claims-only }
          { name = partner-center, path-prefix = "/", upstream = "https://api.partnercenter.microsoft.com",
            audiences = ["https://api.partnercenter.microsoft.com"] }
        ]
        auth { allowed-tenants = ["%s"], cpv-app-ids = [] }
      }
      """.formatted(TENANT_A);

  private static final GatewayConfig STARTED = load("");

  @Test
  void theSameConfigurationChangesNothing() {
    ConfigChanges changes = ConfigChanges.between(STARTED, STARTED, load(""));

    assertThat(changes.appliesNothing()).isTrue();
    assertThat(changes.restartRequired()).isEmpty();
    assertThat(changes.summary()).isEqualTo("no changes");
  }

  @Test
  void modesAreReportedPerRouteAsOldToNew() {
    ConfigChanges changes = ConfigChanges.between(STARTED, STARTED, load("gateway.mode = report-only"));

    assertThat(changes.mode()).hasValue("enforce -> report-only");
    assertThat(changes.routeModes())
        .containsExactly("graph: enforce -> report-only", "partner-center: enforce -> report-only");
    assertThat(changes.routesChanged()).containsExactly("graph: mode", "partner-center: mode");
    assertThat(changes.appliesNothing()).isFalse();
  }

  @Test
  void routesAddedRemovedAndChangedByName() {
    GatewayConfig next = load("""
        gateway.routes = [
          { name = arm, path-prefix = "/arm/", upstream = "https://management.azure.com", audiences = ["y"] }
          { name = partner-center, path-prefix = "/", upstream = "https://other.example", audiences = ["x"],
            mode = report-only, require-mfa = false, allow-app-only = false, signature = claims-only }
        ]
        """);

    ConfigChanges changes = ConfigChanges.between(STARTED, STARTED, next);

    assertThat(changes.routesAdded()).containsExactly("arm");
    assertThat(changes.routesRemoved()).containsExactly("graph");
    assertThat(changes.routesChanged()).containsExactly(
        "partner-center: upstream, audiences, mode, require-mfa, allow-app-only, signature");
    assertThat(changes.routeModes()).containsExactly("partner-center: enforce -> report-only");
  }

  @Test
  void aRouteThatMovesAmongTheOthersChangesItsOrder() {
    GatewayConfig next = load("""
        gateway.routes = [
          { name = partner-center, path-prefix = "/pc/", upstream = "https://api.partnercenter.microsoft.com",
            audiences = ["https://api.partnercenter.microsoft.com"] }
          { name = graph, path-prefix = "/graph/", upstream = "https://graph.microsoft.com",
            audiences = ["https://graph.microsoft.com"], signature = claims-only }
        ]
        """);

    assertThat(ConfigChanges.between(STARTED, STARTED, next).routesChanged())
        .containsExactly("partner-center: path-prefix, order", "graph: order");
  }

  @Test
  void tenantsAndCpvAppIdsAddedAndRemovedCompareCaseInsensitively() {
    GatewayConfig next = load("gateway.auth { allowed-tenants = [\"%s\", \"%s\"], cpv-app-ids = [\"%s\"] }"
        .formatted(TENANT_A.toUpperCase(), TENANT_B, CPV));

    ConfigChanges changes = ConfigChanges.between(STARTED, STARTED, next);

    assertThat(changes.tenantsAdded()).containsExactly(TENANT_B);
    assertThat(changes.tenantsRemoved()).isEmpty();
    assertThat(changes.cpvAppIdsAdded()).containsExactly(CPV);
    ConfigChanges back = ConfigChanges.between(STARTED, next, STARTED);
    assertThat(back.tenantsRemoved()).containsExactly(TENANT_B);
    assertThat(back.cpvAppIdsRemoved()).containsExactly(CPV);
    assertThat(back.summary()).isEqualTo("1 tenant removed; 1 CPV app id removed");
  }

  @Test
  void otherAuthRulesAreNamedByKeyPath() {
    GatewayConfig next = load("""
        gateway.auth { issuers = ["https://login.microsoftonline.com/{tenantid}/v2.0"], algorithms = [RS256, PS256],
          clock-skew = 30s, mfa-values = [mfa, ngcmfa], require-mfa = false, allow-app-only = false }
        """);

    assertThat(ConfigChanges.between(STARTED, STARTED, next).authChanged()).containsExactly(
        "gateway.auth.issuers", "gateway.auth.algorithms", "gateway.auth.clock-skew", "gateway.auth.require-mfa",
        "gateway.auth.mfa-values", "gateway.auth.allow-app-only");
  }

  @Test
  void startOnlySettingsAreReportedAgainstTheStartedConfigurationUntilRestored() {
    GatewayConfig next = load("""
        gateway { listen.port = 8443, admin.port = 9443, server.shutdown-grace = 5s, limits.max-connections = 5
          upstream.connect-timeout = 1s, compliance.top-k = 7, logging.access-log = all
          auth { jwks-uri = "https://keys.example/keys", jwks-refresh-interval = 2h, jwks-min-refresh-interval = 1m,
            jwks-fetch-timeout = 2s, token-cache.max-entries = 5 } }
        """);

    ConfigChanges changes = ConfigChanges.between(STARTED, STARTED, next);

    assertThat(changes.restartRequired()).containsExactly("gateway.listen", "gateway.admin", "gateway.server",
        "gateway.limits", "gateway.upstream", "gateway.auth.jwks-uri", "gateway.auth.jwks-refresh-interval",
        "gateway.auth.jwks-min-refresh-interval", "gateway.auth.jwks-fetch-timeout",
        "gateway.auth.token-cache.max-entries", "gateway.compliance", "gateway.logging");
    assertThat(changes.appliesNothing()).isTrue();
    assertThat(changes.summary()).startsWith("no changes; restart required for gateway.listen, gateway.admin");
    GatewayConfig later = load("gateway.listen.port = 8443\ngateway.mode = report-only");
    assertThat(ConfigChanges.between(STARTED, next, later).restartRequired()).as("still pending after another reload")
        .containsExactly("gateway.listen");
    assertThat(ConfigChanges.between(STARTED, later, STARTED).restartRequired()).as("restored").isEmpty();
  }

  @Test
  void aNewJwksCaFileNeedsARestart() throws Exception {
    Path ca = TestPki.caPem("Test CA");

    assertThat(ConfigChanges.between(STARTED, STARTED, load("gateway.auth.jwks-ca-file = \"" + ca + "\""))
        .restartRequired()).containsExactly("gateway.auth.jwks-ca-file");
  }

  @Test
  void auditFieldsNameEveryKindOfChangeAndQuoteNoUpstreamOrIssuer() {
    GatewayConfig next = load("""
        gateway.routes = [ { name = partner-center, path-prefix = "/", upstream = "https://secret-host.example:8443",
          audiences = ["https://api.partnercenter.microsoft.com"] } ]
        gateway.auth.issuers = ["https://issuer-host.example/{tenantid}/"]
        """);

    var fields = ConfigChanges.between(STARTED, STARTED, next).fields();

    assertThat(fields).containsOnlyKeys("summary", "mode", "route_modes", "routes_added", "routes_removed",
        "routes_changed", "tenants_added", "tenants_removed", "cpv_app_ids_added", "cpv_app_ids_removed",
        "auth_changed", "restart_required");
    assertThat(fields.get("routes_removed")).isEqualTo(List.of("graph"));
    assertThat(fields.get("routes_changed")).isEqualTo(List.of("partner-center: upstream"));
    assertThat(fields.get("mode")).isNull();
    assertThat(fields.toString()).doesNotContain("secret-host", "issuer-host");
    assertThat(ConfigChanges.between(STARTED, STARTED, next).mode()).isEqualTo(Optional.empty());
  }

  private static GatewayConfig load(String overrides) {
    try {
      return ConfigLoader.fromString(BASE + overrides);
    } catch (InvalidConfigException e) {
      throw new AssertionError(e.problems().toString(), e);
    }
  }
}
