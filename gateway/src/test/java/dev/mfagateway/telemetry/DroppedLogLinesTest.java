package dev.mfagateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.appender.AsyncAppender;
import org.apache.logging.log4j.core.config.AppenderRef;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.DefaultConfiguration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.config.xml.XmlConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class DroppedLogLinesTest {

  @Test
  void aFullQueueDropsAndCountsInsteadOfBlocking() throws Exception {
    Gate gate = new Gate();
    DefaultConfiguration config = new DefaultConfiguration();
    LoggerContext context = new LoggerContext("dropped-log-lines-test");
    try (GatewayMetrics metrics = new GatewayMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
        List.of(), List.of(), List.of(), List.of())) {
      config.addAppender(gate);
      config.addAppender(DroppedLogLines.create("Dropped"));
      AsyncAppender async = AsyncAppender.newBuilder()
          .setName("Async")
          .setBlocking(false)
          .setBufferSize(2)
          .setErrorRef("Dropped")
          .setAppenderRefs(new AppenderRef[] {AppenderRef.createAppenderRef("Gate", null, null)})
          .setConfiguration(config)
          .build();
      config.addAppender(async);
      LoggerConfig loggerConfig = LoggerConfig.newBuilder()
          .withLoggerName("traffic").withLevel(Level.INFO).withAdditivity(false).withConfig(config).build();
      loggerConfig.addAppender(async, null, null);
      config.addLogger("traffic", loggerConfig);
      context.start(config); // starts every appender added above
      Logger logger = context.getLogger("traffic");
      long droppedBefore = DroppedLogLines.count();
      double metricBefore = droppedMetric(metrics);

      logger.info("first line, taken by the appender thread, which then blocks");
      assertThat(gate.entered.await(10, TimeUnit.SECONDS)).isTrue();
      assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
        for (int i = 0; i < 50; i++) {
          logger.info("line {}", i);
        }
      });

      assertThat(DroppedLogLines.count() - droppedBefore).isEqualTo(48);
      assertThat(droppedMetric(metrics) - metricBefore).isEqualTo(48);
      gate.release.countDown();
      awaitWritten(gate, 3);
    } finally {
      gate.release.countDown();
      context.stop();
    }
  }

  @Test
  void theLog4jXmlWiringFindsTheAppenderByItsPluginName() throws Exception {
    String xml = """
        <Configuration status="warn">
          <Appenders>
            <Null name="Out"/>
            <DroppedLogLines name="DroppedLogLines"/>
            <Async name="Async" blocking="false" bufferSize="8192" errorRef="DroppedLogLines">
              <AppenderRef ref="Out"/>
            </Async>
          </Appenders>
          <Loggers><Root level="info"><AppenderRef ref="Async"/></Root></Loggers>
        </Configuration>
        """;
    LoggerContext context = new LoggerContext("dropped-log-lines-xml");
    try {
      XmlConfiguration config = new XmlConfiguration(context,
          new ConfigurationSource(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8))));
      context.start(config);

      assertThat(context.getConfiguration().<AsyncAppender>getAppender("Async").getErrorRef())
          .isEqualTo("DroppedLogLines");
      assertThat(context.getConfiguration().getAppenders().get("DroppedLogLines"))
          .isInstanceOf(DroppedLogLines.class);
    } finally {
      context.stop();
    }
  }

  private static double droppedMetric(GatewayMetrics metrics) {
    return GatewayMetricsTest.value(GatewayMetricsTest.text(metrics.scrape(null)),
        "mfa_gateway_log_lines_dropped_total", "");
  }

  private static void awaitWritten(Gate gate, int lines) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (gate.written.get() < lines && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(gate.written.get()).isEqualTo(lines);
  }

  /** A target appender that blocks on its first line until released, like a stalled stdout. */
  private static final class Gate extends AbstractAppender {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger written = new AtomicInteger();

    Gate() {
      super("Gate", null, null, false, Property.EMPTY_ARRAY);
    }

    @Override
    public void append(LogEvent event) {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      written.incrementAndGet();
    }
  }
}
