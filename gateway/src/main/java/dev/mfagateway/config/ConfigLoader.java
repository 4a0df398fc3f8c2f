package dev.mfagateway.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The only reader of HOCON. Layers, lowest first: the jar's reference.conf, the optional file, environment
 * overrides (`CONFIG_FORCE_…`, always on), system properties (`-Dgateway.mode=…`). Validates everything and reports
 * every problem at once.
 */
public final class ConfigLoader {
  private static final Map<String, Mode> MODES = byName(Mode.values(), Mode::configName);
  private static final Map<String, SignatureMode> SIGNATURES = byName(SignatureMode.values(), SignatureMode::configName);
  private static final Map<String, ComplianceConfig.Users> USERS =
      byName(ComplianceConfig.Users.values(), ComplianceConfig.Users::configName);
  private static final Map<String, ComplianceConfig.ExportSeries> EXPORT_SERIES =
      byName(ComplianceConfig.ExportSeries.values(), ComplianceConfig.ExportSeries::configName);
  private static final Map<String, LoggingConfig.AccessLog> ACCESS_LOGS =
      byName(LoggingConfig.AccessLog.values(), LoggingConfig.AccessLog::configName);
  private static final List<String> ALGORITHMS =
      List.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384");
  private static final Pattern ROUTE_NAME = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  /** Stands in for `{tenantid}` when an issuer template is checked as a URI. */
  private static final String SAMPLE_TENANT = "00000000-0000-0000-0000-000000000000";

  private static final Duration ZERO = Duration.ZERO;
  private static final Duration MILLI = Duration.ofMillis(1);
  private static final long KIB = 1024;
  private static final long MIB = 1024 * KIB;

  private ConfigLoader() {}

  /** Loads the configuration for `serve` (and the other commands). */
  public static GatewayConfig load(Optional<Path> file) throws InvalidConfigException {
    return build(file.isPresent() ? parseFile(file.get()) : ConfigFactory.empty());
  }

  /** Same layering with the text in place of a file: for tests and the demo. */
  public static GatewayConfig fromString(String hocon) throws InvalidConfigException {
    ConfigParseOptions options = ConfigParseOptions.defaults().setOriginDescription("configuration text");
    return build(parse(() -> ConfigFactory.parseString(hocon, options)));
  }

