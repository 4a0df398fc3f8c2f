package dev.mfagateway.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What a reload changes, in the terms an operator checks: the difference between the configuration applied so far and
 * the one just read (global mode, each route's mode, routes added, removed or changed, tenants and CPV app ids added or
 * removed, other `gateway.auth` rules), and the settings read at start only whose new value differs from the one the
 * process started with (`restartRequired`, as key paths). Values that could hold something sensitive (upstream URLs,
 * issuers) are named, never quoted; tenant and app ids are not secrets. Lists are sorted or in configuration order.
 */
public record ConfigChanges(
    Optional<String> mode,
    List<String> routeModes,
    List<String> routesAdded,
    List<String> routesRemoved,
    List<String> routesChanged,
    List<String> tenantsAdded,
    List<String> tenantsRemoved,
    List<String> cpvAppIdsAdded,
    List<String> cpvAppIdsRemoved,
    List<String> authChanged,
    List<String> restartRequired) {

  private static final String AUTH = "gateway.auth.";

  public ConfigChanges {
    routeModes = List.copyOf(routeModes);
    routesAdded = List.copyOf(routesAdded);
    routesRemoved = List.copyOf(routesRemoved);
    routesChanged = List.copyOf(routesChanged);
    tenantsAdded = List.copyOf(tenantsAdded);
    tenantsRemoved = List.copyOf(tenantsRemoved);
    cpvAppIdsAdded = List.copyOf(cpvAppIdsAdded);
    cpvAppIdsRemoved = List.copyOf(cpvAppIdsRemoved);
    authChanged = List.copyOf(authChanged);
    restartRequired = List.copyOf(restartRequired);
  }

  /**
   * The changes from {@code applied} (the configuration requests are judged by now) to {@code next}; start-only
   * settings are compared with {@code started}, the configuration the process started with, so that a setting still
   * waiting for a restart is reported on every reload until then.
   */
  public static ConfigChanges between(GatewayConfig started, GatewayConfig applied, GatewayConfig next) {
    AuthConfig before = applied.auth();
    AuthConfig after = next.auth();
    return new ConfigChanges(
        applied.mode() == next.mode()
            ? Optional.empty()
            : Optional.of(applied.mode().configName() + " -> " + next.mode().configName()),
        routeModes(applied.routes(), next.routes()),
        names(next.routes(), route -> byName(applied.routes(), route.name()) == null),
        names(applied.routes(), route -> byName(next.routes(), route.name()) == null),
        routesChanged(applied.routes(), next.routes()),
        sortedDifference(after.allowedTenants(), before.allowedTenants()),
        sortedDifference(before.allowedTenants(), after.allowedTenants()),
        sortedDifference(after.cpvAppIds(), before.cpvAppIds()),
        sortedDifference(before.cpvAppIds(), after.cpvAppIds()),
        authChanged(before, after),
        restartRequired(started, next));
  }

  /** Whether the reload changes nothing requests are judged by (start-only settings aside). */
  public boolean appliesNothing() {
    return mode.isEmpty() && routeModes.isEmpty() && routesAdded.isEmpty() && routesRemoved.isEmpty()
        && routesChanged.isEmpty() && tenantsAdded.isEmpty() && tenantsRemoved.isEmpty() && cpvAppIdsAdded.isEmpty()
        && cpvAppIdsRemoved.isEmpty() && authChanged.isEmpty();
  }

  /** One line for people: "no changes", or what kinds of things changed. */
  public String summary() {
    List<String> parts = new ArrayList<>();
    mode.ifPresent(change -> parts.add("gateway.mode " + change));
    routeModes.forEach(change -> parts.add("route " + change));
    count(parts, routesAdded, "route added", "routes added");
    count(parts, routesRemoved, "route removed", "routes removed");
    count(parts, routesChanged, "route changed", "routes changed");
    count(parts, tenantsAdded, "tenant added", "tenants added");
    count(parts, tenantsRemoved, "tenant removed", "tenants removed");
    count(parts, cpvAppIdsAdded, "CPV app id added", "CPV app ids added");
    count(parts, cpvAppIdsRemoved, "CPV app id removed", "CPV app ids removed");
    authChanged.forEach(key -> parts.add(key + " changed"));
    String applied = parts.isEmpty() ? "no changes" : String.join("; ", parts);
    return restartRequired.isEmpty() ? applied : applied + "; restart required for " + String.join(", ", restartRequired);
  }

  /** The changes as named fields (snake_case), for the `config_reload` audit line. */
  public Map<String, Object> fields() {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("summary", summary());
    fields.put("mode", mode.orElse(null));
    fields.put("route_modes", routeModes);
    fields.put("routes_added", routesAdded);
    fields.put("routes_removed", routesRemoved);
    fields.put("routes_changed", routesChanged);
    fields.put("tenants_added", tenantsAdded);
    fields.put("tenants_removed", tenantsRemoved);
    fields.put("cpv_app_ids_added", cpvAppIdsAdded);
    fields.put("cpv_app_ids_removed", cpvAppIdsRemoved);
    fields.put("auth_changed", authChanged);
    fields.put("restart_required", restartRequired);
    return fields;
  }

  /** "name: enforce -> report-only" for each route in both whose effective mode changed. */
  private static List<String> routeModes(List<RouteConfig> before, List<RouteConfig> after) {
    List<String> changes = new ArrayList<>();
    for (RouteConfig route : after) {
      RouteConfig old = byName(before, route.name());
      if (old != null && old.mode() != route.mode()) {
        changes.add(route.name() + ": " + old.mode().configName() + " -> " + route.mode().configName());
      }
    }
    return changes;
  }

  /** "name: field, field" for each route in both whose effective settings or place among the others changed. */
  private static List<String> routesChanged(List<RouteConfig> before, List<RouteConfig> after) {
    List<String> keptBefore = names(before, route -> byName(after, route.name()) != null);
    List<String> keptAfter = names(after, route -> byName(before, route.name()) != null);
    List<String> changes = new ArrayList<>();
    for (RouteConfig route : after) {
      RouteConfig old = byName(before, route.name());
      if (old == null) {
        continue;
      }
      List<String> fields = new ArrayList<>();
      changed(fields, "path-prefix", old, route, RouteConfig::pathPrefix);
      changed(fields, "upstream", old, route, RouteConfig::upstream);
      changed(fields, "audiences", old, route, RouteConfig::audiences);
      changed(fields, "mode", old, route, RouteConfig::mode);
      changed(fields, "require-mfa", old, route, RouteConfig::requireMfa);
      changed(fields, "allow-app-only", old, route, RouteConfig::allowAppOnly);
      changed(fields, "signature", old, route, RouteConfig::signature);
      if (keptBefore.indexOf(route.name()) != keptAfter.indexOf(route.name())) {
        fields.add("order");
      }
      if (!fields.isEmpty()) {
        changes.add(route.name() + ": " + String.join(", ", fields));
      }
    }
    return changes;
  }

  /** The reloadable `gateway.auth` rules that changed, as key paths (tenants and CPV app ids are listed apart). */
  private static List<String> authChanged(AuthConfig before, AuthConfig after) {
    List<String> keys = new ArrayList<>();
    changed(keys, AUTH + "issuers", before, after, AuthConfig::issuers);
    changed(keys, AUTH + "algorithms", before, after, AuthConfig::algorithms);
    changed(keys, AUTH + "clock-skew", before, after, AuthConfig::clockSkew);
    changed(keys, AUTH + "require-mfa", before, after, AuthConfig::requireMfa);
    changed(keys, AUTH + "mfa-values", before, after, AuthConfig::mfaValues);
    changed(keys, AUTH + "allow-app-only", before, after, AuthConfig::allowAppOnly);
    return keys;
  }

  /** The settings read at start only whose value in {@code next} differs from the running one, as key paths. */
  private static List<String> restartRequired(GatewayConfig running, GatewayConfig next) {
    List<String> keys = new ArrayList<>();
    changed(keys, "gateway.listen", running, next, GatewayConfig::listen);
    changed(keys, "gateway.admin", running, next, GatewayConfig::admin);
    changed(keys, "gateway.server", running, next, GatewayConfig::server);
    changed(keys, "gateway.limits", running, next, GatewayConfig::limits);
    changed(keys, "gateway.upstream", running, next, GatewayConfig::upstream);
    AuthConfig before = running.auth();
    AuthConfig after = next.auth();
    changed(keys, AUTH + "jwks-uri", before, after, AuthConfig::jwksUri);
    changed(keys, AUTH + "jwks-refresh-interval", before, after, AuthConfig::jwksRefreshInterval);
    changed(keys, AUTH + "jwks-min-refresh-interval", before, after, AuthConfig::jwksMinRefreshInterval);
    changed(keys, AUTH + "jwks-fetch-timeout", before, after, AuthConfig::jwksFetchTimeout);
    changed(keys, AUTH + "jwks-ca-file", before, after, AuthConfig::jwksCaFile);
    changed(keys, AUTH + "token-cache.max-entries", before, after, AuthConfig::tokenCacheMaxEntries);
    changed(keys, "gateway.compliance", running, next, GatewayConfig::compliance);
    changed(keys, "gateway.logging", running, next, GatewayConfig::logging);
    return keys;
  }

  private static <T> void changed(List<String> keys, String key, T before, T after, Function<T, ?> value) {
    if (!Objects.equals(value.apply(before), value.apply(after))) {
      keys.add(key);
    }
  }

  private static RouteConfig byName(List<RouteConfig> routes, String name) {
    return routes.stream().filter(route -> route.name().equals(name)).findFirst().orElse(null);
  }

  private static List<String> names(List<RouteConfig> routes, Predicate<RouteConfig> which) {
    return routes.stream().filter(which).map(RouteConfig::name).toList();
  }

  private static List<String> sortedDifference(Set<String> these, Set<String> without) {
    return these.stream().filter(value -> !without.contains(value)).sorted().toList();
  }

  private static void count(List<String> parts, List<String> items, String one, String many) {
    if (!items.isEmpty()) {
      parts.add(items.size() == 1 ? "1 " + one : items.size() + " " + many);
    }
  }
}
