package dev.mfagateway.compliance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * `gateway.compliance.state-file`: the report saved as JSON (written to a temporary file in the same directory, then
 * moved over the old one, so a reader never sees half a file) and read at start, so a restart does not empty the
 * report. A missing file starts empty; a corrupt or foreign one is logged and ignored, never fatal. Counts are stored by
 * slot name, so a file from a version with other slots still reads (unknown slots are dropped).
 */
public final class StateFile {
  private static final Logger LOG = LogManager.getLogger(StateFile.class);
  static final String FORMAT = "mfa-gateway-compliance-state";
  static final int VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;

  public StateFile(Path file) {
    this.file = file;
  }

  public Path path() {
    return file;
  }

  /** Adds the saved state to {@code report}; returns whether a state was restored. */
  public boolean restoreInto(ComplianceReport report) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      LOG.info("compliance state file {} does not exist yet: the report starts empty", file);
      return false;
    } catch (IOException e) {
      LOG.warn("compliance state file {} could not be read ({}): the report starts empty", file, e.toString());
      return false;
    }
    try {
      report.restore(parse(JSON.readTree(bytes)));
      LOG.info("compliance report restored from {}", file);
      return true;
    } catch (IOException | RuntimeException e) {
      LOG.warn("compliance state file {} ignored, the report starts empty: {}", file, describe(e));
      return false;
    }
  }

  /** Writes the report's state atomically; a failure is logged and the previous file is left as it was. */
  public boolean save(ComplianceReport report) {
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.write(temporary, JSON.writeValueAsBytes(render(report.state())));
      try {
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
      }
      return true;
    } catch (IOException | RuntimeException e) {
      LOG.warn("compliance state could not be saved to {}: {}", file, e.toString());
      try {
        Files.deleteIfExists(temporary);
      } catch (IOException ignored) {
        // the next save overwrites it
      }
      return false;
    }
  }

  private static String describe(Exception e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int line = message.indexOf('\n');
    return line < 0 ? message : message.substring(0, line);
  }

  static ObjectNode render(ComplianceReport.State state) {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("version", VERSION);
    root.put("since", state.since().toString());
    ArrayNode tenants = root.putArray("tenants");
    state.apps().forEach((tenantId, apps) -> {
      ObjectNode tenant = tenants.addObject();
      tenant.put("tid", tenantId);
      ArrayNode appNodes = tenant.putArray("apps");
      apps.forEach((appId, snapshot) -> entry(appNodes.addObject().put("app_id", appId), snapshot));
      entry(tenant.putObject("other_apps"), state.otherApps().get(tenantId));
    });
    entry(root.putObject("other_tenants"), state.otherTenants());
    entry(root.putObject("unattributed"), state.unattributed());
    return root;
  }

  private static void entry(ObjectNode node, Entry.Snapshot snapshot) {
    node.set("all", tally(snapshot.all()));
    buckets(node.putArray("hour"), snapshot.hour());
    buckets(node.putArray("day"), snapshot.day());
    ObjectNode users = node.putObject("users_without_mfa");
    snapshot.users().forEach(users::put);
    node.put("other_users_without_mfa", snapshot.otherUsers());
  }

  private static void buckets(ArrayNode array, Map<Long, Tally> buckets) {
    buckets.forEach((epoch, tally) -> array.addObject().put("epoch", epoch).set("counts", tally(tally)));
  }

  private static ObjectNode tally(Tally tally) {
    ObjectNode node = JSON.createObjectNode();
    List<String> names = tally.slotNames();
    for (int i = 0; i < names.size(); i++) {
      if (tally.counts[i] != 0) {
        node.put(names.get(i), tally.counts[i]);
      }
    }
    if (tally.firstSeen != Long.MAX_VALUE) {
      node.put("first_seen", tally.firstSeen);
      node.put("last_seen", tally.lastSeen);
    }
    return node;
  }

  static ComplianceReport.State parse(JsonNode root) {
    if (!root.isObject() || !FORMAT.equals(root.path("format").asText())) {
      throw new IllegalArgumentException("not a compliance state file (no \"format\": \"" + FORMAT + "\")");
    }
    if (root.path("version").asInt() != VERSION) {
      throw new IllegalArgumentException("unsupported version " + root.path("version") + " (expected " + VERSION + ")");
    }
    Instant since = Instant.parse(text(root, "since"));
    Map<String, Map<String, Entry.Snapshot>> apps = new LinkedHashMap<>();
    Map<String, Entry.Snapshot> otherApps = new LinkedHashMap<>();
    for (JsonNode tenant : array(root, "tenants")) {
      String tenantId = text(tenant, "tid");
      Map<String, Entry.Snapshot> byApp = new LinkedHashMap<>();
      for (JsonNode app : array(tenant, "apps")) {
        byApp.put(text(app, "app_id"), entry(app, Tally.forCalls()));
      }
      apps.put(tenantId, byApp);
      otherApps.put(tenantId, entry(object(tenant, "other_apps"), Tally.forCalls()));
    }
    return new ComplianceReport.State(since, apps, otherApps, entry(object(root, "other_tenants"), Tally.forCalls()),
        entry(object(root, "unattributed"), Tally.forUnattributed()));
  }

  private static Entry.Snapshot entry(JsonNode node, Tally template) {
    Map<Long, Tally> hour = buckets(array(node, "hour"), template);
    Map<Long, Tally> day = buckets(array(node, "day"), template);
    Map<String, Long> users = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = object(node, "users_without_mfa").fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> user = fields.next();
      users.put(user.getKey(), count(user.getValue(), "users_without_mfa." + user.getKey()));
    }
    return new Entry.Snapshot(tally(object(node, "all"), template), hour, day, users,
        count(node.path("other_users_without_mfa"), "other_users_without_mfa"));
  }

  private static Map<Long, Tally> buckets(JsonNode array, Tally template) {
    Map<Long, Tally> buckets = new LinkedHashMap<>();
    for (JsonNode bucket : array) {
      buckets.put(count(bucket.path("epoch"), "epoch"), tally(object(bucket, "counts"), template));
    }
    return buckets;
  }

  private static Tally tally(JsonNode node, Tally template) {
    Tally tally = template.emptyCopy();
    List<String> names = tally.slotNames();
    for (int i = 0; i < names.size(); i++) {
      if (node.has(names.get(i))) {
        tally.counts[i] = count(node.get(names.get(i)), names.get(i));
      }
    }
    if (node.has("first_seen")) {
      tally.firstSeen = count(node.get("first_seen"), "first_seen");
      tally.lastSeen = count(node.get("last_seen"), "last_seen");
    }
    return tally;
  }

  private static long count(JsonNode node, String name) {
    if (node.isMissingNode()) {
      return 0;
    }
    if (!node.canConvertToLong() || !node.isIntegralNumber() || node.asLong() < 0) {
      throw new IllegalArgumentException(name + " is not a non-negative integer");
    }
    return node.asLong();
  }

  private static String text(JsonNode node, String name) {
    JsonNode value = node.path(name);
    if (!value.isTextual()) {
      throw new IllegalArgumentException("\"" + name + "\" is missing or not a string");
    }
    return value.asText();
  }

  private static JsonNode array(JsonNode node, String name) {
    JsonNode value = node.path(name);
    if (!value.isArray()) {
      throw new IllegalArgumentException("\"" + name + "\" is missing or not an array");
    }
    return value;
  }

  private static JsonNode object(JsonNode node, String name) {
    JsonNode value = node.path(name);
    if (!value.isObject()) {
      throw new IllegalArgumentException("\"" + name + "\" is missing or not an object");
    }
    return value;
  }
}
