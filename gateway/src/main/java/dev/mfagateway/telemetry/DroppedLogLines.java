package dev.mfagateway.telemetry;

import java.util.concurrent.atomic.LongAdder;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.Core;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.config.plugins.Plugin;
import org.apache.logging.log4j.core.config.plugins.PluginAttribute;
import org.apache.logging.log4j.core.config.plugins.PluginFactory;

/**
 * Counts log lines the asynchronous appender could not queue. Log4j 2.26's {@code AsyncAppender} with
 * {@code blocking="false"} never consults an {@code AsyncQueueFullPolicy}: when its queue is full it hands the event
 * to its {@code errorRef} appender. Point {@code errorRef} here and the drop becomes a count (exposed as
 * `mfa_gateway_log_lines_dropped_total`) instead of a stall:
 *
 * <pre>{@code
 * <Async name="Async" blocking="false" bufferSize="8192" errorRef="DroppedLogLines"> <AppenderRef ref="Stdout"/> </Async>
 * <DroppedLogLines name="DroppedLogLines"/>
 * }</pre>
 *
 * It also receives events that every target appender failed to write, which are lost lines too.
 */
@Plugin(name = "DroppedLogLines", category = Core.CATEGORY_NAME, elementType = Appender.ELEMENT_TYPE)
public final class DroppedLogLines extends AbstractAppender {
  private static final LongAdder DROPPED = new LongAdder();

  private DroppedLogLines(String name) {
    super(name, null, null, true, Property.EMPTY_ARRAY);
  }

  @PluginFactory
  public static DroppedLogLines create(@PluginAttribute("name") String name) {
    return new DroppedLogLines(name == null ? "DroppedLogLines" : name);
  }

  /** Lines dropped since the process started. */
  public static long count() {
    return DROPPED.sum();
  }

  @Override
  public void append(LogEvent event) {
    DROPPED.increment();
  }
}
