package dev.mfagateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The JVM options the container image gives the gateway: the Dockerfile's `ENV JDK_JAVA_OPTIONS="…"`. */
public final class ImageJvmOptions {
  private static final Path DOCKERFILE = Path.of("..").toAbsolutePath().normalize().resolve("Dockerfile");
  private static final Pattern ENV = Pattern.compile("(?m)^ENV JDK_JAVA_OPTIONS=\"([^\"]*)\"$");

  private ImageJvmOptions() {}

  public static String line() {
    try {
      Matcher env = ENV.matcher(Files.readString(DOCKERFILE));
      if (!env.find()) {
        throw new IllegalStateException(DOCKERFILE + " sets no JDK_JAVA_OPTIONS");
      }
      return env.group(1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static List<String> list() {
    return List.of(line().split(" "));
  }
}
