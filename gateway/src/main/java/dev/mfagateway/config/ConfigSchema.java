package dev.mfagateway.config;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which keys may appear under `gateway`: the tree of reference.conf, plus the optional `listen.tls` block, with
 * every element of `routes` checked against the route keys. Reports unknown keys and objects given as something
 * else, so a typo never falls back to a default in silence.
 */
final class ConfigSchema {
  /** The keys a `routes` element may hold (docs/configuration.md documents each). */
  static final Set<String> ROUTE_KEYS =
      Set.of("name", "path-prefix", "upstream", "audiences", "mode", "require-mfa", "allow-app-only", "signature");
  /** The keys of the optional `listen.tls` block, which reference.conf leaves out. */
  static final Set<String> TLS_KEYS = Set.of("cert-file", "key-file");

  private final ConfigObject reference;

  /** @param reference the `gateway` object of reference.conf */
  ConfigSchema(ConfigObject reference) {
    this.reference = reference;
  }

  void check(ConfigValue gateway, ConfigProblems problems) {
    checkObject("gateway", gateway, reference, problems);
  }

  private void checkObject(String path, ConfigValue actual, ConfigObject schema, ConfigProblems problems) {
    if (actual.valueType() != ConfigValueType.OBJECT) {
      problems.brokenObject(path, "expected an object, got " + render(actual));
      return;
    }
    ConfigObject object = (ConfigObject) actual;
    for (String key : new TreeSet<>(object.keySet())) {
      String keyPath = path + "." + key;
      ConfigValue value = object.get(key);
      if (keyPath.equals("gateway.listen.tls")) {
        if (value.valueType() != ConfigValueType.NULL) {
          checkKeys(keyPath, value, TLS_KEYS, problems);
        }
      } else if (keyPath.equals("gateway.routes")) {
        checkRoutes(value, problems);
      } else if (!schema.containsKey(key)) {
        problems.add(keyPath, "unknown key");
      } else if (schema.get(key).valueType() == ConfigValueType.OBJECT) {
        checkObject(keyPath, value, (ConfigObject) schema.get(key), problems);
      }
    }
  }

  private static void checkRoutes(ConfigValue routes, ConfigProblems problems) {
    if (routes.valueType() != ConfigValueType.LIST) {
      return; // the reader reports the type, or converts a numerically keyed object (-D…routes.0.name=…)
    }
    ConfigList list = (ConfigList) routes;
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i).valueType() == ConfigValueType.OBJECT) {
        checkKeys("gateway.routes[" + i + "]", list.get(i), ROUTE_KEYS, problems);
      }
    }
  }

  private static void checkKeys(String path, ConfigValue actual, Set<String> keys, ConfigProblems problems) {
    if (actual.valueType() != ConfigValueType.OBJECT) {
      problems.brokenObject(path, "expected an object, got " + render(actual));
      return;
    }
    for (String key : new TreeSet<>(((ConfigObject) actual).keySet())) {
      if (!keys.contains(key)) {
        problems.add(path + "." + key, "unknown key");
      }
    }
  }

  private static String render(ConfigValue value) {
    return value.render(ConfigRenderOptions.concise());
  }
}
