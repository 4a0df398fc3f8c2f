package dev.mfagateway.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The only reader of HOCON. Layers, lowest first: the jar's reference.conf, the optional file, environment
 * overrides (`CONFIG_FORCE_…`, always on), system properties (`-Dgateway.mode=…`). Validates everything and reports
 * every problem at once.
 */
public final class ConfigLoader {
  private ConfigLoader() {}

  /** Loads the configuration for `serve` (and the other commands). */
  public static GatewayConfig load(Optional<Path> file) throws InvalidConfigException {
    throw new UnsupportedOperationException("being written");
  }

  /** Same layering with the text in place of a file: for tests and the demo. */
  public static GatewayConfig fromString(String hocon) throws InvalidConfigException {
    throw new UnsupportedOperationException("being written");
  }
}
