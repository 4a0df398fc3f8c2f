package dev.mfagateway;

import dev.mfagateway.config.ConfigLoader;
import dev.mfagateway.config.InvalidConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Re-reads the configuration (SPEC §7) when asked ({@link #reloadNow}, which SIGHUP calls) and, when there is a file,
 * when its content changes: every poll interval the file is read through its path and its bytes hashed, so that a
 * Kubernetes ConfigMap update (a symlink swap, which changes no file's modification time) is seen like a rewrite. A
 * change is acted on once the content has been the same on two polls in a row, so that a file caught half-written is
 * not reloaded (and rejected) on its way. Everything runs on one daemon thread of its own, never on an event loop;
 * reloads are never concurrent. What the reload does is {@link Gateway#reload} or {@link Gateway#reloadRejected}.
 */
public final class ConfigWatcher implements AutoCloseable {
  /** How often the file is read: a change is applied within two intervals (SPEC §7 asks for 5 s). */
  public static final Duration POLL_INTERVAL = Duration.ofSeconds(1);

  private static final Logger LOG = LogManager.getLogger(ConfigWatcher.class);

  private final Optional<Path> file;
  private final Duration pollInterval;
  private final BlockingQueue<String> requests = new LinkedBlockingQueue<>();
  private Thread thread;
  private Gateway gateway;
  // Confined to the watcher thread once started: the content last reloaded (or started with), and the one last seen.
  private String loaded;
  private String lastSeen;

  /**
   * Takes the file's current content as the one the gateway runs with: build this before loading the configuration,
   * so that a change made while the gateway starts is not missed.
   */
  public ConfigWatcher(Optional<Path> file, Duration pollInterval) {
    this.file = file;
    this.pollInterval = pollInterval;
    this.loaded = fingerprint();
    this.lastSeen = loaded;
  }

  /** Starts the watcher thread, reloading into {@code gateway}. */
  public synchronized void start(Gateway gateway) {
    this.gateway = gateway;
    thread = new Thread(this::run, "config-watcher");
    thread.setDaemon(true);
    thread.start();
    file.ifPresent(path -> LOG.info("watching {} for configuration changes (every {})", path, pollInterval));
  }

  /** Asks for a reload now, whatever the file's content; {@code trigger} is logged. Returns at once. */
  public void reloadNow(String trigger) {
    requests.add(trigger);
  }

  /** Makes SIGHUP ask for a reload. */
  public void reloadOnHangUp() {
    SignalHandlers.onHangUp(() -> reloadNow("SIGHUP"));
  }

  @Override
  public synchronized void close() throws InterruptedException {
    if (thread != null) {
      thread.interrupt();
      thread.join();
      thread = null;
    }
  }

  private void run() {
    try {
      while (!Thread.currentThread().isInterrupted()) {
        String trigger = requests.poll(pollInterval.toNanos(), TimeUnit.NANOSECONDS);
        if (trigger != null) {
          reload(trigger);
        } else if (file.isPresent()) {
          checkFile();
        }
      }
    } catch (InterruptedException stopping) {
      Thread.currentThread().interrupt();
    }
  }

  private void checkFile() {
    String seen = fingerprint();
    if (!seen.equals(loaded) && seen.equals(lastSeen)) {
      reload("change of " + file.get());
    }
    lastSeen = seen;
  }

  private void reload(String trigger) {
    loaded = fingerprint();
    lastSeen = loaded;
    LOG.info("re-reading the configuration after {}", trigger);
    try {
      gateway.reload(ConfigLoader.load(file));
    } catch (InvalidConfigException invalid) {
      gateway.reloadRejected(invalid.problems());
    } catch (RuntimeException failed) {
      gateway.reloadRejected(List.of("the reload failed: " + failed));
    }
  }

  /** The SHA-256 of the file's bytes, read through its path (symlinks followed anew); says so when unreadable. */
  private String fingerprint() {
    if (file.isEmpty()) {
      return "";
    }
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file.get())));
    } catch (IOException unreadable) {
      return "unreadable: " + unreadable.getClass().getSimpleName();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
