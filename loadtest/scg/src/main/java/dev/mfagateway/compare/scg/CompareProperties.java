package dev.mfagateway.compare.scg;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The same rules as the MFA Gateway's configuration in compare.sh: where to forward, where the signing keys are,
 * and the claim rules. {@code issuers} are templates with {@code {tenantid}} replaced by the token's {@code tid}.
 */
@ConfigurationProperties("compare")
public record CompareProperties(
    URI upstream,
    URI jwksUri,
    String audience,
    List<String> issuers,
    Set<String> allowedTenants,
    Set<String> cpvAppIds,
    boolean allowAppOnly,
    Duration clockSkew) {}
