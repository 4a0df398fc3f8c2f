package dev.mfagateway.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The test JVM's file-descriptor room. Java cannot raise its own soft limit, so a test that needs many sockets checks
 * the room first and fails with what to do, rather than failing half-way with "Too many open files".
 */
final class DescriptorBudget {
  private DescriptorBudget() {}

  /** Fails unless {@code needed} more descriptors fit under this process's soft `nofile` limit. */
  static void require(long needed) throws IOException {
    long limit = softLimit();
    long open = open();
    if (limit - open < needed) {
      throw new AssertionError("this test needs " + needed + " more file descriptors but the soft limit (ulimit -n) is "
          + limit + " with " + open + " open; raise it (ulimit -n 20000) before running Maven");
    }
  }

  /** Descriptors this process has open now. */
  static long open() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }

  private static long softLimit() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
      if (line.startsWith("Max open files")) {
        String value = line.substring("Max open files".length()).trim().split("\\s+")[0];
        return value.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(value);
      }
    }
    throw new IOException("no 'Max open files' in /proc/self/limits");
  }
}
