package dev.mfagateway;

import com.nimbusds.jose.Algorithm;
import com.nimbusds.jose.Header;
import com.nimbusds.jose.util.Base64URL;
import dev.mfagateway.auth.AccessPolicy;
import dev.mfagateway.auth.Authenticator;
import dev.mfagateway.auth.BearerToken;
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
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * `check-token [--config FILE] [--offline] [--route NAME] [TOKEN|-]` (SPEC §2): explains one token as the gateway
 * would judge it on a route (default: the first), one line per check in SPEC §8's order up to the first failure (the
 * checks after it are `not checked`), then the verdict from the real {@link Authenticator}. Exit 0 when it would pass,
 * 1 when not, 2 on usage or configuration errors. Never prints the token or its signature; claim values such as `iss`,
 * `aud` and `tid` are printed because they say what to fix.
 */
public final class CheckTokenCommand {
  static final String USAGE = "usage: check-token [--config FILE] [--offline] [--route NAME] [TOKEN|-]";
  static final String HELP = USAGE + """


      Explains how the gateway would judge TOKEN (or the token on standard input, with '-' or no TOKEN) on a route:
      one line per check, in the order the gateway runs them (SPEC §8):
        token, algorithm, key, signature, claims, lifetime, issuer, audience, tenant, token kind, MFA
      then the verdict. Like the gateway, it stops at the first failure: that check says FAIL with the verdict's
      reason, and every check after it says "not checked" (a failed signature leaves the claims untrusted, an expired
      token is refused whatever its issuer). Fix that one and run it again.

        --config FILE   the gateway's configuration (default: the built-in defaults)
        --route NAME    judge on this route (default: the first)
        --offline       no network: the key and signature are skipped, and say so

      A route with signature = claims-only skips the key and signature too. Exit status: 0 it would pass, 1 it would
      be refused, 2 usage or configuration error. The token and its signature are never printed; log lines go to
      standard error, so standard output holds only the report.
      """;
  private static final String COMPACT_JWS = "compact JWS (header.payload.signature)";
  private static final int PASS = 0;
  private static final int FAIL = 1;
  private static final int USAGE_ERROR = 2;

  /** Loads the configuration; {@link ConfigLoader#load} outside tests. */
  @FunctionalInterface
  public interface ConfigSource {
    GatewayConfig load(Optional<Path> file) throws InvalidConfigException;
  }

  private record Arguments(Optional<Path> config, boolean offline, Optional<String> route, String token) {}

