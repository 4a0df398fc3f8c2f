package dev.mfagateway.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Trust for outgoing TLS (upstreams, the JWKS fetch): the system trust store, plus the certificates of an optional
 * PEM CA file (`upstream.ca-file`, `auth.jwks-ca-file`). The extra CA is added; it never replaces the system store.
 */
public final class ExtraTrust {
  private ExtraTrust() {}

  /** The certificates of a PEM file; fails when the file holds none or a broken one. */
  public static List<X509Certificate> certificates(Path pemFile) throws IOException, CertificateException {
    List<X509Certificate> certificates = new ArrayList<>();
    try (InputStream in = Files.newInputStream(pemFile)) {
      for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        certificates.add((X509Certificate) certificate);
      }
    }
    if (certificates.isEmpty()) {
      throw new CertificateException("no PEM certificate in it");
    }
    return certificates;
  }

  /** The system trust store's trust managers, with the certificates of {@code caFile} added when it is present. */
  public static TrustManagerFactory trustManagers(Optional<Path> caFile) throws IOException, GeneralSecurityException {
    TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    system.init((KeyStore) null);
    if (caFile.isEmpty()) {
      return system;
    }
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    int n = 0;
    for (TrustManager manager : system.getTrustManagers()) {
      if (manager instanceof X509TrustManager x509) {
        for (X509Certificate issuer : x509.getAcceptedIssuers()) {
          store.setCertificateEntry("system-" + n++, issuer);
        }
      }
    }
    for (X509Certificate certificate : certificates(caFile.get())) {
      store.setCertificateEntry("ca-file-" + n++, certificate);
    }
    TrustManagerFactory combined = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    combined.init(store);
    return combined;
  }

  /** A JDK client {@link SSLContext} trusting what {@link #trustManagers} trusts. */
  public static SSLContext clientContext(Optional<Path> caFile) throws IOException, GeneralSecurityException {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trustManagers(caFile).getTrustManagers(), null);
    return context;
  }
}
