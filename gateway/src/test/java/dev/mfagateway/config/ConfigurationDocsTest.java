package dev.mfagateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md documents exactly the keys the gateway reads: every leaf of reference.conf (the elements of
 * `routes` as `gateway.routes[].name` …) and the optional keys reference.conf cannot hold because they have no
 * default. Its defaults are reference.conf's, and its "reloads" column names the keys a reload applies.
 */
class ConfigurationDocsTest {
  private static final Path DOC = repositoryFile("docs/configuration.md");
  private static final String ROUTE = "gateway.routes[].";
  /** A table row: `| `gateway.…` | type | default | reloads | meaning |`; `\|` inside a cell is not a separator. */
  private static final Pattern ROW = Pattern.compile("^\\| `gateway\\.[^`]+` \\|.*\\|$");
  private static final Pattern CELL_SEPARATOR = Pattern.compile("(?<!\\\\)\\|");
  /** The keys a configuration reload applies (SPEC §7); every other key is read at start only. */
  private static final Set<String> RELOADABLE = reloadable();

  /** One documented key: its cells as written. */
  private record Row(String key, String type, String defaultValue, String reloads, String meaning) {}

  @Test
  void everyKeyOfReferenceConfIsDocumented() throws IOException {
    Map<String, ConfigValue> reference = referenceLeaves();
    Set<String> missing = new TreeSet<>(reference.keySet());
    missing.removeAll(documented().keySet());

    assertThat(reference).containsKeys("gateway.upstream.ca-file", "gateway.routes[].audiences",
        "gateway.auth.token-cache.max-entries"); // null leaves, list elements and nested objects are walked
    assertThat(missing).as("keys of reference.conf missing from " + DOC).isEmpty();
  }

  @Test
  void everyDocumentedKeyIsOneTheGatewayReads() throws IOException {
    Set<String> known = new TreeSet<>(referenceLeaves().keySet());
    known.addAll(optionalKeys());
    Set<String> unknown = new TreeSet<>(documented().keySet());
    unknown.removeAll(known);

    assertThat(unknown).as("keys in " + DOC + " that reference.conf does not hold and that are not optional").isEmpty();
  }

  @Test
  void theOptionalKeysAreDocumented() throws IOException {
    Set<String> missing = new TreeSet<>(optionalKeys());
    missing.removeAll(documented().keySet());

    assertThat(optionalKeys()).contains(ROUTE + "signature", "gateway.listen.tls.cert-file");
    assertThat(missing).as("optional keys missing from " + DOC).isEmpty();
  }

  @Test
  void everyKeyIsDocumentedOnce() throws IOException {
    List<String> keys = new ArrayList<>();
    rows().forEach(row -> keys.add(row.key()));

    assertThat(keys).doesNotHaveDuplicates();
  }

  /** Each default is written as a HOCON value (`60s`, `[RS256]`, `null`) equal to reference.conf's. */
  @Test
  void documentedDefaultsAreThoseOfReferenceConf() throws IOException {
    Map<String, Row> documented = documented();
    List<String> wrong = new ArrayList<>();
    referenceLeaves().forEach((key, value) -> {
      Row row = documented.get(key);
      if (row == null || key.startsWith(ROUTE)) {
        return; // missing: reported above; a route's keys: required, or defaults taken from gateway.*
      }
      String cell = row.defaultValue();
      Object written = cell.matches("`[^`]+`")
          ? ConfigFactory.parseString("v = " + cell.substring(1, cell.length() - 1)).root().get("v").unwrapped()
          : cell;
      if (!Objects.equals(written, value.unwrapped())) {
        wrong.add(key + ": documented " + cell + ", reference.conf has " + value.render());
      }
    });

    assertThat(wrong).isEmpty();
  }