  /** `--help`: not an error, the help goes to standard output. */
  private static final class HelpRequested extends Exception {
    private static final long serialVersionUID = 1L;
  }

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
    } catch (HelpRequested e) {
      out.print(HELP);
      return PASS;
    } catch (UsageException e) {
      err.println("check-token: " + e.getMessage());
      err.println(USAGE);
      err.println("(check-token --help explains the report)");
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

  private static Arguments parse(List<String> args, InputStream in) throws UsageException, HelpRequested {
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
        case "--help", "-h" -> throw new HelpRequested();
        default -> {
          if (arg.startsWith("--")) {
            throw new UsageException("unknown option " + arg);
          }
          if (token != null) {
            throw new UsageException("only one token at a time");
          }
          token = arg.strip();
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
      CheckReport report = new CheckReport(out);
      report.line("route", "", route.name() + " (" + route.mode().configName() + ")");
      String skipped = !checkSignature
          ? offline ? "--offline: no network" : "route signature = claims-only: the upstream checks it"
          : null;
      explainChecks(config, route, skipped, token, verifier, keys, report);
      report.finish();
      Authenticator authenticator =
          new Authenticator(
              config.auth(), keys, new VerifiedTokens(1, keys, clock), crypto, clock, ValidationRecorder.NONE);
      Decision decision = await(authenticator.authenticate(List.of("Bearer " + token), "/", judged), config);
      String outcome = decision.reason() == Reason.OK
          ? "would pass"
          : decision.reason().wireName() + " (" + decision.reason().status() + "): " + decision.description();
      report.line("verdict", decision.verdict().label().toUpperCase(Locale.ROOT), outcome);
      return decision.reason() == Reason.OK ? PASS : FAIL;
    }
  }

  private static RouteConfig claimsOnly(RouteConfig route) {
    return new RouteConfig(route.name(), route.pathPrefix(), route.upstream(), route.audiences(), route.mode(),
        route.requireMfa(), route.allowAppOnly(), SignatureMode.CLAIMS_ONLY);
  }

  /**
   * The checks in SPEC §8's order, as {@link Authenticator} runs them, up to the first failure. {@code skipped} says
   * why the key and signature are not checked, or is null when they are.
   */
  private static void explainChecks(GatewayConfig config, RouteConfig route, String skipped, String token,
      TokenVerifier verifier, SigningKeys keys, CheckReport report) throws InterruptedException {
    BearerToken.Extraction extraction = BearerToken.extract(List.of("Bearer " + token), "/", null);
    if (extraction.refusal() != null) {
      report.fail("token", extraction.refusal(), "");
      return;
    }
    TokenVerifier.ParsedToken parsed;
    try {
      parsed = verifier.parse(token);
    } catch (TokenVerifier.Refused refused) {
      if (refused.decision().reason() != Reason.ALGORITHM_NOT_ALLOWED) {
        report.fail("token", refused.decision(), "");
        return;
      }
      report.pass("token", COMPACT_JWS);
      report.fail("algorithm", refused.decision(), algorithmOf(token).map(alg -> "token alg: " + alg).orElse(""));
      return;
    }
    report.pass("token", COMPACT_JWS);
    report.pass("algorithm", parsed.header().getAlgorithm().getName());
    SigningKeys.SigningKey key = null;
    if (skipped != null) {
      report.skip("key", skipped);
      report.skip("signature", skipped);
    } else {
      key = signingKey(parsed, config, keys, report);
      if (key == null) {
        return;
      }
      Optional<Decision> bad = verifier.checkSignature(parsed, key);
      if (bad.isPresent() && bad.get().reason() == Reason.UNKNOWN_KEY) {
        report.fail("key", bad.get(), "kid " + key.kid() + ", alg " + parsed.header().getAlgorithm().getName());
        return;
      }
      report.pass("key", "kid " + key.kid() + " from " + config.auth().jwksUri());
      if (!report.check("signature", bad, "verified with key " + key.kid(), "")) {
        return;
      }
    }
    explainClaims(config, route, parsed, key, verifier, report);
  }

  /** The key for the token's `kid`, or null once the `key` line failed. */
  private static SigningKeys.SigningKey signingKey(TokenVerifier.ParsedToken parsed, GatewayConfig config,
      SigningKeys keys, CheckReport report) throws InterruptedException {
    String kid = parsed.header().getKeyID();
    if (kid == null) {
      report.fail("key", Decision.deny(Reason.UNKNOWN_KEY, "token header has no kid: the gateway selects signing keys"
          + " by kid"), "");
      return null;
    }
    SigningKeys.Lookup lookup = await(keys.find(kid), config);
    if (lookup.key() == null) {
      String why = lookup.missing() == Reason.KEYS_UNAVAILABLE
          ? "signing keys could not be loaded from " + config.auth().jwksUri()
          : "no key " + kid + " in " + config.auth().jwksUri() + ", even after fetching it again";
      report.fail("key", Decision.deny(lookup.missing(), why), "");
    }
    return lookup.key();
  }

  private static void explainClaims(GatewayConfig config, RouteConfig route, TokenVerifier.ParsedToken parsed,
      SigningKeys.SigningKey key, TokenVerifier verifier, CheckReport report) {
    Map<String, Object> claims;
    try {
      claims = verifier.claims(parsed);
    } catch (TokenVerifier.Refused refused) {
      report.fail("claims", refused.decision(), "");
      return;
    }
    if (!report.check("claims", verifier.checkRequiredClaims(claims), "exp and tid present", "")) {
      return;
    }
    String times = times(claims);
    if (!report.check("lifetime", verifier.checkLifetime(claims), times, times)) {
      return;
    }
    String iss = claims.get("iss") instanceof String value ? "iss " + value : "";
    if (!report.check("issuer", verifier.checkIssuer(claims, key), iss, iss)) {
      return;
    }
    VerifiedToken facts = TokenVerifier.toVerifiedToken(claims, key);
    String aud = facts.audiences().isEmpty() ? "no aud string" : "aud " + String.join(", ", facts.audiences());
    if (!report.check("audience", verifier.checkAudience(facts, route), aud, aud)) {
      return;
    }
    AccessPolicy policy = new AccessPolicy(config.auth());
    String tid = "tid " + facts.identity().tenantId();
    if (!report.check("tenant", policy.checkTenant(facts), tid, tid)) {
      return;
    }
    String kind = tokenKind(claims, facts);
    if (!report.check("token kind", policy.checkTokenKind(facts, route), kind, kind)) {
      return;
    }
    String amr = amr(facts.amr());
    report.check("MFA", policy.checkMfa(facts, route), facts.appOnly()
        ? "not applicable to app-only tokens"
        : route.requireMfa() ? "amr proves MFA (" + amr + ")" : "not required on this route",
        facts.amr().form() == VerifiedToken.Amr.Form.ARRAY ? amr : "");
  }

  /** `alg` of a token whose header the verifier refused, when it can be read at all. */
  private static Optional<String> algorithmOf(String token) {
    try {
      return Optional.ofNullable(Header.parse(new Base64URL(token.substring(0, token.indexOf('.')))).getAlgorithm())
          .map(Algorithm::getName);
    } catch (ParseException | RuntimeException unreadable) {
      return Optional.empty();
    }
  }

  /** `exp`, and `nbf` and `iat` when present, as instants. */
  private static String times(Map<String, Object> claims) {
    List<String> times = new ArrayList<>();
    for (String name : List.of("exp", "nbf", "iat")) {
      if (claims.get(name) instanceof Number seconds) {
        times.add(name + " " + Instant.ofEpochMilli((long) (seconds.doubleValue() * 1000)));
      }
    }
    return String.join(", ", times);
  }

  /** App-only or app+user, why, and for which app and user; a missing claim is named as missing. */
  private static String tokenKind(Map<String, Object> claims, VerifiedToken facts) {
    List<String> about = new ArrayList<>();
    if (facts.appOnly()) {
      about.add("app".equals(claims.get("idtyp")) ? "idtyp app"
          : claims.get("scp") instanceof String ? "blank scp claim" : "no scp claim");
    }
    about.add(claims.get("appid") instanceof String appid ? "appid " + appid
        : claims.get("azp") instanceof String azp ? "azp " + azp
        : "no appid or azp claim");
    if (!facts.appOnly()) {
      String oid = facts.identity().objectId();
      about.add(oid != null ? "oid " + oid : "no oid claim");
    }
    return (facts.appOnly() ? "app-only" : "app+user") + " token (" + String.join(", ", about) + ")";
  }

  private static String amr(VerifiedToken.Amr amr) {
    return switch (amr.form()) {
      case ABSENT -> "no amr claim";
      case NOT_AN_ARRAY -> "amr is not an array";
      case ARRAY -> amr.methods().isEmpty() ? "amr holds no methods" : "amr " + String.join(", ", amr.methods());
    };
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
