package dev.mfagateway.proxy;

import static dev.mfagateway.proxy.TestGateway.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mfagateway.config.TlsFiles;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** TLS on the client listener, and to upstreams: chain and host name verified, extra CA from `ca-file`. */
class TlsTest {
  private static X509Bundle ca;
  private static X509Bundle localhost;
  private static X509Bundle otherHost;

  @BeforeAll
  static void certificates() throws Exception {
    Instant now = Instant.now();
    CertificateBuilder base =
        new CertificateBuilder().notBefore(now.minus(1, ChronoUnit.DAYS)).notAfter(now.plus(1, ChronoUnit.DAYS));
    ca = base.copy().subject("CN=Test CA").setIsCertificateAuthority(true).ecp256().buildSelfSigned();
    localhost =
        base.copy().subject("CN=localhost").addSanDnsName("localhost").addSanIpAddress("127.0.0.1")
            .addExtendedKeyUsageServerAuth().ecp256().buildIssuedBy(ca);
    otherHost =
        base.copy().subject("CN=other.example").addSanDnsName("other.example")
            .addExtendedKeyUsageServerAuth().ecp256().buildIssuedBy(ca);
  }

  @Test
  void theClientListenerServesTls12OrNewerWithThePemCertificate() throws Exception {
    try (TestGateway gateway = TestGateway.start(tlsListener())) {
      SSLContext trusting = trustingTheCa();
      try (RawClient client = RawClient.tls(gateway.address(), trusting.getSocketFactory())) {
        RawClient.Response response = client.send(get("/secure")).read();
        assertThat(response.status()).isEqualTo(200);
      }
      assertThat(gateway.upstream.requests.get(0).headers().get("x-forwarded-proto")).isEqualTo("https");

      SSLSocket old = (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1", gateway.address().getPort());
      old.setEnabledProtocols(new String[] {"TLSv1.2"});
      old.startHandshake();
      assertThat(old.getSession().getProtocol()).isEqualTo("TLSv1.2");
      assertThat(old.getSession().getCipherSuite()).contains("GCM");
      old.close();
    }
  }

  @Test
  void theClientListenerRefusesALegacyCbcSuite() throws Exception {
    try (TestGateway gateway = TestGateway.start(tlsListener())) {
      SSLContext trusting = trustingTheCa();
      try (SSLSocket legacy =
          (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1", gateway.address().getPort())) {
        legacy.setEnabledProtocols(new String[] {"TLSv1.2"});
        legacy.setEnabledCipherSuites(new String[] {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"});

        assertThatThrownBy(legacy::startHandshake).isInstanceOf(javax.net.ssl.SSLException.class);
      }
      assertThat(gateway.upstream.receivedNothing()).isTrue();
    }
  }

  @Test
  void anHttpsUpstreamWithACertificateFromTheCaFileIsTrusted() throws Exception {
    try (RecordingUpstream upstream = new RecordingUpstream(serverContext(localhost))) {
      RawClient.Response response = getThroughGateway(upstream, true, "/over-tls");

      assertThat(response.status()).isEqualTo(200);
      assertThat(upstream.requests.get(0).headers().get("host")).isEqualTo("localhost:" + upstream.port());
      assertThat(upstream.serverNames).containsExactly("localhost");
    }
  }

  @Test
  void anHttpsUpstreamWhoseCertificateNamesAnotherHostIs502() throws Exception {
    try (RecordingUpstream upstream = new RecordingUpstream(serverContext(otherHost))) {
      RawClient.Response response = getThroughGateway(upstream, true, "/wrong-name");

      assertThat(response.status()).isEqualTo(502);
      assertThat(response.bodyText()).contains("\"reason\":\"upstream_unavailable\"");
      assertThat(upstream.receivedNoRequest()).isTrue();
    }
  }

  @Test
  void anHttpsUpstreamSignedByAnUntrustedCaIs502() throws Exception {
    try (RecordingUpstream upstream = new RecordingUpstream(serverContext(localhost))) {
      assertThat(getThroughGateway(upstream, false, "/untrusted").status()).isEqualTo(502);
      assertThat(upstream.receivedNoRequest()).isTrue();
    }
  }

  /** A config whose client listener serves TLS with the `localhost` certificate. */
  private static TestConfig tlsListener() throws Exception {
    TestConfig config = new TestConfig();
    config.listenerTls =
        Optional.of(new TlsFiles(localhost.toTempCertChainPem().toPath(), localhost.toTempPrivateKeyPem().toPath()));
    return config;
  }

  /** A client-side TLS context that trusts only the test CA. */
  private static SSLContext trustingTheCa() throws Exception {
    SSLContext trusting = SSLContext.getInstance("TLS");
    trusting.init(null, ca.toTrustManagerFactory().getTrustManagers(), null);
    return trusting;
  }

  /**
   * One GET of {@code target} through a gateway whose only route is the HTTPS {@code upstream}, named `localhost`;
   * with {@code caFile}, the test CA is the gateway's `ca-file`. The gateway is closed before this returns.
   */
  private static RawClient.Response getThroughGateway(RecordingUpstream upstream, boolean caFile, String target)
      throws Exception {
    TestConfig config = new TestConfig().route("/", upstream.uri("localhost"));
    if (caFile) {
      config.caFile = Optional.of(ca.toTempRootCertPem().toPath());
    }
    try (TestGateway gateway = TestGateway.start(config, upstream);
        RawClient client = gateway.client()) {
      return client.send(get(target)).read();
    }
  }

  private static SslContext serverContext(X509Bundle certificate) throws Exception {
    return SslContextBuilder.forServer(certificate.toKeyManagerFactory()).build();
  }
}
