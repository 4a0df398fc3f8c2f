package dev.mfagateway.proxy;

import dev.mfagateway.config.ExtraTrust;
import dev.mfagateway.config.TlsFiles;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Optional;

/** TLS for the client listener and for upstream connections: TLS 1.2+, modern AEAD suites, BoringSSL when it loads. */
final class TlsContexts {
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
  private static final List<String> CIPHERS =
      List.of(
          "TLS_AES_128_GCM_SHA256",
          "TLS_AES_256_GCM_SHA384",
          "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  private TlsContexts() {}

  static SslProvider provider() {
    return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
  }

  /** The listener's context from a PEM certificate chain and PEM private key (PKCS#8). */
  static SslContext server(TlsFiles files) throws IOException {
    return SslContextBuilder.forServer(files.certFile().toFile(), files.keyFile().toFile())
        .sslProvider(provider())
        .protocols(PROTOCOLS)
        .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
        .build();
  }

  /** Upstream context: chain and host name verified, trusting the system store plus the optional CA file. */
  static SslContext upstream(Optional<Path> caFile) throws IOException, GeneralSecurityException {
    return SslContextBuilder.forClient()
        .sslProvider(provider())
        .protocols(PROTOCOLS)
        .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
        .endpointIdentificationAlgorithm("HTTPS")
        .trustManager(ExtraTrust.trustManagers(caFile))
        .build();
  }
}
