package dev.mfagateway;

import dev.mfagateway.config.ConfigLoader;
import dev.mfagateway.config.GatewayConfig;
import dev.mfagateway.config.InvalidConfigException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** Commands: serve | check-token | demo (SPEC §2). Exit codes: 0 done, 1 failed at run time, 2 usage or config. */
public final class Main {
  static final int USAGE = 2;
  private static final String USAGE_TEXT =
      "usage: mfa-gateway [serve] [--config FILE] | check-token [--config FILE] [--offline] [--route NAME] [TOKEN|-] | demo";

  private Main() {}

  public static void main(String[] args) throws InterruptedException {
    List<String> arguments = new ArrayList<>(List.of(args));
    String command = arguments.isEmpty() || arguments.get(0).startsWith("--") ? "serve" : arguments.remove(0);
    // Only for the commands that run the gateway: Netty's detector class starts Log4j, which check-token must start
    // only once its standard output is the report's.
    switch (command) {
      case "serve" -> {
        LeakDetection.apply();
        serve(arguments);
      }
      case "check-token" -> System.exit(checkToken(arguments));
      case "demo" -> {
        LeakDetection.apply();
        DemoCommand.run(arguments);
      }
      default -> exit(USAGE, "unknown command '" + command + "'\n" + USAGE_TEXT);
    }
  }

  /**
   * Standard output is the report's alone: anything else written there, such as the JSON log lines of a key fetch,
   * goes to standard error. Set before Log4j starts, whose console appender takes {@code System.out} when it starts.
   */
  private static int checkToken(List<String> arguments) {
    PrintStream report = System.out;
    System.setOut(System.err);
    return CheckTokenCommand.run(arguments, System.in, report, System.err);
  }

  /**
   * Runs the gateway until SIGTERM or SIGINT, then drains and exits 0. SIGHUP, and a change of the file's content,
   * reload the configuration.
   */
  private static void serve(List<String> arguments) throws InterruptedException {
    Optional<Path> configFile = Optional.empty();
    for (int i = 0; i < arguments.size(); i++) {
      if (arguments.get(i).equals("--config")) {
        if (i + 1 == arguments.size()) {
          exit(USAGE, "--config needs a FILE\n" + USAGE_TEXT);
        }
        configFile = Optional.of(Path.of(arguments.get(++i)));
      } else {
        exit(USAGE, "unexpected argument '" + arguments.get(i) + "'\n" + USAGE_TEXT);
      }
    }
    ConfigWatcher watcher = new ConfigWatcher(configFile, ConfigWatcher.POLL_INTERVAL);
    watcher.reloadOnHangUp(); // a SIGHUP during start-up waits for the watcher, rather than ending the process
    GatewayConfig config;
    try {
      config = ConfigLoader.load(configFile);
    } catch (InvalidConfigException e) {
      e.problems().forEach(System.err::println);
      System.exit(USAGE);
      return;
    }
    Logger log = LogManager.getLogger(Main.class);
    Gateway gateway;
    try {
      gateway = Gateway.start(config);
    } catch (Exception e) {
      log.error("could not start: {}", e.toString());
      System.exit(1);
      return;
    }
    log.info("admin listening on {}", gateway.adminAddress());
    watcher.start(gateway);
    CountDownLatch stop = new CountDownLatch(1);
    SignalHandlers.onTermination(stop::countDown);
    stop.await();
    log.info("termination requested: draining for up to {}", config.server().shutdownGrace());
    gateway.close();
    System.exit(0);
  }

  private static void exit(int code, String message) {
    System.err.println(message);
    System.exit(code);
  }
}
