package dev.mfagateway.config;

import java.nio.file.Path;
import java.util.Optional;

/** Child-JVM entry point: loads the configuration (optionally from the file given) and prints what came out. */
public final class ConfigProbe {
  private ConfigProbe() {}

  public static void main(String[] args) {
    try {
      GatewayConfig config = ConfigLoader.load(args.length == 0 ? Optional.empty() : Optional.of(Path.of(args[0])));
      System.out.println("mode=" + config.mode().configName());
      System.out.println("jwks-uri=" + config.auth().jwksUri());
      System.out.println("listen-port=" + config.listen().port());
    } catch (InvalidConfigException e) {
      e.problems().forEach(System.out::println);
      System.exit(2);
    }
  }
}