  private static Config parseFile(Path file) throws InvalidConfigException {
    Path absolute = file.toAbsolutePath();
    if (!Files.isRegularFile(absolute)) {
      throw new InvalidConfigException(List.of("config file " + absolute + ": not found"));
    }
    if (!Files.isReadable(absolute)) {
      throw new InvalidConfigException(List.of("config file " + absolute + ": not readable"));
    }
    ConfigParseOptions options = ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false);
    return parse(() -> ConfigFactory.parseFile(absolute.toFile(), options));
  }

  private static Config parse(Supplier<Config> parser) throws InvalidConfigException {
    try {
      return parser.get();
    } catch (ConfigException.Parse e) {
      throw new InvalidConfigException(List.of("syntax error: " + e.getMessage()));
    } catch (ConfigException e) {
      throw new InvalidConfigException(List.of(e.getMessage()));
    }
  }

  private static GatewayConfig build(Config userLayer) throws InvalidConfigException {
    Config reference =
        parse(() -> ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), "reference.conf").resolve());
    Config resolved =
        parse(() -> systemProperties()
            .withFallback(ConfigFactory.systemEnvironmentOverrides())
            .withFallback(userLayer)
            .withFallback(reference)
            .resolve());

    ConfigProblems problems = new ConfigProblems();
    new ConfigSchema(reference.getObject("gateway")).check(resolved.root().get("gateway"), problems);
    ConfigReader reader = new ConfigReader(resolved, "", problems);
    Listener listen = listener(reader);
    Endpoint admin = admin(reader);
    Mode mode = reader.choice("gateway.mode", MODES);
    UpstreamConfig upstream = upstream(reader);
    AuthConfig auth = auth(reader, upstream);
    List<RouteConfig> routes = routes(reader, mode, auth);
    Limits limits = limits(reader);
    ServerConfig server = server(reader);
    ComplianceConfig compliance = compliance(reader);
    LoggingConfig.AccessLog accessLog = reader.choice("gateway.logging.access-log", ACCESS_LOGS);
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems.lines());
    }
    return new GatewayConfig(listen, admin, mode, routes, auth, upstream, limits, server,
        compliance, new LoggingConfig(accessLog));
  }

  /** System properties read afresh on every load (Typesafe Config caches its own copy). */
  private static Config systemProperties() {
    Properties copy = new Properties();
    copy.putAll(System.getProperties());
    return ConfigFactory.parseProperties(copy, ConfigParseOptions.defaults().setOriginDescription("system properties"));
  }

  private static Listener listener(ConfigReader r) {
    int mark = r.mark();
    String host = r.string("gateway.listen.host");
    Integer port = r.integer("gateway.listen.port", 0, 65_535);
    Optional<TlsFiles> tls = r.optional("gateway.listen.tls", path -> {
      Path cert = r.readableFile(path + ".cert-file");
      Path key = r.readableFile(path + ".key-file");
      return cert == null || key == null ? null : new TlsFiles(cert, key);
    });
    return r.failedSince(mark) ? null : new Listener(host, port, tls);
  }

  private static Endpoint admin(ConfigReader r) {
    int mark = r.mark();
    String host = r.string("gateway.admin.host");
    Integer port = r.integer("gateway.admin.port", 0, 65_535);
    Optional<Secret> token = r.optional("gateway.admin.token-file", r::secretFile);
    return r.failedSince(mark) ? null : new Endpoint(host, port, token);
  }

  /** `gateway.auth`; without its own `jwks-ca-file`, the JWKS fetch trusts the upstream's `ca-file` too. */
  private static AuthConfig auth(ConfigReader r, UpstreamConfig upstream) {
    int mark = r.mark();
    String a = "gateway.auth.";
    URI jwksUri = r.uri(a + "jwks-uri", false);
    List<String> issuers = nonEmpty(r, a + "issuers", r.strings(a + "issuers"));
    if (issuers != null) {
      for (int i = 0; i < issuers.size(); i++) {
        String issuer = issuers.get(i);
        r.checkUri(a + "issuers[" + i + "]", issuer.replace("{tenantid}", SAMPLE_TENANT), issuer, false);
      }
    }
    Set<String> allowedTenants = lowerCased(r.strings(a + "allowed-tenants"));
    List<String> algorithms = nonEmpty(r, a + "algorithms", r.strings(a + "algorithms"));
    if (algorithms != null) {
      for (int i = 0; i < algorithms.size(); i++) {
        if (!ALGORITHMS.contains(algorithms.get(i))) {
          r.problem(a + "algorithms[" + i + "]", "\"" + algorithms.get(i) + "\" is not allowed; use one of "
              + String.join(", ", ALGORITHMS));
        }
      }
    }
    Duration clockSkew = r.duration(a + "clock-skew", ZERO, Duration.ofMinutes(5));
    Boolean requireMfa = r.bool(a + "require-mfa");
    List<String> mfaValues = nonEmpty(r, a + "mfa-values", r.strings(a + "mfa-values"));
    if (mfaValues != null) {
      for (int i = 0; i < mfaValues.size(); i++) {
        if (mfaValues.get(i).equalsIgnoreCase("wiaormfa")) {
          r.problem(a + "mfa-values[" + i + "]",
              "\"wiaormfa\" is refused: it may mean Windows integrated auth instead of MFA");
        }
      }
    }
    Set<String> cpvAppIds = lowerCased(r.strings(a + "cpv-app-ids"));
    Boolean allowAppOnly = r.bool(a + "allow-app-only");
    Duration refresh = r.duration(a + "jwks-refresh-interval", MILLI, Duration.ofDays(7));
    Duration minRefresh = r.duration(a + "jwks-min-refresh-interval", MILLI, Duration.ofHours(1));
    Duration fetchTimeout = r.duration(a + "jwks-fetch-timeout", MILLI, Duration.ofMinutes(1));
    Long cacheEntries = r.longInteger(a + "token-cache.max-entries", 0, 10_000_000);
    Optional<Path> jwksCaFile = r.optional(a + "jwks-ca-file", r::caFile);
    if (r.failedSince(mark) || upstream == null) {
      return null;
    }
    return new AuthConfig(jwksUri, issuers, allowedTenants, algorithms, clockSkew, requireMfa, mfaValues, cpvAppIds,
        allowAppOnly, refresh, minRefresh, fetchTimeout, cacheEntries,
        jwksCaFile.isPresent() ? jwksCaFile : upstream.caFile());
  }

  private static List<RouteConfig> routes(ConfigReader r, Mode mode, AuthConfig auth) {
    int mark = r.mark();
    List<ConfigReader> elements = r.objects("gateway.routes");
    if (elements == null) {
      return null;
    }
    if (elements.isEmpty()) {
      r.problem("gateway.routes", "must hold at least one route");
      return null;
    }
    List<RouteConfig> routes = new ArrayList<>();
    Map<String, String> namesSeen = new HashMap<>(); // name -> where it was declared
    Map<String, String> prefixesSeen = new LinkedHashMap<>(); // path-prefix -> where it was declared
    for (ConfigReader route : elements) {
      if (route == null) {
        continue;
      }
      int routeMark = route.mark();
      String name = route.string("name");
      if (name != null) {
        checkName(route, name, namesSeen);
      }
      String prefix = route.string("path-prefix");
      if (prefix != null) {
        checkPathPrefix(route, prefix, prefixesSeen);
      }
      URI upstream = route.uri("upstream", true);
      List<String> audiences = nonEmpty(route, "audiences", route.strings("audiences"));
      Mode routeMode = route.optional("mode", path -> route.choice(path, MODES)).orElse(mode);
      SignatureMode signature =
          route.optional("signature", path -> route.choice(path, SIGNATURES)).orElse(SignatureMode.VERIFY);
      Optional<Boolean> requireMfa = route.optional("require-mfa", route::bool);
      Optional<Boolean> allowAppOnly = route.optional("allow-app-only", route::bool);
      if (!route.failedSince(routeMark) && routeMode != null && auth != null) {
        routes.add(new RouteConfig(name, prefix, origin(upstream), audiences, routeMode, requireMfa.orElse(auth.requireMfa()),
            allowAppOnly.orElse(auth.allowAppOnly()), signature));
      }
    }
    return r.failedSince(mark) ? null : routes;
  }

  private static void checkName(ConfigReader route, String name, Map<String, String> namesSeen) {
    if (!ROUTE_NAME.matcher(name).matches()) {
      route.problem("name", "must be 1-64 characters of A-Z a-z 0-9 . _ : - (it labels metrics), got \"" + name + "\"");
    } else if (namesSeen.containsKey(name)) {
      route.problem("name", "duplicate route name \"" + name + "\" (also " + namesSeen.get(name) + ")");
    } else {
      namesSeen.put(name, route.display("name"));
    }
  }

  /** First match wins, so a prefix that an earlier route's prefix covers would never be used. */
  private static void checkPathPrefix(ConfigReader route, String prefix, Map<String, String> prefixesSeen) {
    if (!prefix.startsWith("/")) {
      route.problem("path-prefix", "must start with \"/\", got \"" + prefix + "\"");
      return;
    }
    prefixesSeen.entrySet().stream().filter(earlier -> prefix.startsWith(earlier.getKey())).findFirst().ifPresent(
        earlier -> route.problem("path-prefix", "never matched: " + earlier.getValue() + " = \"" + earlier.getKey()
            + "\" comes first and covers \"" + prefix + "\""));
    prefixesSeen.putIfAbsent(prefix, route.display("path-prefix"));
  }

  /** `https://host:port` without the optional "/" path: the form the upstream pool keys its connections by. */
  private static URI origin(URI upstream) {
    return URI.create(upstream.getScheme() + "://" + upstream.getRawAuthority());
  }

  private static UpstreamConfig upstream(ConfigReader r) {
    int mark = r.mark();
    String u = "gateway.upstream.";
    Duration connect = r.duration(u + "connect-timeout", MILLI, Duration.ofMinutes(5));
    Duration response = r.duration(u + "response-timeout", MILLI, Duration.ofHours(1));
    Duration idle = r.duration(u + "idle-timeout", MILLI, Duration.ofHours(1));
    Optional<Path> caFile = r.optional(u + "ca-file", r::caFile);
    Integer poolMax = r.integer(u + "pool.max-connections", 1, 10_000);
    Duration poolIdle = r.duration(u + "pool.idle-timeout", MILLI, Duration.ofHours(1));
    return r.failedSince(mark) ? null : new UpstreamConfig(connect, response, idle, caFile, poolMax, poolIdle);
  }

  private static Limits limits(ConfigReader r) {
    int mark = r.mark();
    String l = "gateway.limits.";
    Long initialLine = r.bytes(l + "max-initial-line", 256, MIB);
    Long headerSize = r.bytes(l + "max-header-size", KIB, MIB);
    Duration headerTimeout = r.duration(l + "header-timeout", MILLI, Duration.ofMinutes(10));
    Duration idle = r.duration(l + "idle-timeout", MILLI, Duration.ofDays(1));
    Integer maxConnections = r.integer(l + "max-connections", 1, 1_000_000);
    return r.failedSince(mark)
        ? null
        : new Limits(initialLine.intValue(), headerSize.intValue(), headerTimeout, idle, maxConnections);
  }

  private static ServerConfig server(ConfigReader r) {
    int mark = r.mark();
    Integer threads = r.integer("gateway.server.event-loop-threads", 0, 1024);
    Duration grace = r.duration("gateway.server.shutdown-grace", ZERO, Duration.ofMinutes(10));
    return r.failedSince(mark) ? null : new ServerConfig(threads, grace);
  }

  private static ComplianceConfig compliance(ConfigReader r) {
    int mark = r.mark();
    String c = "gateway.compliance.";
    Integer topK = r.integer(c + "top-k", 1, 1_000);
    ComplianceConfig.Users users = r.choice(c + "users", USERS);
    Optional<Path> saltFile = r.optional(c + "user-salt-file", path -> nonEmptyFile(r, path));
    Optional<Path> stateFile = r.optional(c + "state-file", path -> writableFile(r, path));
    ComplianceConfig.ExportSeries series = r.choice(c + "export-series", EXPORT_SERIES);
    return r.failedSince(mark) ? null : new ComplianceConfig(topK, users, saltFile, stateFile, series);
  }

  private static Path nonEmptyFile(ConfigReader r, String path) {
    Path file = r.readableFile(path);
    try {
      if (file != null && Files.size(file) == 0) {
        r.problem(path, "file is empty: " + file);
        return null;
      }
    } catch (java.io.IOException e) {
      r.problem(path, "file not readable: " + file);
      return null;
    }
    return file;
  }

  /** A file the gateway writes: it need not exist yet, but its directory must, and be writable. */
  private static Path writableFile(ConfigReader r, String path) {
    String name = r.string(path);
    if (name == null) {
      return null;
    }
    Path file = Path.of(name).toAbsolutePath();
    Path directory = file.getParent();
    if (name.isBlank() || directory == null || !Files.isDirectory(directory)) {
      r.problem(path, "directory not found for " + file);
    } else if (!Files.isWritable(directory)) {
      r.problem(path, "directory not writable: " + directory);
    } else if (Files.isDirectory(file)) {
      r.problem(path, "is a directory, not a file: " + file);
    } else {
      return file;
    }
    return null;
  }

  private static List<String> nonEmpty(ConfigReader r, String path, List<String> values) {
    if (values != null && values.isEmpty()) {
      r.problem(path, "must not be empty");
      return null;
    }
    return values;
  }

  private static Set<String> lowerCased(List<String> values) {
    return values == null
        ? null
        : values.stream().map(value -> value.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
  }

  private static <T> Map<String, T> byName(T[] values, Function<T, String> name) {
    Map<String, T> map = new LinkedHashMap<>();
    Arrays.stream(values).forEach(value -> map.put(name.apply(value), value));
    return map;
  }
}
