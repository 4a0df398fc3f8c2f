package dev.mfagateway.config;

import java.net.URI;
import java.util.List;

/**
 * One entry of `gateway.routes`, with the route's overrides already resolved against `gateway.mode` and
 * `gateway.auth`: every field is the effective value for requests on this route.
 */
public record RouteConfig(
    String name,
    String pathPrefix,
    URI upstream,
    List<String> audiences,
    Mode mode,
    boolean requireMfa,
    boolean allowAppOnly,
    SignatureMode signature) {

  public RouteConfig {
    audiences = List.copyOf(audiences);
  }
}
