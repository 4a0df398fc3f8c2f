package dev.mfagateway;

import dev.mfagateway.auth.AccessPolicy;
import dev.mfagateway.auth.Authenticator;
import dev.mfagateway.auth.CryptoProviders;
import dev.mfagateway.auth.Decision;
import dev.mfagateway.auth.Reason;
import dev.mfagateway.auth.SigningKeys;
import dev.mfagateway.auth.TokenVerifier;
import dev.mfagateway.auth.ValidationRecorder;
import dev.mfagateway.auth.VerifiedToken;
import dev.mfagateway.auth.VerifiedTokens;
import dev.mfagateway.config.ConfigLoader;
import dev.mfagateway.config.GatewayConfig;
import dev.mfagateway.config.InvalidConfigException;
import dev.mfagateway.config.RouteConfig;
import dev.mfagateway.config.SignatureMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * `check-token [--config FILE] [--offline] [--route NAME] [TOKEN|-]` (SPEC §2): explains one token as the gateway
 * would judge it on a route (default: the first), one line per check, then the verdict from the real
 * {@link Authenticator}. Exit 0 when it would pass, 1 when not, 2 on usage or configuration errors. Never prints the
 * token or its signature; claim values such as `iss`, `aud` and `tid` are printed because they say what to fix.
 */
public final class CheckTokenCommand {
  static final String USAGE = "usage: check-token [--config FILE] [--offline] [--route NAME] [TOKEN|-]";
  private static final int PASS = 0;
  private static final int FAIL = 1;
  private static final int USAGE_ERROR = 2;

  /** Loads the configuration; {@link ConfigLoader#load} outside tests. */
  @FunctionalInterface
  public interface ConfigSource {
    GatewayConfig load(Optional<Path> file) throws InvalidConfigException;
  }

  private record Arguments(Optional<Path> config, boolean offline, Optional<String> route, String token) {}

