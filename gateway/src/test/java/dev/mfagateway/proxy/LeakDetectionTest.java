package dev.mfagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.ResourceLeakDetector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Netty's leak detector is off in the gateway unless the operator names a level, and the start line says which is in
 * force. (This test JVM itself runs `paranoid`, which the in-process gateways of every other test keep.)
 */
class LeakDetectionTest {

  @Test
  void offUnlessALevelIsNamedUnderEitherOfNettysNames() {
    assertThat(LeakDetection.defaultLevel(Map.<String, String>of()::get)).contains(ResourceLeakDetector.Level.DISABLED);
    assertThat(LeakDetection.defaultLevel(Map.of(LeakDetection.LEVEL, "simple")::get)).isEmpty();
    assertThat(LeakDetection.defaultLevel(Map.of(LeakDetection.LEGACY_LEVEL, "advanced")::get)).isEmpty();
  }

  @Test
  void theInProcessGatewaysOfTheTestsKeepTheirParanoidLevel() throws Exception {
    try (TestGateway gateway = TestGateway.start(new TestConfig())) {
      assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
    }
  }

  @Test
  void theStartLineNamesTheLevelInForce(@TempDir Path dir) throws Exception {
    try (RecordingUpstream upstream = new RecordingUpstream()) {
      try (ChildGateway gateway = ChildGateway.start(Files.createDirectory(dir.resolve("default")), upstream.uri(), "", List.of())) {
        assertThat(listening(gateway)).contains("leak detection disabled");
      }
      try (ChildGateway gateway =
          ChildGateway.start(
              Files.createDirectory(dir.resolve("named")), upstream.uri(), "",
              List.of("-D" + LeakDetection.LEVEL + "=simple"))) {
        assertThat(listening(gateway)).contains("leak detection simple");
      }
    }
  }

  private static String listening(ChildGateway gateway) {
    return gateway.logLines().stream().filter(line -> line.contains("gateway listening on")).findFirst().orElseThrow();
  }
}
