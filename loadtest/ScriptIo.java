import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How a load tool talks with the script that runs it (compare.sh, soak.sh): files the script polls for, and standard
 * input, which the script holds open for as long as it wants the tool to run.
 */
final class ScriptIo {
  private ScriptIo() {}

  /** Writes {@code file} whole or not at all, so a script polling for it never reads half of it. */
  static void writeAtomically(Path file, String content) throws IOException {
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    Files.writeString(partial, content);
    Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Returns when standard input closes or after {@code maxSeconds}, whichever comes first (then saying so on standard
   * error, as {@code tool}), so a tool never outlives a run that was killed hard.
   */
  static void awaitStandardInputClosed(String tool, long maxSeconds) throws InterruptedException, ExecutionException {
    try {
      CompletableFuture.runAsync(ScriptIo::drainStandardInput).get(maxSeconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      System.err.println(tool + ": stopping after " + maxSeconds + "s");
    }
  }

  private static void drainStandardInput() {
    try {
      System.in.transferTo(OutputStream.nullOutputStream());
    } catch (IOException e) {
      // standard input is gone: stop as if it had closed
    }
  }
}
