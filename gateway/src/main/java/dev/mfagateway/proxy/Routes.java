package dev.mfagateway.proxy;

import dev.mfagateway.config.RouteConfig;
import dev.mfagateway.telemetry.GatewayMetrics;
import dev.mfagateway.telemetry.RouteMeters;
import java.net.URI;
import java.util.List;

/**
 * Request target → route: the first route whose `path-prefix` is a plain string prefix of the path (SPEC §8). Each
 * route carries its meters and its upstream's `Host`, resolved once here, so the request path neither looks up nor
 * builds them.
 */
final class Routes {
  /** A configured route, its meters and the `Host` its upstream is sent. */
  record Route(RouteConfig config, RouteMeters meters, String upstreamAuthority) {}

  private final List<Route> routes;

  Routes(List<RouteConfig> routes, GatewayMetrics metrics) {
    this.routes = routes.stream()
        .map(route -> new Route(route, metrics.route(route.name()), authority(route.upstream())))
        .toList();
  }

  private static String authority(URI upstream) {
    return upstream.getPort() < 0 ? upstream.getHost() : upstream.getHost() + ":" + upstream.getPort();
  }

  /** Matches on the raw, undecoded path; the prefix may not reach into the query string. Null when none matches. */
  Route match(String requestTarget) {
    int query = requestTarget.indexOf('?');
    int pathLength = query < 0 ? requestTarget.length() : query;
    for (int i = 0; i < routes.size(); i++) { // indexed: no iterator per request
      Route route = routes.get(i);
      String prefix = route.config().pathPrefix();
      if (prefix.length() <= pathLength && requestTarget.startsWith(prefix)) {
        return route;
      }
    }
    return null;
  }
}
