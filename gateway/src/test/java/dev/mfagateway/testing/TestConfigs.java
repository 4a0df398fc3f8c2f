package dev.mfagateway.testing;

import dev.mfagateway.auth.Authenticator;
import dev.mfagateway.config.AuthConfig;
import dev.mfagateway.config.Mode;
import dev.mfagateway.config.RouteConfig;
import dev.mfagateway.config.SignatureMode;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Configuration records for tests, with SPEC §3's defaults and the {@link TestIssuer}'s tenant allowed. */
public final class TestConfigs {
  public static final String CPV_APP_ID = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b";

  private TestConfigs() {}

  /** An authenticator with {@link #auth(URI)}'s settings, its signing keys fetched; close them with it. */
  public static Authenticator startedAuthenticator(URI jwksUri) {
    Authenticator authenticator = Authenticator.create(auth(jwksUri), (hit, nanos) -> {});
    authenticator.signingKeys().start().toCompletableFuture().join();
    return authenticator;
  }

  public static AuthConfig auth(URI jwksUri) {
    return auth(jwksUri, List.of(TestIssuer.V1_ISSUER, TestIssuer.V2_ISSUER), Duration.ofSeconds(5));
  }

  /** SPEC defaults but for the issuers and `jwks-fetch-timeout`. */
  public static AuthConfig auth(URI jwksUri, List<String> issuers, Duration fetchTimeout) {
    return new AuthConfig(
        jwksUri,
        issuers,
        Set.of(TestIssuer.TENANT),
        List.of("RS256"),
        Duration.ofSeconds(60),
        true,
        List.of("mfa"),
        Set.of(CPV_APP_ID),
        true,
        Duration.ofHours(1),
        Duration.ofSeconds(30),
        fetchTimeout,
        10_000,
        Optional.empty());
  }

  /** The Partner Center route: enforce, MFA required, app-only allowed, signature verified. */
  public static RouteConfig route() {
    return new RouteConfig("partner-center", "/", URI.create("http://127.0.0.1:1"), List.of(TestIssuer.AUDIENCE),
        Mode.ENFORCE, true, true, SignatureMode.VERIFY);
  }

  public static RouteConfig route(Mode mode, boolean requireMfa, boolean allowAppOnly, SignatureMode signature) {
    return new RouteConfig("route-" + mode.configName() + "-" + requireMfa + "-" + allowAppOnly + "-"
        + signature.configName(), "/", URI.create("http://127.0.0.1:1"), List.of(TestIssuer.AUDIENCE), mode,
        requireMfa, allowAppOnly, signature);
  }
}
