package dev.mfagateway.telemetry;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.layout.template.json.JsonTemplateLayout;

/**
 * Captures what named loggers write, rendered by the JsonTemplateLayout the gateway's log4j2.xml uses (ECS template
 * plus the flattened map fields), by attaching an appender to the running Log4j configuration. Close to detach.
 */
public final class CapturedLog implements AutoCloseable {
  /** The additional field that turns a MapMessage's entries into top-level JSON fields. */
  static final String MAP_FIELDS = "{\"$resolver\": \"map\", \"flatten\": true}";

  private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
  private final List<String> loggerNames;
  private final Lines appender;
  private final Level rootLevel;

  /** Captures what the named loggers write, and only that. */
  public CapturedLog(String... loggerNames) {
    this(false, loggerNames);
  }

  /** Captures every line of every logger, at every level (the root logger is set to ALL until closed). */
  public static CapturedLog everything() {
    return new CapturedLog(true);
  }

  private CapturedLog(boolean root, String... loggerNames) {
    this.loggerNames = List.of(loggerNames);
    Configuration config = context.getConfiguration();
    JsonTemplateLayout layout = JsonTemplateLayout.newBuilder()
        .setConfiguration(config)
        .setEventTemplateUri("classpath:EcsLayout.json")
        .setEventTemplateAdditionalFields(new JsonTemplateLayout.EventTemplateAdditionalField[] {
            JsonTemplateLayout.EventTemplateAdditionalField.newBuilder()
                .setKey("fields").setFormat(JsonTemplateLayout.EventTemplateAdditionalField.Format.JSON)
                .setValue(MAP_FIELDS).build()})
        .build();
    appender = new Lines(layout);
    appender.start();
    config.addAppender(appender);
    for (String name : loggerNames) {
      LoggerConfig logger = LoggerConfig.newBuilder()
          .withLoggerName(name).withLevel(Level.INFO).withAdditivity(false).withConfig(config).build();
      logger.addAppender(appender, null, null);
      config.addLogger(name, logger);
    }
    rootLevel = root ? config.getRootLogger().getLevel() : null;
    if (root) {
      config.getRootLogger().addAppender(appender, Level.ALL, null);
      config.getRootLogger().setLevel(Level.ALL);
    }
    context.updateLoggers();
  }

  public List<String> lines() {
    return List.copyOf(appender.lines);
  }

  @Override
  public void close() {
    Configuration config = context.getConfiguration();
    loggerNames.forEach(config::removeLogger);
    if (rootLevel != null) {
      config.getRootLogger().removeAppender(appender.getName());
      config.getRootLogger().setLevel(rootLevel);
    }
    context.updateLoggers();
    appender.stop();
  }

  private static final class Lines extends AbstractAppender {
    final List<String> lines = new CopyOnWriteArrayList<>();

    Lines(JsonTemplateLayout layout) {
      super("captured", null, layout, false, Property.EMPTY_ARRAY);
    }

    @Override
    public void append(LogEvent event) {
      lines.add(((JsonTemplateLayout) getLayout()).toSerializable(event));
    }
  }
}
