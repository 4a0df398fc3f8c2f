package dev.mfagateway.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.mfagateway.config.ConfigLoader;
import dev.mfagateway.config.GatewayConfig;
import dev.mfagateway.config.InvalidConfigException;
import dev.mfagateway.config.LoggingConfig;
import dev.mfagateway.config.Mode;
import dev.mfagateway.config.RouteConfig;
import dev.mfagateway.config.SignatureMode;
import dev.mfagateway.testing.ImageJvmOptions;
import dev.mfagateway.testing.TestPki;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Helm chart, rendered by the real Helm engine (helm-java) without a cluster: lint, the default and a full
 * production values file, every manifest parsed by the fabric8 Kubernetes model with unknown fields as failures,
 * the Prometheus Operator objects checked by hand, and the values schema refusing bad input.
 */
class HelmChartTest {
  private static final Path REPO = Paths.get("..").toAbsolutePath().normalize();
  private static final Path CHART = REPO.resolve("helm/mfa-gateway");
  private static final Path PRODUCTION_VALUES = REPO.resolve("helm/ci/production-values.yaml");
  private static final String RELEASE = "edge";
  private static final String FULLNAME = "edge-mfa-gateway";
  /** helm-java's own default (1.20) is older than the chart's kubeVersion. */
  private static final String KUBE_VERSION = "1.33.0";

  private final Helm helm = new Helm(CHART);

