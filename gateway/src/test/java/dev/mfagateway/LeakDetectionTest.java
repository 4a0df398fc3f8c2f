package dev.mfagateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.ResourceLeakDetector;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The default the gateway's process applies: off unless a level is named, under either of Netty's names. */
class LeakDetectionTest {

  @Test
  void offUnlessALevelIsNamedUnderEitherOfNettysNames() {
    assertThat(LeakDetection.defaultLevel(Map.<String, String>of()::get)).contains(ResourceLeakDetector.Level.DISABLED);
    assertThat(LeakDetection.defaultLevel(Map.of(LeakDetection.LEVEL, "simple")::get)).isEmpty();
    assertThat(LeakDetection.defaultLevel(Map.of(LeakDetection.LEGACY_LEVEL, "advanced")::get)).isEmpty();
  }
}
