package dev.mfagateway;

import sun.misc.Signal;

/**
 * SIGTERM and SIGINT start a graceful drain instead of killing the JVM at once, so that the process can finish in-flight
 * requests and then exit 0 (a shutdown hook could only end with the signal's exit status).
 */
final class SignalHandlers {
  private SignalHandlers() {}

  static void onTermination(Runnable action) {
    Signal.handle(new Signal("TERM"), signal -> action.run());
    Signal.handle(new Signal("INT"), signal -> action.run());
  }
}
