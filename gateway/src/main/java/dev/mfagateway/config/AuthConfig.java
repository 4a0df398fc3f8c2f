package dev.mfagateway.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * `gateway.auth`. {@code allowedTenants} and {@code cpvAppIds} are lower-cased (they compare case-insensitively);
 * {@code issuers} keep their `{tenantid}` template. {@code jwksCaFile} is the extra CA the JWKS fetch trusts on top
 * of the system store: `jwks-ca-file`, or else `upstream.ca-file`.
 */
public record AuthConfig(
    URI jwksUri,
    List<String> issuers,
    Set<String> allowedTenants,
    List<String> algorithms,
    Duration clockSkew,
    boolean requireMfa,
    List<String> mfaValues,
    Set<String> cpvAppIds,
    boolean allowAppOnly,
    Duration jwksRefreshInterval,
    Duration jwksMinRefreshInterval,
    Duration jwksFetchTimeout,
    long tokenCacheMaxEntries,
    Optional<Path> jwksCaFile) {

  public AuthConfig {
    issuers = List.copyOf(issuers);
    allowedTenants = Set.copyOf(allowedTenants);
    algorithms = List.copyOf(algorithms);
    mfaValues = List.copyOf(mfaValues);
    cpvAppIds = Set.copyOf(cpvAppIds);
  }
}
