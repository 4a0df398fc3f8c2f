package dev.mfagateway.proxy;

import dev.mfagateway.config.RouteConfig;
import dev.mfagateway.telemetry.GatewayMetrics;
import dev.mfagateway.telemetry.RouteMeters;
import java.util.List;

/**
 * Request target → route: the first route whose `path-prefix` is a plain string prefix of the path (SPEC §8). Each
 * route carries its meters, resolved once here, so the request path records without lookups.
 */
final class Routes {
  /** A configured route and its meters. */
  record Route(RouteConfig config, RouteMeters meters) {}

  private final List<Route> routes;

  Routes(List<RouteConfig> routes, GatewayMetrics metrics) {
    this.routes = routes.stream().map(route -> new Route(route, metrics.route(route.name()))).toList();
  }

  /** Matches on the raw, undecoded path; the prefix may not reach into the query string. Null when none matches. */
  Route match(String requestTarget) {
    int query = requestTarget.indexOf('?');
    int pathLength = query < 0 ? requestTarget.length() : query;
    for (Route route : routes) {
      String prefix = route.config().pathPrefix();
      if (prefix.length() <= pathLength && requestTarget.startsWith(prefix)) {
        return route;
      }
    }
    return null;
  }
}
