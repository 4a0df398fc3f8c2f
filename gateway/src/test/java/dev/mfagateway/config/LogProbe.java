package dev.mfagateway.config;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.message.StringMapMessage;

/** Child-JVM entry point: logs a plain line, a map message and {@code args[0]} filler lines, then says "done". */
public final class LogProbe {
  private static final Logger LOG = LogManager.getLogger(LogProbe.class);

  private LogProbe() {}

  public static void main(String[] args) {
    LOG.info("plain line");
    LOG.info(new StringMapMessage().with("event", "refusal").with("reason", "mfa_required"));
    int filler = Integer.parseInt(args[0]);
    for (int i = 0; i < filler; i++) {
      LOG.info("filler line {}", i);
    }
    System.err.println("done");
    System.err.flush();
    LogManager.shutdown();
  }
}
