package dev.mfagateway;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT start a graceful drain instead of killing the JVM at once, so that the process can finish in-flight
 * requests and then exit 0 (a shutdown hook could only end with the signal's exit status). A signal the platform does
 * not let the JVM handle (e.g. SIGINT ignored by a non-interactive parent) keeps its default behaviour.
 */
final class SignalHandlers {
  private SignalHandlers() {}

  static void onTermination(Runnable action) {
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        Signal.handle(new Signal(name), signal -> action.run());
      } catch (IllegalArgumentException notHandleable) {
        System.err.println("SIG" + name + " cannot be handled here: " + notHandleable.getMessage());
      }
    }
  }
}
