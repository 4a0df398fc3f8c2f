package dev.mfagateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mfagateway.testing.FaultServer;
import dev.mfagateway.testing.FaultServer.Fault;
import dev.mfagateway.testing.TestIssuer;
import dev.mfagateway.testing.TestPki;
import io.netty.pkitesting.X509Bundle;
import java.io.EOFException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The fault matrix of the upstream (docs/fault-matrix.md, "Upstream"): an upstream that refuses connections, resets
 * mid-body, stalls, speaks malformed HTTP, or fails the TLS handshake. In each: the status SPEC §8 names (502
 * `upstream_unavailable`, 504 `upstream_timeout`), a probe on another connection answering promptly while the fault
 * lasts (one event loop), and recovery once the upstream is healthy again, without a restart. Leaks fail the class
 * through {@link dev.mfagateway.NettyLeakCheck}. {@link dev.mfagateway.proxy.UpstreamFailureTest} adds what happens
 * to the client connection and the pool.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpstreamFaultsTest {
  private static final String PROBE = "/probe/x";
  private static final String PLAIN = "/v1/customers";
  private static final String SECURE = "/tls/v1/customers";
  private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration WAIT = Duration.ofSeconds(15);

  private static Path caPem;
  private static SSLContext trusted;
  private static SSLContext untrusted;

  private final TestIssuer issuer = TestIssuer.start();
  private final String token = new Tokens(issuer).valid();
  private FaultServer plain;
  private FaultServer secure;
  private RecordingServer healthy;
  private RunningGateway gateway;

  @BeforeAll
  static void certificates() throws Exception {
    X509Bundle ca = TestPki.ca("Upstream CA");
    caPem = ca.toTempRootCertPem().toPath();
    trusted = serverTls(TestPki.loopbackServer(ca));
    untrusted = serverTls(TestPki.loopbackServer(TestPki.ca("Unknown CA")));
  }

  private static SSLContext serverTls(X509Bundle certificate) throws Exception {
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(certificate.toKeyManagerFactory().getKeyManagers(), null, null);
    return tls;
  }

  /** Routes `/probe/` to a healthy upstream, `/tls/` to the HTTPS fault server and `/` to the plain one. */
  @BeforeEach
  void start() throws Exception {
    plain = FaultServer.start(() -> "{\"upstream\":\"plain\"}");
    secure = FaultServer.startTls(() -> "{\"upstream\":\"secure\"}", trusted, untrusted);
    healthy = new RecordingServer("{}");
    gateway = RunningGateway.start(RunningGateway.config(issuer.jwksUri(),
        RunningGateway.route("probe", "/probe/", healthy.uri(), TestIssuer.AUDIENCE, ""),
        RunningGateway.route("secure", "/tls/", secure.uri(), TestIssuer.AUDIENCE, ""),
        RunningGateway.route("plain", "/", plain.uri(), TestIssuer.AUDIENCE, "")) + """
        gateway.server.event-loop-threads = 1
        gateway.upstream { connect-timeout = 1s, response-timeout = %dms, ca-file = "%s" }
        """.formatted(RESPONSE_TIMEOUT.toMillis(), caPem));
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    healthy.close();
    secure.close();
    plain.close();
    issuer.close();
  }

  @Test
  void anUpstreamRefusingConnectionsIs502UntilItListensAgain() throws Exception {
    plain.fault(Fault.REFUSE_CONNECTIONS);

    Refusals.assertRefusal(gateway.get(PLAIN, token), 502, Refusals.NO_CHALLENGE, "upstream_unavailable");
    assertPromptProbe();

    plain.heal();
    assertServes(PLAIN, "plain");
  }

  @Test
  void anUpstreamResetMidBodyEndsTheClientConnectionEarly() throws Exception {
    assertServes(PLAIN, "plain");
    plain.fault(Fault.RESET_MID_BODY);

    try (KeepAliveConnection connection = new KeepAliveConnection(gateway.address())) {
      assertThatThrownBy(() -> connection.get(PLAIN, "Bearer " + token))
          .as("the 200 head went out; the body stops short and the connection closes")
          .isInstanceOf(EOFException.class)
          .hasMessageEndingWith(" of " + FaultServer.ANNOUNCED_BODY_BYTES + " bytes");
    }
    assertPromptProbe();

    plain.heal();
    assertServes(PLAIN, "plain");
  }

  @Test
  void aStalledUpstreamIs504AfterTheResponseTimeoutAndTheProbeIsServedMeanwhile() throws Exception {
    assertServes(PLAIN, "plain");
    plain.fault(Fault.SILENT);

    int requestsBefore = plain.requests();
    long started = System.nanoTime();
    CompletableFuture<HttpResponse<String>> stalled = gateway.sendAsync(gateway.request(PLAIN, List.of("Bearer "
        + token)));
    assertThat(plain.awaitRequests(requestsBefore + 1, WAIT)).as("the request reached the upstream").isTrue();
    assertPromptProbe();
    assertThat(stalled).as("still waiting for the upstream").isNotDone();

    HttpResponse<String> timedOut = stalled.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    Refusals.assertRefusal(timedOut, 504, Refusals.NO_CHALLENGE, "upstream_timeout");
    assertThat(PromptProbe.since(started)).isGreaterThanOrEqualTo(RESPONSE_TIMEOUT).isLessThan(WAIT);

    plain.heal();
    assertServes(PLAIN, "plain");
  }

  /** A status line that is not HTTP, or a control character in a header value. */
  @ParameterizedTest
  @EnumSource(value = Fault.class, names = {"MALFORMED_HTTP", "CONTROL_CHARACTER_IN_HEADER"})
  void malformedHttpFromTheUpstreamIs502(Fault fault) throws Exception {
    assertServes(PLAIN, "plain");
    plain.fault(fault);

    HttpResponse<String> refused = gateway.get(PLAIN, token);
    Refusals.assertRefusal(refused, 502, Refusals.NO_CHALLENGE, "upstream_unavailable");
    assertThat(refused.body()).contains("the upstream's response is not valid HTTP");
    assertPromptProbe();

    plain.heal();
    assertServes(PLAIN, "plain");
  }

  /** A plaintext server on an https route, or a certificate from a CA the gateway does not trust. */
  @ParameterizedTest
  @EnumSource(value = Fault.class, names = {"PLAINTEXT", "UNTRUSTED_CERTIFICATE"})
  void aFailedTlsHandshakeWithTheUpstreamIs502(Fault fault) throws Exception {
    secure.fault(fault);

    HttpResponse<String> refused = gateway.get(SECURE, token);
    Refusals.assertRefusal(refused, 502, Refusals.NO_CHALLENGE, "upstream_unavailable");
    assertThat(refused.body()).contains("TLS with the upstream failed");
    assertPromptProbe();

    secure.heal();
    assertServes(SECURE, "secure");
  }

  /** A request to the healthy route on a new connection, and `/healthz`, answer within the probe's bound. */
  private void assertPromptProbe() throws Exception {
    assertThat(PromptProbe.request(gateway, PROBE, token).status()).isEqualTo(200);
    PromptProbe.healthz(gateway);
  }

  private void assertServes(String path, String upstream) throws Exception {
    HttpResponse<String> response = gateway.get(path, token);
    assertThat(response.statusCode()).as("body %s", response.body()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("{\"upstream\":\"" + upstream + "\"}");
  }
}
