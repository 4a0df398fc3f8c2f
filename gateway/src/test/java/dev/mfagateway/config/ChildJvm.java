package dev.mfagateway.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs a main class of the test classpath in a fresh JVM, with its own environment and system properties. */
public final class ChildJvm {
  private static final Pattern LISTENING = Pattern.compile("(gateway|admin) listening on /127\\.0\\.0\\.1:(\\d+)");

  private ChildJvm() {}

  public record Result(int exitCode, String stdout, String stderr) {}

  public static Process start(Map<String, String> env, List<String> jvmOptions, Class<?> main, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    // The child gets the options the test gives, not ones the machine sets for every JVM.
    builder.environment().remove("JDK_JAVA_OPTIONS");
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    builder.environment().putAll(env);
    return builder.start();
  }

  public static Result run(Map<String, String> env, List<String> jvmOptions, Class<?> main, String... args)
      throws Exception {
    Process process = start(env, jvmOptions, main, args);
    try {
      CompletableFuture<String> stdout = readAsync(process.getInputStream());
      CompletableFuture<String> stderr = readAsync(process.getErrorStream());
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        throw new AssertionError("child JVM did not finish within 60 s");
      }
      return new Result(process.exitValue(), stdout.get(10, TimeUnit.SECONDS), stderr.get(10, TimeUnit.SECONDS));
    } finally {
      process.destroyForcibly();
    }
  }

  /** The port a `serve` child logged for its `gateway` or `admin` listener among {@code lines}; 0 before it did. */
  public static int listeningPort(Collection<String> lines, String listener) {
    for (String line : lines) {
      Matcher matcher = LISTENING.matcher(line);
      if (matcher.find() && matcher.group(1).equals(listener)) {
        return Integer.parseInt(matcher.group(2));
      }
    }
    return 0;
  }

  /** A file of the repository, found from the working directory up (Maven runs tests from the module's folder). */
  public static Path repoFile(String relative) {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.exists(dir.resolve(relative))) {
        return dir.resolve(relative);
      }
    }
    throw new AssertionError(relative + " not found above " + Path.of("").toAbsolutePath());
  }

  static CompletableFuture<String> readAsync(InputStream stream) {
    return CompletableFuture.supplyAsync(() -> {
      try (stream) {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }
}
