package dev.mfagateway.fuzz;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Collects what went wrong without being thrown: every WARN or ERROR line (Netty reports an exception thrown by a
 * future's listener that way), and every line of one logger watched from DEBUG up (the front end logs an exception that
 * reached its {@code exceptionCaught} at DEBUG, and then closes the connection).
 */
final class LoggedProblems implements AutoCloseable {
  private static final String NAME = "fuzz-logged-problems";

  private final List<String> problems = new ArrayList<>();
  private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
  private final String watched;
  private final Appender appender;

  LoggedProblems(Class<?> watchedFromDebug) {
    watched = watchedFromDebug.getName();
    appender = new AbstractAppender(NAME, null, null, true, Property.EMPTY_ARRAY) {
      @Override
      public void append(LogEvent event) {
        String line = event.getLevel() + " " + event.getLoggerName() + ": " + event.getMessage().getFormattedMessage();
        synchronized (problems) {
          problems.add(event.getThrown() == null ? line : line + "\n" + stackTrace(event.getThrown()));
        }
      }
    };
    appender.start();
    Configuration configuration = context.getConfiguration();
    configuration.addAppender(appender);
    configuration.getRootLogger().addAppender(appender, Level.WARN, null);
    LoggerConfig debug = new LoggerConfig(watched, Level.DEBUG, false);
    debug.addAppender(appender, Level.DEBUG, null);
    configuration.addLogger(watched, debug);
    context.updateLoggers();
  }

  /** The lines collected since the last call. */
  List<String> take() {
    synchronized (problems) {
      List<String> taken = List.copyOf(problems);
      problems.clear();
      return taken;
    }
  }

  @Override
  public void close() {
    Configuration configuration = context.getConfiguration();
    configuration.removeLogger(watched);
    configuration.getRootLogger().removeAppender(NAME);
    context.updateLoggers();
    appender.stop();
  }

  private static String stackTrace(Throwable thrown) {
    StringWriter out = new StringWriter();
    thrown.printStackTrace(new PrintWriter(out));
    return out.toString();
  }
}
