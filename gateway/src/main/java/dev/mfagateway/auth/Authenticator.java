package dev.mfagateway.auth;

import dev.mfagateway.config.Mode;
import dev.mfagateway.config.RouteConfig;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The one entry point of the verdict: the request's `Authorization` header values, its request target and its route
 * → a {@link Decision}. Asynchronous because an unknown `kid` may wait for a key fetch; almost always already complete.
 * Knows nothing of Netty.
 */
public final class Authenticator {

  public CompletionStage<Decision> authenticate(
      List<String> authorizationValues, String requestTarget, RouteConfig route) {
    BearerToken.Extraction extraction = BearerToken.extract(authorizationValues, requestTarget);
    Decision decision =
        extraction.refusal() != null ? extraction.refusal() : Decision.allow(TokenIdentity.UNKNOWN);
    return CompletableFuture.completedFuture(applyMode(decision, authorizationValues, route));
  }

  /** Report-only forwards everything but a request with several Authorization headers (SPEC §8). */
  private static Decision applyMode(Decision decision, List<String> authorizationValues, RouteConfig route) {
    if (route.mode() == Mode.REPORT_ONLY && authorizationValues.size() <= 1) {
      return decision.reportOnly();
    }
    return decision;
  }
}
