package dev.mfagateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Command-line usage errors end with exit code 2 and a message on stderr (run in a real JVM). */
class MainTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "demo extra|usage: mfa-gateway demo",
        "check-token --bogus|usage: check-token",
        "frobnicate|unknown command 'frobnicate'",
        "serve --bogus|unexpected argument '--bogus'",
        "serve --config|--config needs a FILE"
      })
  void usageErrorsExitWith2(String arguments, String message) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(List.of(arguments.split(" ")));
    Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();

    try {
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).isEqualTo(2);
      assertThat(stderr(process)).contains(message);
    } finally {
      process.destroyForcibly();
    }
  }

  private static String stderr(Process process) throws IOException {
    return new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
  }
}
