package dev.mfagateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.ConfigWatcher;
import dev.mfagateway.testing.Poll;
import dev.mfagateway.testing.TestIssuer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §7: a change of the configuration file reaches the proxy port within 5 s, with the watcher's real poll interval,
 * whether the file is rewritten in place or swapped the way Kubernetes updates a ConfigMap volume.
 */
class ConfigFileWatchTest {
  private static final Duration PICKED_UP_WITHIN = Duration.ofSeconds(5);

  @Test
  void aFileRewrittenInPlaceIsAppliedWithinFiveSeconds(@TempDir Path dir) throws Exception {
    try (TestIssuer issuer = TestIssuer.start();
        RecordingServer upstream = new RecordingServer("{}")) {
      Path file = dir.resolve("gateway.conf");
      Files.writeString(file, config(issuer, upstream, "enforce"));
      assertAppliedWithinFiveSeconds(issuer, file,
          () -> Files.writeString(file, config(issuer, upstream, "report-only")));
    }
  }

  /**
   * The kubelet's layout: `config.conf -> ..data/config.conf`, `..data -> ..2026_12_03_…` (a timestamped directory);
   * an update writes a new timestamped directory and renames a new `..data` link over the old one.
   */
  @Test
  void aKubernetesConfigMapSymlinkSwapIsApplied(@TempDir Path dir) throws Exception {
    try (TestIssuer issuer = TestIssuer.start();
        RecordingServer upstream = new RecordingServer("{}")) {
      Path first = Files.createDirectory(dir.resolve("..2026_12_03_10_00_00.000000001"));
      Files.writeString(first.resolve("config.conf"), config(issuer, upstream, "enforce"));
      Files.createSymbolicLink(dir.resolve("..data"), first.getFileName());
      Path file = Files.createSymbolicLink(dir.resolve("config.conf"), Path.of("..data", "config.conf"));

      assertAppliedWithinFiveSeconds(issuer, file, () -> {
        Path second = Files.createDirectory(dir.resolve("..2026_12_03_10_05_00.000000002"));
        Files.writeString(second.resolve("config.conf"), config(issuer, upstream, "report-only"));
        Files.createSymbolicLink(dir.resolve("..data_tmp"), second.getFileName());
        Files.move(dir.resolve("..data_tmp"), dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
        Files.delete(first.resolve("config.conf"));
        Files.delete(first);
      });
    }
  }

  private interface Change {
    void make() throws Exception;
  }

  /** Starts from {@code file} (enforce), makes {@code change} (to report-only), and times it to the proxy port. */
  private static void assertAppliedWithinFiveSeconds(TestIssuer issuer, Path file, Change change) throws Exception {
    try (ConfigWatcher watcher = new ConfigWatcher(Optional.of(file), ConfigWatcher.POLL_INTERVAL);
        RunningGateway gateway = RunningGateway.start(Files.readString(file));
        KeepAliveConnection connection = new KeepAliveConnection(gateway.address())) {
      watcher.start(gateway.gateway());
      String withoutMfa = "Bearer " + new Tokens(issuer).user(claims -> claims.put("amr", List.of("pwd")));
      assertThat(connection.get("/v1/customers", withoutMfa).status()).as("enforced").isEqualTo(401);

      long changed = System.nanoTime();
      change.make();
      Poll.until("report-only on the proxy port", PICKED_UP_WITHIN,
          () -> connection.get("/v1/customers", withoutMfa).status() == 200);

      Duration took = Duration.ofNanos(System.nanoTime() - changed);
      System.out.println(file.getFileName() + ": change applied after " + took.toMillis() + " ms");
      assertThat(took).isLessThan(PICKED_UP_WITHIN);
      assertThat(gateway.metric("mfa_gateway_config_reloads_total", "outcome=\"applied\"")).isEqualTo(1);
      assertThat(gateway.metric("mfa_gateway_config_reloads_total", "outcome=\"rejected\"")).as("no half-written read")
          .isZero();
    }
  }

  private static String config(TestIssuer issuer, RecordingServer upstream, String mode) {
    return RunningGateway.config(issuer.jwksUri(),
        RunningGateway.route("partner-center", "/", upstream.uri(), TestIssuer.AUDIENCE, ", mode = " + mode));
  }
}
