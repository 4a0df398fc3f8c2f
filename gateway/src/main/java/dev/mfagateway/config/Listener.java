package dev.mfagateway.config;

import java.util.Optional;

/** `gateway.listen`: where clients connect, with optional TLS (`listen.tls`). */
public record Listener(String host, int port, Optional<TlsFiles> tls) {}
