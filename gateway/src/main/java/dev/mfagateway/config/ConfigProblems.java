package dev.mfagateway.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Problem lines in the order found; a path whose object is broken hides the noise about its children. */
final class ConfigProblems {
  private final List<String> lines = new ArrayList<>();
  private final Set<String> brokenObjects = new HashSet<>();

  private int failures;

  /** Problems found so far, hidden ones included: a mark to ask "did anything fail since?". */
  int failures() {
    return failures;
  }

  void add(String path, String message) {
    failures++;
    for (String broken : brokenObjects) {
      if (path.startsWith(broken + ".") || path.startsWith(broken + "[")) {
        return;
      }
    }
    String line = path + ": " + message;
    if (!lines.contains(line)) {
      lines.add(line);
    }
  }

  /** Reports a value that should be an object but is not; problems below it are then not repeated. */
  void brokenObject(String path, String message) {
    add(path, message);
    brokenObjects.add(path);
  }

  boolean isEmpty() {
    return lines.isEmpty();
  }

  List<String> lines() {
    return List.copyOf(lines);
  }
}
