package dev.mfagateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The shipped Log4j2 configurations, run for real in a child JVM. */
class Log4jConfigTest {

  @ParameterizedTest
  @ValueSource(strings = {"config/log4j2.xml", "gateway/src/main/resources/log4j2.xml"})
  void logsOneJsonObjectPerLineOnStdout(String configFile) throws Exception {
    ChildJvm.Result result = ChildJvm.run(
        Map.of(), List.of(log4jConfig(configFile)), LogProbe.class, "3");

    assertThat(result.exitCode()).as(result.stderr()).isZero();
    List<Map<String, Object>> lines = new ArrayList<>();
    for (String line : result.stdout().lines().toList()) {
      lines.add(JSONObjectUtils.parse(line));
    }
    assertThat(lines).hasSize(5);
    assertThat(lines.get(0))
        .containsEntry("level", "INFO")
        .containsEntry("logger", LogProbe.class.getName())
        .containsEntry("message", "plain line")
        .containsKeys("@timestamp", "thread");
    assertThat(lines.get(1)).containsEntry("event", "refusal").containsEntry("reason", "mfa_required");
    assertThat(lines.get(4)).containsEntry("message", "filler line 2");
  }

  @ParameterizedTest
  @ValueSource(strings = {"config/log4j2.xml", "gateway/src/main/resources/log4j2.xml"})
  void aBlockedStdoutDropsLinesInsteadOfStallingTheLogger(String configFile) throws Exception {
    int lines = 200_000;
    Process child = ChildJvm.start(Map.of(), List.of(log4jConfig(configFile)), LogProbe.class, String.valueOf(lines));
    try {
      // Nobody reads the child's stdout, so its pipe fills after a few hundred lines and the console write blocks.
      CompletableFuture<Boolean> done = CompletableFuture.supplyAsync(() -> {
        try (BufferedReader stderr =
            new BufferedReader(new InputStreamReader(child.getErrorStream(), StandardCharsets.UTF_8))) {
          return stderr.lines().anyMatch("done"::equals);
        } catch (java.io.IOException e) {
          return false;
        }
      });
      assertThat(done.get(60, TimeUnit.SECONDS)).as("the logging thread finished all its lines").isTrue();
      byte[] piped = child.getInputStream().readNBytes(child.getInputStream().available());
      assertThat(new String(piped, StandardCharsets.UTF_8).lines()).as("lines in the stuck stdout pipe")
          .isNotEmpty().hasSizeLessThan(lines).first().asString().startsWith("{\"@timestamp\"");
    } finally {
      child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static String log4jConfig(String relative) {
    Path file = ChildJvm.repoFile(relative);
    return "-Dlog4j2.configurationFile=" + file;
  }
}
