package dev.mfagateway;

import dev.mfagateway.compliance.ComplianceReport;
import dev.mfagateway.compliance.StateFile;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the compliance report in its state file (when one is configured): restored at start, saved every minute on a
 * thread of its own (never an event loop) and once more on close.
 */
final class ReportSaver implements AutoCloseable {
  private static final long SAVE_EVERY_SECONDS = 60;

  private final Optional<StateFile> file;
  private final ComplianceReport report;
  private final ScheduledExecutorService timer;

  private ReportSaver(Optional<StateFile> file, ComplianceReport report, ScheduledExecutorService timer) {
    this.file = file;
    this.report = report;
    this.timer = timer;
  }

  static ReportSaver start(Optional<StateFile> file, ComplianceReport report) {
    if (file.isEmpty()) {
      return new ReportSaver(file, report, null);
    }
    file.get().restoreInto(report);
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "compliance-state");
      thread.setDaemon(true);
      return thread;
    });
    timer.scheduleWithFixedDelay(() -> file.get().save(report), SAVE_EVERY_SECONDS, SAVE_EVERY_SECONDS,
        TimeUnit.SECONDS);
    return new ReportSaver(file, report, timer);
  }

  /** Stops the timer and saves once more. */
  @Override
  public void close() {
    if (timer == null) {
      return;
    }
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    file.get().save(report);
  }
}
