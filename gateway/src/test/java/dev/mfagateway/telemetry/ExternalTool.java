package dev.mfagateway.telemetry;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a command-line tool the telemetry tests need (promtool, npm); a missing tool fails the test, never skips it. */
final class ExternalTool {
  private ExternalTool() {}

  record Result(int exitCode, String output) {}

  /** Runs {@code command} in {@code directory} with {@code stdin}, stdout and stderr merged, bounded by {@code timeout}. */
  static Result run(List<String> command, Path directory, byte[] stdin, Duration timeout) throws Exception {
    requireOnPath(command.get(0));
    Path output = Files.createTempFile("tool-output", ".txt");
    Process process = new ProcessBuilder(command)
        .directory(directory.toFile())
        .redirectErrorStream(true)
        .redirectOutput(output.toFile())
        .start();
    try (var in = process.getOutputStream()) {
      in.write(stdin);
    }
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      fail("%s did not finish within %s", command, timeout);
    }
    String text = Files.readString(output, StandardCharsets.UTF_8);
    Files.delete(output);
    return new Result(process.exitValue(), text);
  }

  static Result run(List<String> command, Path directory, Duration timeout) throws Exception {
    return run(command, directory, new byte[0], timeout);
  }

  /** The absolute path of {@code tool} on the PATH; fails with the install line when it is missing. */
  static Path requireOnPath(String tool) throws IOException {
    List<String> tried = new ArrayList<>();
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, tool);
      tried.add(candidate.toString());
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    String install = switch (tool) {
      case "promtool", "prometheus" -> "apt-get install -y prometheus";
      case "npm", "npx", "node" -> "apt-get install -y nodejs npm";
      case "chromium" -> "apt-get install -y chromium";
      default -> "install " + tool;
    };
    throw new AssertionError(tool + " is required by this test and is not on the PATH (" + install
        + "; scripts/test.sh installs what the tests need)");
  }
}
