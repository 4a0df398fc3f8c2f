package dev.mfagateway.config;

import java.util.Optional;

/**
 * The admin listener (`gateway.admin`): the host and port to bind and, when `token-file` is set, the bearer token that
 * `/metrics` and `/compliance*` require.
 */
public record Endpoint(String host, int port, Optional<Secret> token) {

  /** An admin listener open to all (no `token-file`). */
  public Endpoint(String host, int port) {
    this(host, port, Optional.empty());
  }
}
