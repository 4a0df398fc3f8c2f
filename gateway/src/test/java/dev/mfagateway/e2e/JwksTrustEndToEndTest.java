package dev.mfagateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.Main;
import dev.mfagateway.config.ChildJvm;
import dev.mfagateway.testing.TestIssuer;
import dev.mfagateway.testing.TestPki;
import io.netty.pkitesting.X509Bundle;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JWKS fetched over HTTPS from a server whose certificate a private CA signed (as behind a TLS-inspecting egress
 * proxy): the keys load only when that CA is `auth.jwks-ca-file`, or `upstream.ca-file` without a `jwks-ca-file`.
 */
class JwksTrustEndToEndTest {
  private static final String PATH = "/v1/customers";

  private static X509Bundle ca;
  private static Path caPem;
  private static Path otherCaPem;

  @TempDir Path tmp;
  private TestIssuer issuer;
  private RecordingServer upstream;
  private RunningGateway gateway;

  @BeforeAll
  static void certificates() throws Exception {
    ca = TestPki.ca("Inspection CA");
    caPem = ca.toTempRootCertPem().toPath();
    otherCaPem = TestPki.caPem("Other CA");
  }

  /** Starts the issuer over HTTPS with a `127.0.0.1` certificate from the test CA, then the gateway with {@code trust}. */
  private void start(String trust) throws Exception {
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(TestPki.loopbackServer(ca).toKeyManagerFactory().getKeyManagers(), null, null);
    issuer = TestIssuer.startHttps(tls);
    upstream = new RecordingServer("{}");
    gateway = RunningGateway.start(
        RunningGateway.config(issuer.jwksUri(), RunningGateway.routes(upstream.uri())) + trust);
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (gateway != null) {
      gateway.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    if (issuer != null) {
      issuer.close();
    }
  }

  @Test
  void withoutTheCaTheFetchIsUnreachableAndNothingPasses() throws Exception {
    start("");

    assertKeysNotLoaded();
  }

  @Test
  void withTheCaAsJwksCaFileKeysLoadAndAValidTokenPasses() throws Exception {
    start("gateway.auth.jwks-ca-file = \"" + caPem + "\"\n");

    assertKeysLoadedAndATokenPasses();
  }

  @Test
  void theUpstreamCaFileServesTheJwksFetchWhenNoJwksCaFileIsSet() throws Exception {
    start("gateway.upstream.ca-file = \"" + caPem + "\"\n");

    assertKeysLoadedAndATokenPasses();
  }

  @Test
  void aJwksCaFileTakesThePlaceOfTheUpstreamCaFileForTheFetch() throws Exception {
    start("gateway.upstream.ca-file = \"" + caPem + "\"\ngateway.auth.jwks-ca-file = \"" + otherCaPem + "\"\n");

    assertKeysNotLoaded();
  }

  @Test
  void anotherCaDoesNotHelp() throws Exception {
    start("gateway.auth.jwks-ca-file = \"" + otherCaPem + "\"\n");

    assertKeysNotLoaded();
  }

  @Test
  void serveExitsWith2NamingTheKeyWhenTheJwksCaFileIsNotPem() throws Exception {
    Path notPem = Files.writeString(tmp.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\nnot base64!\n");
    Path config = Files.writeString(tmp.resolve("gateway.conf"),
        "gateway { listen.port = 0, admin.port = 0, auth.jwks-ca-file = \"" + notPem + "\" }");
    ChildJvm.Result serve = ChildJvm.run(Map.of(), List.of(), Main.class, "serve", "--config", config.toString());

    assertThat(serve.exitCode()).isEqualTo(2);
    assertThat(serve.stderr()).contains("gateway.auth.jwks-ca-file: not a PEM certificate file: " + notPem);
  }

  private void assertKeysNotLoaded() throws Exception {
    assertThat(gateway.isReady()).isFalse();
    assertThat(gateway.readyz()).isEqualTo(503);
    assertThat(gateway.metric("mfa_gateway_jwks_fetches_total", "outcome=\"unreachable\"")).isGreaterThanOrEqualTo(1);
    assertThat(issuer.fetchCount()).as("the handshake fails before any JWKS is served").isZero();
    HttpResponse<String> refused = gateway.get(PATH, new Tokens(issuer).valid());
    Refusals.assertRefusal(refused, 503, Refusals.NO_CHALLENGE, "keys_unavailable");
    assertThat(upstream.received()).isEmpty();
  }

  private void assertKeysLoadedAndATokenPasses() throws Exception {
    assertThat(gateway.isReady()).isTrue();
    assertThat(gateway.readyz()).isEqualTo(200);
    assertThat(gateway.metric("mfa_gateway_jwks_fetches_total", "outcome=\"success\"")).isEqualTo(1);
    assertThat(issuer.fetchCount()).isEqualTo(1);
    assertThat(gateway.get(PATH, new Tokens(issuer).valid()).statusCode()).isEqualTo(200);
    assertThat(upstream.received()).hasSize(1);
  }
}
