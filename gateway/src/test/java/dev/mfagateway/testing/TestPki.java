package dev.mfagateway.testing;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Test CAs and loopback server certificates (netty-pkitesting, EC P-256), valid from yesterday to tomorrow. */
public final class TestPki {
  private TestPki() {}

  public static X509Bundle ca(String commonName) throws Exception {
    return base().subject("CN=" + commonName).setIsCertificateAuthority(true).ecp256().buildSelfSigned();
  }

  /** A PEM file (deleted when the JVM exits) holding a fresh CA's certificate. */
  public static Path caPem(String commonName) throws Exception {
    return ca(commonName).toTempRootCertPem().toPath();
  }

  /** A server certificate for `localhost` and `127.0.0.1`, issued by {@code ca}. */
  public static X509Bundle loopbackServer(X509Bundle ca) throws Exception {
    return base().subject("CN=localhost").addSanDnsName("localhost").addSanIpAddress("127.0.0.1")
        .addExtendedKeyUsageServerAuth().ecp256().buildIssuedBy(ca);
  }

  private static CertificateBuilder base() {
    Instant now = Instant.now();
    return new CertificateBuilder().notBefore(now.minus(1, ChronoUnit.DAYS)).notAfter(now.plus(1, ChronoUnit.DAYS));
  }
}
