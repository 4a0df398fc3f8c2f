package dev.mfagateway;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT start a graceful drain instead of killing the JVM at once, so that the process can finish in-flight
 * requests and then exit 0 (a shutdown hook could only end with the signal's exit status). SIGHUP re-reads the
 * configuration instead of ending the process. A signal the platform does not let the JVM handle (e.g. SIGINT ignored
 * by a non-interactive parent) keeps its default behaviour.
 */
final class SignalHandlers {
  private SignalHandlers() {}

  static void onTermination(Runnable action) {
    handle("TERM", action);
    handle("INT", action);
  }

  /** {@code action} runs on the JVM's signal thread: it should only hand the work over. */
  static void onHangUp(Runnable action) {
    handle("HUP", action);
  }

  private static void handle(String name, Runnable action) {
    try {
      Signal.handle(new Signal(name), signal -> action.run());
    } catch (IllegalArgumentException notHandleable) {
      System.err.println("SIG" + name + " cannot be handled here: " + notHandleable.getMessage());
    }
  }
}