  private static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }

  private CheckTokenCommand() {}

  public static int run(List<String> args, InputStream in, PrintStream out, PrintStream err) {
    return run(args, in, out, err, ConfigLoader::load);
  }

  public static int run(List<String> args, InputStream in, PrintStream out, PrintStream err, ConfigSource configs) {
    try {
      Arguments arguments = parse(args, in);
      GatewayConfig config = configs.load(arguments.config());
      RouteConfig route = route(config, arguments.route());
      return explain(config, route, arguments.offline(), arguments.token(), out);
    } catch (UsageException e) {
      err.println("check-token: " + e.getMessage());
      err.println(USAGE);
      return USAGE_ERROR;
    } catch (InvalidConfigException e) {
      e.problems().forEach(err::println);
      return USAGE_ERROR;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("check-token: interrupted");
      return USAGE_ERROR;
    }
  }

  private static Arguments parse(List<String> args, InputStream in) throws UsageException {
    Optional<Path> config = Optional.empty();
    Optional<String> route = Optional.empty();
    boolean offline = false;
    String token = null;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      switch (arg) {
        case "--config" -> config = Optional.of(Path.of(value(args, ++i, arg)));
        case "--route" -> route = Optional.of(value(args, ++i, arg));
        case "--offline" -> offline = true;
        default -> {
          if (arg.startsWith("--")) {
            throw new UsageException("unknown option " + arg);
          }
          if (token != null) {
            throw new UsageException("only one token at a time");
          }
          token = arg;
        }
      }
    }
    if (token == null || token.equals("-")) {
      token = readToken(in);
    }
    if (token.isEmpty()) {
      throw new UsageException("no token given (pass it as an argument, or '-' to read it from standard input)");
    }
    return new Arguments(config, offline, route, token);
  }

  private static String value(List<String> args, int index, String option) throws UsageException {
    if (index >= args.size()) {
      throw new UsageException(option + " needs a value");
    }
    return args.get(index);
  }

  private static String readToken(InputStream in) throws UsageException {
    try {
      return new String(in.readNBytes(1024 * 1024), StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      throw new UsageException("cannot read the token from standard input: " + e.getMessage());
    }
  }

  private static RouteConfig route(GatewayConfig config, Optional<String> name) throws UsageException {
    if (name.isEmpty()) {
      return config.routes().get(0);
    }
    return config.routes().stream()
        .filter(route -> route.name().equals(name.get()))
        .findFirst()
        .orElseThrow(() -> new UsageException("unknown route '" + name.get() + "' (routes: "
            + String.join(", ", config.routes().stream().map(RouteConfig::name).toList()) + ")"));
  }

  private static int explain(GatewayConfig config, RouteConfig route, boolean offline, String token, PrintStream out)
      throws InterruptedException {
    Clock clock = Clock.systemUTC();
    boolean checkSignature = !offline && route.signature() == SignatureMode.VERIFY;
    RouteConfig judged = checkSignature ? route : claimsOnly(route);
    try (SigningKeys keys = new SigningKeys(config.auth(), clock)) {
      if (checkSignature) {
        await(keys.start(), config);
      }
      CryptoProviders.Choice crypto = CryptoProviders.select();
      TokenVerifier verifier = new TokenVerifier(config.auth(), keys, crypto, clock);
      line(out, "route", "", route.name() + " (" + route.mode().configName() + ")");
      explainChecks(config, route, offline, checkSignature, token, verifier, keys, out);
      Authenticator authenticator =
          new Authenticator(
              config.auth(), keys, new VerifiedTokens(1, keys, clock), crypto, clock, ValidationRecorder.NONE);
      Decision decision = await(authenticator.authenticate(List.of("Bearer " + token), "/", judged), config);
      String outcome = decision.reason() == Reason.OK
          ? "would pass"
          : decision.reason().wireName() + " (" + decision.reason().status() + "): " + decision.description();
      line(out, "verdict", decision.verdict().label().toUpperCase(), outcome);
      return decision.reason() == Reason.OK ? PASS : FAIL;
    }
  }

  private static RouteConfig claimsOnly(RouteConfig route) {
    return new RouteConfig(route.name(), route.pathPrefix(), route.upstream(), route.audiences(), route.mode(),
        route.requireMfa(), route.allowAppOnly(), SignatureMode.CLAIMS_ONLY);
  }

  private static void explainChecks(GatewayConfig config, RouteConfig route, boolean offline, boolean checkSignature,
      String token, TokenVerifier verifier, SigningKeys keys, PrintStream out) throws InterruptedException {
    TokenVerifier.ParsedToken parsed;
    Map<String, Object> claims;
    try {
      parsed = verifier.parse(token);
      claims = verifier.claims(parsed);
    } catch (TokenVerifier.Refused refused) {
      boolean algorithm = refused.decision().reason() == Reason.ALGORITHM_NOT_ALLOWED;
      check(out, algorithm ? "algorithm" : "token", Optional.of(refused.decision()), "");
      return;
    }
    check(out, "algorithm", Optional.empty(), parsed.header().getAlgorithm().getName());
    SigningKeys.SigningKey key = null;
    if (!checkSignature) {
      line(out, "signature", "skip", offline
          ? "not checked (--offline: no network)"
          : "not checked (route signature = claims-only: the upstream checks it)");
    } else {
      String kid = parsed.header().getKeyID();
      SigningKeys.Lookup lookup = kid == null ? null : await(keys.find(kid), config);
      key = lookup == null ? null : lookup.key();
      if (key == null) {
        Reason missing = lookup == null ? Reason.UNKNOWN_KEY : lookup.missing();
        String why = kid == null ? "token header has no kid"
            : missing == Reason.KEYS_UNAVAILABLE ? "signing keys could not be loaded from " + config.auth().jwksUri()
            : "no key " + kid + " in " + config.auth().jwksUri();
        line(out, "signature", "FAIL", missing.wireName() + ": " + why);
      } else {
        Optional<Decision> bad = verifier.checkSignature(parsed, key);
        check(out, "signature", bad, "verified with key " + kid + " from " + config.auth().jwksUri());
      }
    }
    Optional<Decision> missingClaims = verifier.checkRequiredClaims(claims);
    check(out, "claims", missingClaims, "exp and tid present");
    if (missingClaims.isPresent()) {
      return;
    }
    VerifiedToken facts = TokenVerifier.toVerifiedToken(claims, key);
    AccessPolicy policy = new AccessPolicy(config.auth());
    check(out, "issuer", verifier.checkIssuer(claims, key), String.valueOf(claims.get("iss")));
    check(out, "audience", verifier.checkAudience(facts, route), String.join(", ", facts.audiences()));
    check(out, "lifetime", verifier.checkLifetime(claims), "expires " + Instant.ofEpochMilli(facts.expiresAtMillis()));
    check(out, "tenant", policy.checkTenant(facts), facts.identity().tenantId());
    check(out, "token kind", policy.checkTokenKind(facts, route),
        (facts.appOnly() ? "app-only" : "app+user") + " (app " + facts.identity().appId() + ")");
    check(out, "MFA", policy.checkMfa(facts, route), facts.appOnly()
        ? "not applicable to app-only tokens"
        : route.requireMfa() ? "amr proves MFA" : "not required on this route");
  }

  private static void check(PrintStream out, String name, Optional<Decision> refusal, String detail) {
    if (refusal.isPresent()) {
      line(out, name, "FAIL", refusal.get().reason().wireName() + ": " + refusal.get().description());
    } else {
      line(out, name, "ok", detail);
    }
  }

  private static void line(PrintStream out, String name, String status, String detail) {
    out.printf("%-11s %-10s %s%n", name, status, detail);
  }

  private static <T> T await(CompletionStage<T> stage, GatewayConfig config)
      throws InterruptedException {
    try {
      return stage.toCompletableFuture().get(config.auth().jwksFetchTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("key fetch did not finish: " + e.getClass().getSimpleName(), e);
    }
  }
}
