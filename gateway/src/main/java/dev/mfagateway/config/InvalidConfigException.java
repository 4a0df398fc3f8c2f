package dev.mfagateway.config;

import java.util.List;

/** Every problem found in a configuration, one line each naming the key path. */
public final class InvalidConfigException extends Exception {
  private static final long serialVersionUID = 1L;
  private final List<String> problems;

  public InvalidConfigException(List<String> problems) {
    super(String.join("\n", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
