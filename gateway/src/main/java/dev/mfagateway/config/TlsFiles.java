package dev.mfagateway.config;

import java.nio.file.Path;

/** PEM certificate chain and private key (`gateway.listen.tls.cert-file`, `key-file`). */
public record TlsFiles(Path certFile, Path keyFile) {}
