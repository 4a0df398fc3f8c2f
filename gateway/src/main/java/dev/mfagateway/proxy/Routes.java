package dev.mfagateway.proxy;

import dev.mfagateway.config.RouteConfig;
import java.util.List;
import java.util.Optional;

/** Request target → route: the first route whose `path-prefix` is a plain string prefix of the path (SPEC §8). */
final class Routes {
  private final List<RouteConfig> routes;

  Routes(List<RouteConfig> routes) {
    this.routes = List.copyOf(routes);
  }

  /** Matches on the raw, undecoded path; the prefix may not reach into the query string. */
  Optional<RouteConfig> match(String requestTarget) {
    int query = requestTarget.indexOf('?');
    int pathLength = query < 0 ? requestTarget.length() : query;
    for (RouteConfig route : routes) {
      String prefix = route.pathPrefix();
      if (prefix.length() <= pathLength && requestTarget.startsWith(prefix)) {
        return Optional.of(route);
      }
    }
    return Optional.empty();
  }
}