  @Test
  void theReloadsColumnNamesExactlyTheKeysAReloadApplies() throws IOException {
    Set<String> yes = new TreeSet<>();
    List<String> unclear = new ArrayList<>();
    for (Row row : rows()) {
      switch (row.reloads()) {
        case "yes" -> yes.add(row.key());
        case "no" -> { }
        default -> unclear.add(row.key() + ": " + row.reloads());
      }
    }

    assertThat(unclear).as("the reloads column holds yes or no").isEmpty();
    assertThat(yes).containsExactlyInAnyOrderElementsOf(RELOADABLE);
  }

  @Test
  void everyRowSaysItsTypeAndMeaning() throws IOException {
    List<String> incomplete = new ArrayList<>();
    for (Row row : rows()) {
      if (row.type().isBlank() || row.defaultValue().isBlank() || row.meaning().isBlank()) {
        incomplete.add(row.key());
      }
    }

    assertThat(incomplete).isEmpty();
  }

  /**
   * Keys the gateway accepts that have no default, so reference.conf leaves them out: the route keys the built-in
   * route does not set, the `listen.tls` block, and `gateway.admin.token-file` until reference.conf holds it.
   */
  private static Set<String> optionalKeys() throws IOException {
    Set<String> optional = new TreeSet<>();
    ConfigSchema.ROUTE_KEYS.forEach(key -> optional.add(ROUTE + key));
    ConfigSchema.TLS_KEYS.forEach(key -> optional.add("gateway.listen.tls." + key));
    optional.add("gateway.admin.token-file");
    optional.removeAll(referenceLeaves().keySet());
    return optional;
  }

  /** Every leaf of reference.conf's `gateway` tree by path, `null` values included (Config.entrySet skips them). */
  private static Map<String, ConfigValue> referenceLeaves() {
    ConfigObject root = ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), "reference.conf")
        .resolve().root();
    Map<String, ConfigValue> leaves = new LinkedHashMap<>();
    walk("gateway", root.get("gateway"), leaves);
    return leaves;
  }

  private static void walk(String path, ConfigValue value, Map<String, ConfigValue> leaves) {
    if (value.valueType() == ConfigValueType.OBJECT) {
      ((ConfigObject) value).forEach((key, child) -> walk(path + "." + key, child, leaves));
    } else if (value.valueType() == ConfigValueType.LIST && !((ConfigList) value).isEmpty()
        && ((ConfigList) value).stream().allMatch(element -> element.valueType() == ConfigValueType.OBJECT)) {
      ((ConfigList) value).forEach(element -> walk(path + "[]", element, leaves));
    } else {
      leaves.put(path, value);
    }
  }

  private static Map<String, Row> documented() throws IOException {
    Map<String, Row> byKey = new LinkedHashMap<>();
    rows().forEach(row -> byKey.put(row.key(), row));
    return byKey;
  }

  private static List<Row> rows() throws IOException {
    List<Row> rows = new ArrayList<>();
    for (String line : Files.readAllLines(DOC)) {
      if (ROW.matcher(line).matches()) {
        String[] cells = CELL_SEPARATOR.split(line.substring(1, line.length() - 1), -1);
        assertThat(cells).as("five cells: " + line).hasSize(5);
        rows.add(new Row(cells[0].trim().replace("`", ""), cells[1].trim(), cells[2].trim(), cells[3].trim(),
            cells[4].trim()));
      }
    }
    assertThat(rows).as("key rows in " + DOC).isNotEmpty();
    return rows;
  }

  private static Set<String> reloadable() {
    Set<String> keys = new TreeSet<>(List.of("gateway.mode"));
    ConfigSchema.ROUTE_KEYS.forEach(key -> keys.add(ROUTE + key));
    for (String key : List.of("allowed-tenants", "cpv-app-ids", "require-mfa", "allow-app-only", "mfa-values",
        "issuers", "algorithms", "clock-skew")) {
      keys.add("gateway.auth." + key);
    }
    return keys;
  }

  private static Path repositoryFile(String relative) {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("pom.xml")) && Files.isDirectory(dir.resolve("docs"))) {
        return dir.resolve(relative);
      }
    }
    throw new IllegalStateException("no repository root with docs/ above " + Path.of("").toAbsolutePath());
  }
}
