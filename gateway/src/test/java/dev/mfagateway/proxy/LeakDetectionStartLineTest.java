package dev.mfagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway as `serve` runs it turns Netty's leak detector off unless the JVM is given a level, and its start line
 * names the level in force.
 */
class LeakDetectionStartLineTest {

  @Test
  void theStartLineNamesTheLevelInForce(@TempDir Path dir) throws Exception {
    try (RecordingUpstream upstream = new RecordingUpstream()) {
      try (ChildGateway gateway =
          ChildGateway.start(Files.createDirectory(dir.resolve("default")), upstream.uri(), "", List.of())) {
        assertThat(listening(gateway)).contains("leak detection disabled");
      }
      try (ChildGateway gateway =
          ChildGateway.start(
              Files.createDirectory(dir.resolve("named")), upstream.uri(), "",
              List.of("-Dio.netty.leakDetection.level=simple"))) {
        assertThat(listening(gateway)).contains("leak detection simple");
      }
    }
  }

  private static String listening(ChildGateway gateway) {
    return gateway.logLines().stream().filter(line -> line.contains("gateway listening on")).findFirst().orElseThrow();
  }
}
