package dev.mfagateway;

import io.netty.util.ResourceLeakDetector;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Netty's buffer-leak detector is off in the gateway's process unless the operator names a level
 * (`-Dio.netty.leakDetection.level=simple`, `advanced` or `paranoid`, through the chart's `jvm.extraOptions`). At
 * Netty's default, one buffer in 128 is wrapped and tracked, with a stack trace taken when it is made and again when
 * it is released: 4 % of the event loop's user time in the profile, and 5–9 % of the CPU per request in interleaved
 * A/Bs under a reused token (see `loadtest/README.md`). Leaks are caught before a release instead: every test runs
 * with every buffer tracked (`paranoid`) and fails on any leak, and the soak watches direct memory for half an hour.
 */
final class LeakDetection {
  static final String LEVEL = "io.netty.leakDetection.level";
  /** The name Netty read before 4.1 and still reads. */
  static final String LEGACY_LEVEL = "io.netty.leakDetectionLevel";

  private LeakDetection() {}

  /** The level to set when the operator named none in {@code properties}: off. Empty when one is named. */
  static Optional<ResourceLeakDetector.Level> defaultLevel(UnaryOperator<String> properties) {
    if (properties.apply(LEVEL) != null || properties.apply(LEGACY_LEVEL) != null) {
      return Optional.empty();
    }
    return Optional.of(ResourceLeakDetector.Level.DISABLED);
  }

  /** Applies the default to this JVM, as its system properties ask; once, before the gateway starts. */
  static void apply() {
    defaultLevel(System::getProperty).ifPresent(ResourceLeakDetector::setLevel);
  }
}
