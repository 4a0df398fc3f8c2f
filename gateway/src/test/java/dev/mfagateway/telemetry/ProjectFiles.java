package dev.mfagateway.telemetry;

import java.nio.file.Files;
import java.nio.file.Path;

/** The observability files of the repository, found from wherever the tests run (the module or the root). */
final class ProjectFiles {
  static final Path ROOT = findRoot();
  static final Path CHART_FILES = ROOT.resolve("helm/mfa-gateway/files");
  static final Path DASHBOARD = CHART_FILES.resolve("grafana-dashboard.json");
  static final Path RULES = CHART_FILES.resolve("prometheus-rules.yaml");
  static final Path RULES_TEST = CHART_FILES.resolve("prometheus-rules.test.yaml");
  static final Path RUNBOOK = ROOT.resolve("docs/runbook.md");
  static final Path ROLLOUT = ROOT.resolve("docs/rollout.md");
  static final Path CHECK_DASHBOARD = ROOT.resolve("scripts/check-dashboard.sh");

  private ProjectFiles() {}

  private static Path findRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("helm/mfa-gateway")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
        return dir;
      }
    }
    throw new IllegalStateException("no repository root with helm/mfa-gateway above " + Path.of("").toAbsolutePath());
  }
}