  @Test
  void lintStrictPasses() {
    LintResult result = helm.lint().strict().call();

    assertThat(result.isFailed()).as("lint messages: %s", result.getMessages()).isFalse();
    assertThat(result.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
  }

  @Test
  void defaultValuesRenderKnownManifestsOnly() {
    List<HasMetadata> manifests = render(UnaryOperator.identity());

    assertThat(kinds(manifests)).containsExactlyInAnyOrder(
        "ConfigMap", "Deployment", "NetworkPolicy", "PodDisruptionBudget", "Service", "ServiceAccount");
    assertNoUnknownFields(manifests);
  }

  @Test
  void productionValuesRenderEveryObjectWithKnownFieldsOnly() {
    List<HasMetadata> manifests = renderProduction();

    assertThat(kinds(manifests)).containsExactlyInAnyOrder(
        "ConfigMap", "ConfigMap", "Deployment", "HorizontalPodAutoscaler", "Ingress", "NetworkPolicy",
        "PodDisruptionBudget", "PrometheusRule", "Service", "ServiceAccount", "ServiceMonitor");
    assertNoUnknownFields(manifests);
  }

  @Test
  void unknownFieldWalkerReportsAMisspeltField() {
    HasMetadata parsed = Serialization.unmarshal("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: x}
        spec:
          template:
            spec:
              containers:
                - name: c
                  image: i
                  resourcez: {limits: {memory: 1Gi}}
        """);

    assertThat(UnknownFields.in(parsed, "Deployment/x"))
        .containsExactly("Deployment/x.spec.template.spec.containers[0].resourcez");
  }

  @Test
  void deploymentIsLockedDownAndProbedOnTheAdminPort() {
    for (List<HasMetadata> manifests : List.of(render(UnaryOperator.identity()), renderProduction())) {
      PodSpec pod = the(manifests, Deployment.class).getSpec().getTemplate().getSpec();
      Container gateway = pod.getContainers().get(0);

      assertThat(pod.getAutomountServiceAccountToken()).isFalse();
      assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
      assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(10001L);
      assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
      assertThat(gateway.getSecurityContext().getRunAsNonRoot()).isTrue();
      assertThat(gateway.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
      assertThat(gateway.getSecurityContext().getPrivileged()).isFalse();
      assertThat(gateway.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
      assertThat(gateway.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(gateway.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
      assertThat(gateway.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");

      assertThat(gateway.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
      assertThat(gateway.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("admin");
      assertThat(gateway.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
      assertThat(gateway.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("admin");
      assertThat(gateway.getResources().getRequests()).containsKeys("cpu", "memory");
      assertThat(gateway.getResources().getLimits()).containsKey("memory");
      assertThat(gateway.getVolumeMounts()).anyMatch(m -> m.getMountPath().equals("/tmp"));
      assertThat(gateway.getEnv()).anySatisfy(e -> {
        assertThat(e.getName()).isEqualTo("JDK_JAVA_OPTIONS");
        assertThat(e.getValue()).startsWith(ImageJvmOptions.line());
      });
      assertThat(pod.getTopologySpreadConstraints()).isNotEmpty().allSatisfy(c -> {
        assertThat(c.getLabelSelector().getMatchLabels())
            .containsEntry("app.kubernetes.io/name", "mfa-gateway").containsEntry("app.kubernetes.io/instance", RELEASE);
        assertThat(c.getMatchLabelKeys()).containsExactly("pod-template-hash");
      });
    }
  }

  @Test
  void podOutlastsTheGatewaysDrainOnShutdown() {
    for (List<HasMetadata> manifests : List.of(render(UnaryOperator.identity()), renderProduction())) {
      PodSpec pod = the(manifests, Deployment.class).getSpec().getTemplate().getSpec();
      List<String> preStop = pod.getContainers().get(0).getLifecycle().getPreStop().getExec().getCommand();
      Duration preStopSleep = Duration.ofSeconds(Long.parseLong(preStop.get(1)));
      Duration drain = hocon(manifests).getDuration("gateway.server.shutdown-grace");

      assertThat(preStop.get(0)).isEqualTo("sleep");
      assertThat(Duration.ofSeconds(pod.getTerminationGracePeriodSeconds()))
          .isGreaterThan(preStopSleep.plus(drain));
    }
  }

  @Test
  void aConfigChangeRollsThePods() {
    String before = checksum(render(UnaryOperator.identity()));
    String same = checksum(render(UnaryOperator.identity()));
    String after = checksum(render(t -> t.set("gateway.mode", "report-only")));

    assertThat(before).matches("[0-9a-f]{64}").isEqualTo(same).isNotEqualTo(after);
  }

  @Test
  void configMapRendersTheGatewayConfigurationFromValues() {
    Config defaults = hocon(render(UnaryOperator.identity()));
    assertThat(defaults.getString("gateway.mode")).isEqualTo("enforce");
    assertThat(defaults.getInt("gateway.listen.port")).isEqualTo(8080);
    assertThat(defaults.getInt("gateway.admin.port")).isEqualTo(9090);
    assertThat(defaults.hasPath("gateway.listen.tls")).isFalse();
    assertThat(defaults.getStringList("gateway.auth.allowed-tenants")).isEmpty();
    assertThat(defaults.getConfigList("gateway.routes")).singleElement()
        .satisfies(r -> assertThat(r.getString("upstream")).isEqualTo("https://api.partnercenter.microsoft.com"));

    Config production = hocon(renderProduction());
    assertThat(production.getConfigList("gateway.routes")).extracting(r -> r.getString("name"))
        .containsExactly("graph", "arm", "partner-center");
    assertThat(production.getConfigList("gateway.routes").get(0).getString("signature")).isEqualTo("claims-only");
    assertThat(production.getStringList("gateway.auth.issuers"))
        .containsExactly("https://sts.windows.net/{tenantid}/", "https://login.microsoftonline.com/{tenantid}/v2.0");
    assertThat(production.getStringList("gateway.auth.allowed-tenants")).hasSize(2);
    assertThat(production.getStringList("gateway.auth.cpv-app-ids")).hasSize(1);
    assertThat(production.getBytes("gateway.limits.max-header-size")).isEqualTo(32 * 1024L);
    assertThat(production.getString("gateway.listen.tls.cert-file")).isEqualTo("/etc/mfa-gateway/tls/tls.crt");
    assertThat(production.getString("gateway.listen.tls.key-file")).isEqualTo("/etc/mfa-gateway/tls/tls.key");
    assertThat(production.getString("gateway.upstream.ca-file")).isEqualTo("/etc/mfa-gateway/upstream-ca/ca.crt");
    assertThat(production.getDuration("gateway.server.shutdown-grace")).isEqualTo(Duration.ofSeconds(45));
  }

  @Test
  void tlsCertificateComesFromTheNamedSecret() {
    List<HasMetadata> manifests = renderProduction();
    PodSpec pod = the(manifests, Deployment.class).getSpec().getTemplate().getSpec();

    assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals("tls")).singleElement().satisfies(v -> {
      assertThat(v.getSecret().getSecretName()).isEqualTo("mfa-gateway-tls");
      assertThat(v.getSecret().getItems()).extracting(i -> i.getKey()).containsExactly("tls.crt", "tls.key");
    });
    assertThat(pod.getContainers().get(0).getVolumeMounts())
        .anyMatch(m -> m.getMountPath().equals("/etc/mfa-gateway/tls") && m.getReadOnly());
    assertThat(the(manifests, Service.class).getSpec().getPorts()).extracting(ServicePort::getAppProtocol)
        .containsExactly("https", "http");
  }

  @Test
  void serviceAccountMountsNoToken() {
    assertThat(the(render(UnaryOperator.identity()), ServiceAccount.class).getAutomountServiceAccountToken())
        .isFalse();
  }

  @Test
  void serviceExposesProxyAndAdminPorts() {
    Service service = the(render(UnaryOperator.identity()), Service.class);

    assertThat(service.getSpec().getPorts()).extracting(ServicePort::getName, ServicePort::getPort)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("proxy", 8080),
            org.assertj.core.groups.Tuple.tuple("admin", 9090));
    assertThat(service.getSpec().getSelector())
        .containsExactlyInAnyOrderEntriesOf(Map.of("app.kubernetes.io/name", "mfa-gateway",
            "app.kubernetes.io/instance", RELEASE));
  }

  @Test
  void networkPolicyAdmitsLabelledClientsAndLetsOutOnlyDnsAndHttps() {
    NetworkPolicy policy = the(render(UnaryOperator.identity()), NetworkPolicy.class);

    assertThat(policy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
    assertThat(policy.getSpec().getIngress().get(0).getFrom()).singleElement()
        .satisfies(peer -> assertThat(peer.getPodSelector().getMatchLabels())
            .containsExactlyEntriesOf(Map.of("mfa-gateway-client", "true")));
    assertThat(policy.getSpec().getIngress().get(0).getPorts()).singleElement()
        .satisfies(p -> assertThat(p.getPort().getStrVal()).isEqualTo("proxy"));
    Set<Integer> egressPorts = policy.getSpec().getEgress().stream()
        .map(NetworkPolicyEgressRule::getPorts).flatMap(List::stream)
        .map(p -> p.getPort().getIntVal()).collect(Collectors.toSet());
    assertThat(egressPorts).containsExactlyInAnyOrder(53, 443);

    NetworkPolicy production = the(renderProduction(), NetworkPolicy.class);
    assertThat(production.getSpec().getIngress().get(0).getFrom()).hasSize(2).last()
        .satisfies(peer -> assertThat(peer.getNamespaceSelector().getMatchLabels())
            .containsExactlyEntriesOf(Map.of("kubernetes.io/metadata.name", "ingress-nginx")));
  }

  @Test
  void productionObjectsAreWiredToTheDeployment() {
    List<HasMetadata> manifests = renderProduction();
    Deployment deployment = the(manifests, Deployment.class);

    assertThat(deployment.getSpec().getReplicas()).as("the HPA owns the replica count").isNull();
    assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example.internal/platform/mfa-gateway@sha256:"
            + "4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945");
    HorizontalPodAutoscaler hpa = the(manifests, HorizontalPodAutoscaler.class);
    assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(FULLNAME);
    assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(3);
    PodDisruptionBudget pdb = the(manifests, PodDisruptionBudget.class);
    assertThat(pdb.getSpec().getSelector().getMatchLabels())
        .isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
    Ingress ingress = the(manifests, Ingress.class);
    assertThat(ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend().getService())
        .satisfies(s -> {
          assertThat(s.getName()).isEqualTo(FULLNAME);
          assertThat(s.getPort().getName()).isEqualTo("proxy");
        });
  }

  @Test
  void serviceMonitorScrapesTheAdminPort() {
    List<HasMetadata> manifests = renderProduction();
    GenericKubernetesResource monitor = custom(manifests, "ServiceMonitor");
    Map<String, Object> spec = map(monitor.getAdditionalProperties().get("spec"));

    assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "kube-prometheus-stack");
    assertThat(spec).containsOnlyKeys("selector", "namespaceSelector", "endpoints");
    assertThat(map(spec.get("selector")).get("matchLabels"))
        .isEqualTo(the(manifests, Service.class).getSpec().getSelector());
    List<Object> endpoints = list(spec.get("endpoints"));
    assertThat(endpoints).singleElement().satisfies(e -> assertThat(map(e))
        .containsOnlyKeys("port", "path", "scheme", "interval", "scrapeTimeout", "authorization")
        .containsEntry("port", "admin").containsEntry("path", "/metrics").containsEntry("interval", "15s")
        .containsEntry("authorization",
            Map.of("type", "Bearer", "credentials", Map.of("name", "mfa-gateway-admin-token", "key", "token"))));
  }

  @Test
  void byDefaultTheAdminPortHasNoTokenAndTheServiceMonitorSendsNone() {
    List<HasMetadata> manifests = render(t -> t.set("serviceMonitor.enabled", "true"));
    PodSpec pod = the(manifests, Deployment.class).getSpec().getTemplate().getSpec();

    assertThat(kinds(manifests)).doesNotContain("Secret");
    assertThat(pod.getVolumes()).noneMatch(v -> v.getSecret() != null);
    assertThat(pod.getContainers().get(0).getVolumeMounts()).noneMatch(m -> m.getMountPath().contains("admin-token"));
    assertThat(hocon(manifests).hasPath("gateway.admin.token-file")).isFalse();
    Map<String, Object> spec = map(custom(manifests, "ServiceMonitor").getAdditionalProperties().get("spec"));
    assertThat(list(spec.get("endpoints"))).singleElement().satisfies(e -> assertThat(map(e)).doesNotContainKey(
        "authorization"));
  }

  @Test
  void anExistingAdminTokenSecretIsMountedAndNamedInTheConfiguration() {
    List<HasMetadata> manifests = renderProduction();
    PodSpec pod = the(manifests, Deployment.class).getSpec().getTemplate().getSpec();

    assertThat(kinds(manifests)).as("the chart creates no Secret it was told exists").doesNotContain("Secret");
    assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals("admin-token")).singleElement().satisfies(v -> {
      assertThat(v.getSecret().getSecretName()).isEqualTo("mfa-gateway-admin-token");
      assertThat(v.getSecret().getItems()).extracting(i -> i.getKey(), i -> i.getPath())
          .containsExactly(org.assertj.core.groups.Tuple.tuple("token", "token"));
    });
    assertThat(pod.getContainers().get(0).getVolumeMounts()).filteredOn(m -> m.getName().equals("admin-token"))
        .singleElement().satisfies(m -> {
          assertThat(m.getMountPath()).isEqualTo("/etc/mfa-gateway/admin-token");
          assertThat(m.getReadOnly()).isTrue();
        });
    assertThat(hocon(manifests).getString("gateway.admin.token-file")).isEqualTo("/etc/mfa-gateway/admin-token/token");
  }

  @Test
  void aCreatedAdminTokenSecretReachesThePodTheConfigurationAndTheServiceMonitor(@TempDir Path mounts)
      throws IOException {
    String token = "s3cret-scrape-token";
    List<HasMetadata> manifests = render(t -> t.set("admin.token.create", "true").set("admin.token.value", token)
        .set("serviceMonitor.enabled", "true"));
    String secretName = FULLNAME + "-admin-token";

    Secret secret = manifests.stream().filter(Secret.class::isInstance).map(Secret.class::cast).findFirst()
        .orElseThrow(() -> new AssertionError("no Secret rendered"));
    assertThat(secret.getMetadata().getName()).isEqualTo(secretName);
    assertThat(secret.getData()).containsOnlyKeys("token");
    String stored = new String(Base64.getDecoder().decode(secret.getData().get("token")), StandardCharsets.UTF_8);
    assertThat(stored).isEqualTo(token);
    assertNoUnknownFields(manifests);

    PodSpec pod = the(manifests, Deployment.class).getSpec().getTemplate().getSpec();
    assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals("admin-token")).singleElement()
        .satisfies(v -> assertThat(v.getSecret().getSecretName()).isEqualTo(secretName));
    Map<String, Object> spec = map(custom(manifests, "ServiceMonitor").getAdditionalProperties().get("spec"));
    assertThat(list(spec.get("endpoints"))).singleElement().satisfies(e -> assertThat(map(e)).containsEntry(
        "authorization", Map.of("type", "Bearer", "credentials", Map.of("name", secretName, "key", "token"))));

    // The gateway loads the rendered configuration with the Secret's content where the pod mounts it.
    Path tokenFile = mounts.resolve("admin-token/token");
    Files.createDirectories(tokenFile.getParent());
    Files.writeString(tokenFile, stored);
    String text = configMapText(manifests);
    assertThat(text).contains("\"/etc/mfa-gateway/admin-token/token\"");
    GatewayConfig config = load(text.replace("\"/etc/mfa-gateway/", "\"" + mounts + "/"));
    assertThat(config.admin().token()).hasValueSatisfying(t -> assertThat(t.value()).isEqualTo(token));
  }

  @Test
  void anAdminTokenFromBothAnExistingAndACreatedSecretIsRefused() {
    assertThatThrownBy(() -> render(t -> t.set("admin.token.existingSecret", "mine").set("admin.token.create", "true")
        .set("admin.token.value", "abc")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("admin.token: set either existingSecret (a Secret you manage) or create (with value)");
  }

  @Test
  void prometheusRuleCarriesTheChartsAlertRules() throws Exception {
    GenericKubernetesResource rule = custom(renderProduction(), "PrometheusRule");
    Map<String, Object> spec = map(rule.getAdditionalProperties().get("spec"));
    Map<String, Object> file = Serialization.unmarshal(
        Files.readString(CHART.resolve("files/prometheus-rules.yaml")), Map.class);

    assertThat(rule.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(spec).containsOnlyKeys("groups").isEqualTo(file);
    assertThat(list(spec.get("groups"))).isNotEmpty().allSatisfy(g -> {
      assertThat(map(g)).containsKeys("name", "rules");
      assertThat(map(g).keySet()).isSubsetOf("name", "interval", "rules", "limit");
      assertThat(list(map(g).get("rules"))).isNotEmpty().allSatisfy(r -> {
        assertThat(map(r)).containsKey("expr");
        assertThat(map(r).keySet())
            .isSubsetOf("alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations");
        assertThat(map(r).containsKey("alert") ^ map(r).containsKey("record")).isTrue();
      });
    });
  }

  @Test
  void grafanaDashboardIsAConfigMapForTheSidecar() throws Exception {
    ConfigMap dashboard = renderProduction().stream().filter(ConfigMap.class::isInstance).map(ConfigMap.class::cast)
        .filter(c -> c.getMetadata().getName().equals(FULLNAME + "-dashboard")).findFirst().orElseThrow();
    Map<String, Object> file = Serialization.unmarshal(
        Files.readString(CHART.resolve("files/grafana-dashboard.json")), Map.class);

    assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    assertThat(dashboard.getData()).containsOnlyKeys("mfa-gateway.json");
    Map<String, Object> rendered = Serialization.unmarshal(dashboard.getData().get("mfa-gateway.json"), Map.class);
    assertThat(rendered).isEqualTo(file).containsKey("panels");
  }

  @Test
  void jvmOptionsCarryTheHeapShareTheYoungGenerationAndTheExtras() {
    assertThat(jvmOptions(render(UnaryOperator.identity())))
        .isEqualTo("-XX:MaxRAMPercentage=50 -XX:NewSize=24m")
        .as("the image's defaults, which IdleConnectionsMemoryTest and compare.sh run with")
        .isEqualTo(ImageJvmOptions.line());
    assertThat(jvmOptions(render(t -> t.set("jvm.newSize", "64m").set("jvm.extraOptions", "-Xss512k"))))
        .isEqualTo("-XX:MaxRAMPercentage=50 -XX:NewSize=64m -Xss512k");
    assertThat(jvmOptions(render(t -> t.set("jvm.newSize", "null")))).isEqualTo("-XX:MaxRAMPercentage=50");
  }

  private static String jvmOptions(List<HasMetadata> manifests) {
    return the(manifests, Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
        .filter(e -> e.getName().equals("JDK_JAVA_OPTIONS")).findFirst().orElseThrow().getValue();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "wrong-type-values.yaml            | at '/replicaCount': got string, want integer",
      "unknown-top-level-key-values.yaml | at '': additional properties 'replicas' not allowed",
      "unknown-gateway-key-values.yaml   | at '/gateway/auth': additional properties 'allowed-tenant' not allowed",
      "chart-owned-key-values.yaml       | at '/gateway': additional properties 'listen' not allowed",
      "bad-tenant-values.yaml            | at '/gateway/auth/allowed-tenants/0': 'contoso.onmicrosoft.com' does not match",
      "wiaormfa-values.yaml              | at '/gateway/auth/mfa-values/1'",
      "bad-duration-values.yaml          | at '/gateway/auth/clock-skew': 'one minute' does not match",
      "tls-without-secret-values.yaml    | at '/tls/existingSecret': minLength",
      "admin-token-without-value-values.yaml | at '/admin/token/value': minLength",
      "admin-token-two-words-values.yaml | at '/admin/token/value': 'two words' does not match",
      "bad-new-size-values.yaml          | at '/jvm/newSize': '24 MB' does not match",
  })
  void schemaRefusesBadValues(String valuesFile, String schemaError) throws URISyntaxException {
    Path values = Paths.get(HelmChartTest.class.getResource("/helm/" + valuesFile).toURI());

    assertThatThrownBy(() -> helm.template().withName(RELEASE).withKubeVersion(KUBE_VERSION).withValuesFile(values).call())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining(schemaError);
  }

  /**
   * The rendered HOCON is loaded by the gateway's own loader, which validates every key and checks that the files it
   * names exist. In the pod the chart mounts them under /etc/mfa-gateway; here empty files under a temporary
   * directory stand in for them.
   */
  @Test
  void renderedConfigurationIsAcceptedByTheGatewaysConfigLoader(@TempDir Path mounts) throws Exception {
    GatewayConfig defaults = load(configMapText(render(UnaryOperator.identity())));
    assertThat(defaults.mode()).isEqualTo(Mode.ENFORCE);
    assertThat(defaults.listen().port()).isEqualTo(8080);
    assertThat(defaults.admin().port()).isEqualTo(9090);
    assertThat(defaults.listen().tls()).isEmpty();
    assertThat(defaults.auth().allowedTenants()).isEmpty();
    assertThat(defaults.server().shutdownGrace()).isEqualTo(Duration.ofSeconds(30));

    for (String file : List.of("tls/tls.crt", "tls/tls.key", "upstream-ca/ca.crt")) {
      Files.createDirectories(mounts.resolve(file).getParent());
      Files.createFile(mounts.resolve(file));
    }
    Files.writeString(mounts.resolve("upstream-ca/ca.crt"),
        TestPki.ca("Test CA").getCertificatePEM());
    Files.createDirectories(mounts.resolve("admin-token"));
    Files.writeString(mounts.resolve("admin-token/token"), "token-from-the-secret\n");
    String productionText = configMapText(renderProduction());
    assertThat(productionText).contains("\"/etc/mfa-gateway/tls/tls.crt\"");
    GatewayConfig production = load(productionText.replace("\"/etc/mfa-gateway/", "\"" + mounts + "/"));
    assertThat(production.routes()).extracting(RouteConfig::name).containsExactly("graph", "arm", "partner-center");
    assertThat(production.routes().get(0).signature()).isEqualTo(SignatureMode.CLAIMS_ONLY);
    assertThat(production.routes().get(1).allowAppOnly()).isFalse();
    assertThat(production.routes().get(2).mode()).isEqualTo(Mode.REPORT_ONLY);
    assertThat(production.auth().allowedTenants())
        .containsExactlyInAnyOrder("3f2a1c5e-8b7d-4e21-9a0f-6c4b2d1e7f90", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
    assertThat(production.auth().mfaValues()).containsExactly("mfa", "ngcmfa");
    assertThat(production.auth().tokenCacheMaxEntries()).isEqualTo(200_000L);
    assertThat(production.listen().tls()).hasValueSatisfying(tls -> {
      assertThat(tls.certFile()).isEqualTo(mounts.resolve("tls/tls.crt"));
      assertThat(tls.keyFile()).isEqualTo(mounts.resolve("tls/tls.key"));
    });
    assertThat(production.upstream().caFile()).contains(mounts.resolve("upstream-ca/ca.crt"));
    assertThat(production.upstream().poolMaxConnections()).isEqualTo(64);
    assertThat(production.limits().maxHeaderSize()).isEqualTo(32 * 1024);
    assertThat(production.logging().accessLog()).isEqualTo(LoggingConfig.AccessLog.REFUSALS);
    assertThat(production.server().shutdownGrace()).isEqualTo(Duration.ofSeconds(45));
    assertThat(production.admin().token()).hasValueSatisfying(
        token -> assertThat(token.value()).isEqualTo("token-from-the-secret"));
    assertThat(defaults.admin().token()).isEmpty();
  }

  private static GatewayConfig load(String hocon) {
    try {
      return ConfigLoader.fromString(hocon);
    } catch (InvalidConfigException e) {
      return fail("the gateway refuses the chart's rendered configuration:\n" + String.join("\n", e.problems()));
    }
  }

  private List<HasMetadata> renderProduction() {
    return render(t -> t.withValuesFile(PRODUCTION_VALUES));
  }

  private List<HasMetadata> render(UnaryOperator<TemplateCommand> options) {
    String yaml = options.apply(helm.template().withName(RELEASE).withNamespace("gateways").withKubeVersion(KUBE_VERSION)).call();
    List<HasMetadata> manifests = new ArrayList<>();
    for (String document : yaml.split("(?m)^---\\s*$")) {
      if (!document.lines().allMatch(line -> line.isBlank() || line.startsWith("#"))) {
        manifests.add(Serialization.unmarshal(document));
      }
    }
    return manifests;
  }

  private static void assertNoUnknownFields(List<HasMetadata> manifests) {
    List<String> unknown = new ArrayList<>();
    for (HasMetadata manifest : manifests) {
      unknown.addAll(UnknownFields.in(manifest, manifest.getKind() + "/" + manifest.getMetadata().getName()));
    }
    assertThat(unknown).as("fields the Kubernetes model does not know").isEmpty();
  }

  private static List<String> kinds(List<HasMetadata> manifests) {
    return manifests.stream().map(HasMetadata::getKind).toList();
  }

  private static <T extends HasMetadata> T the(List<HasMetadata> manifests, Class<T> type) {
    List<T> found = manifests.stream().filter(type::isInstance).map(type::cast)
        .filter(m -> m.getMetadata().getName().equals(FULLNAME)).toList();
    assertThat(found).as("%s named %s", type.getSimpleName(), FULLNAME).hasSize(1);
    return found.get(0);
  }

  private static GenericKubernetesResource custom(List<HasMetadata> manifests, String kind) {
    return manifests.stream().filter(m -> m.getKind().equals(kind)).map(GenericKubernetesResource.class::cast)
        .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " rendered"));
  }

  private static String configMapText(List<HasMetadata> manifests) {
    return the(manifests, ConfigMap.class).getData().get("gateway.conf");
  }

  private static Config hocon(List<HasMetadata> manifests) {
    return ConfigFactory.parseString(configMapText(manifests));
  }

  private static String checksum(List<HasMetadata> manifests) {
    return the(manifests, Deployment.class).getSpec().getTemplate().getMetadata().getAnnotations()
        .get("checksum/config");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    assertThat(value).isInstanceOf(Map.class);
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object value) {
    assertThat(value).isInstanceOf(List.class);
    return (List<Object>) value;
  }
}
