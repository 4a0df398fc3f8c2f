package dev.mfagateway.compliance;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's Chromium, headless, loading a page and printing the DOM it built (`--dump-dom`): what a person's browser
 * would make of the page. A fresh profile per run, no network beyond the page, killed (with its children) when it
 * hangs. Missing Chromium is a failure, never a skip: scripts/test.sh installs it.
 */
final class HeadlessChromium {
  static final Path BINARY = Path.of("/usr/bin/chromium");
  private static final long TIMEOUT_SECONDS = 20;

  private HeadlessChromium() {}

  /** The serialised DOM of {@code page} once loaded. */
  static String dumpDom(URI page) throws IOException, InterruptedException {
    if (!Files.isExecutable(BINARY)) {
      fail(BINARY + " not found: the page test needs Debian's chromium; run scripts/test.sh, which installs it");
    }
    Path profile = Files.createTempDirectory("chromium-profile");
    Path out = Files.createTempFile("chromium-dom", ".html");
    Path err = Files.createTempFile("chromium-stderr", ".txt");
    try {
      Process chromium = new ProcessBuilder(List.of(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
          "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
          "--disable-sync", "--user-data-dir=" + profile, "--dump-dom", page.toString()))
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
          .redirectOutput(out.toFile())
          .redirectError(err.toFile())
          .start();
      if (!chromium.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        chromium.descendants().forEach(ProcessHandle::destroyForcibly);
        chromium.destroyForcibly();
        chromium.waitFor(5, TimeUnit.SECONDS);
        fail("chromium did not finish within " + TIMEOUT_SECONDS + " s loading " + page + "; stderr: " + tail(err));
      }
      String dom = Files.readString(out, StandardCharsets.UTF_8);
      if (chromium.exitValue() != 0 || dom.isBlank()) {
        fail("chromium exited with " + chromium.exitValue() + " loading " + page + "; stderr: " + tail(err));
      }
      return dom;
    } finally {
      deleteTree(profile);
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private static String tail(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    return text.length() <= 2000 ? text : text.substring(text.length() - 2000);
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
