package dev.mfagateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mfagateway.testing.TestPki;
import io.netty.pkitesting.X509Bundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The extra CA of `upstream.ca-file` and `auth.jwks-ca-file` adds to the system trust store, never replaces it. */
class ExtraTrustTest {
  private static X509Bundle ca;
  private static X509Bundle server;

  @TempDir Path tmp;

  @BeforeAll
  static void certificates() throws Exception {
    ca = TestPki.ca("Inspection CA");
    server = TestPki.loopbackServer(ca);
  }

  @Test
  void theCombinedTrustHoldsEverySystemCaPlusTheExtraOne() throws Exception {
    List<X509Certificate> system = acceptedIssuers(ExtraTrust.trustManagers(Optional.empty()));
    List<X509Certificate> combined =
        acceptedIssuers(ExtraTrust.trustManagers(Optional.of(ca.toTempRootCertPem().toPath())));

    assertThat(system).isNotEmpty().doesNotContain(ca.getCertificate());
    assertThat(system).containsExactlyInAnyOrderElementsOf(acceptedIssuers(jdkDefault()));
    assertThat(combined).containsAll(system).contains(ca.getCertificate()).hasSize(system.size() + 1);
  }

  @Test
  void aServerChainFromTheExtraCaIsTrustedOnlyWithIt() throws Exception {
    X509Certificate[] chain = server.getCertificatePath();
    X509TrustManager combined =
        trustManager(ExtraTrust.trustManagers(Optional.of(ca.toTempRootCertPem().toPath())));
    combined.checkServerTrusted(chain, "ECDHE_ECDSA");

    X509TrustManager systemOnly = trustManager(ExtraTrust.trustManagers(Optional.empty()));
    assertThatThrownBy(() -> systemOnly.checkServerTrusted(chain, "ECDHE_ECDSA"))
        .isInstanceOf(CertificateException.class);
  }

  @Test
  void aFileWithoutAValidCertificateIsRefused() throws Exception {
    Path empty = Files.writeString(tmp.resolve("empty.pem"), "");
    Path garbage = Files.writeString(tmp.resolve("garbage.pem"), "-----BEGIN CERTIFICATE-----\nnot base64!\n");
    Path keyOnly = ca.toTempPrivateKeyPem().toPath();

    for (Path file : List.of(empty, garbage, keyOnly)) {
      assertThatThrownBy(() -> ExtraTrust.certificates(file)).as(file.toString())
          .isInstanceOf(CertificateException.class);
    }
    assertThat(ExtraTrust.certificates(server.toTempCertChainPem().toPath()))
        .containsExactly(server.getCertificatePath());
  }

  private static TrustManagerFactory jdkDefault() throws Exception {
    TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init((KeyStore) null);
    return factory;
  }

  private static X509TrustManager trustManager(TrustManagerFactory factory) {
    return Arrays.stream(factory.getTrustManagers())
        .filter(X509TrustManager.class::isInstance).map(X509TrustManager.class::cast).findFirst().orElseThrow();
  }

  private static List<X509Certificate> acceptedIssuers(TrustManagerFactory factory) {
    return List.of(trustManager(factory).getAcceptedIssuers());
  }
}
