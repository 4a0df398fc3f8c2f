package dev.mfagateway.compare.scg;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * The MFA Gateway's claim rules after the signature and lifetime (SPEC §8, in its order): {@code exp} and
 * {@code tid} present, issuer (template with the token's tenant), audience, tenant allowlist, app-only tokens (CPV
 * apps always refused), and {@code amr} containing {@code mfa} for user tokens.
 */
final class PartnerCenterTokenValidator implements OAuth2TokenValidator<Jwt> {
  private final List<String> issuerTemplates;
  private final String audience;
  private final Set<String> allowedTenants;
  private final Set<String> cpvAppIds;
  private final boolean allowAppOnly;

  PartnerCenterTokenValidator(CompareProperties properties) {
    this.issuerTemplates = List.copyOf(properties.issuers());
    this.audience = properties.audience();
    this.allowedTenants = lowerCase(properties.allowedTenants());
    this.cpvAppIds = lowerCase(properties.cpvAppIds());
    this.allowAppOnly = properties.allowAppOnly();
  }

  @Override
  public OAuth2TokenValidatorResult validate(Jwt jwt) {
    String tenant = jwt.getClaimAsString("tid");
    if (jwt.getExpiresAt() == null || isBlank(tenant)) {
      return refuse("invalid_claim");
    }
    String issuer = jwt.getClaimAsString("iss");
    if (issuerTemplates.stream().noneMatch(template -> template.replace("{tenantid}", tenant).equals(issuer))) {
      return refuse("wrong_issuer");
    }
    if (jwt.getAudience() == null || !jwt.getAudience().contains(audience)) {
      return refuse("wrong_audience");
    }
    if (!allowedTenants.contains(tenant.toLowerCase(Locale.ROOT))) {
      return refuse("tenant_not_allowed");
    }
    boolean appOnly = "app".equals(jwt.getClaimAsString("idtyp")) || isBlank(jwt.getClaimAsString("scp"));
    if (appOnly) {
      return allowAppOnly && !isCpv(jwt) ? OAuth2TokenValidatorResult.success() : refuse("app_only_not_allowed");
    }
    List<String> amr = jwt.getClaimAsStringList("amr");
    return amr != null && amr.contains("mfa") ? OAuth2TokenValidatorResult.success() : refuse("mfa_required");
  }

  private boolean isCpv(Jwt jwt) {
    return isListed(cpvAppIds, jwt.getClaimAsString("appid")) || isListed(cpvAppIds, jwt.getClaimAsString("azp"));
  }

  private static boolean isListed(Set<String> lowerCaseIds, String id) {
    return id != null && lowerCaseIds.contains(id.toLowerCase(Locale.ROOT));
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }

  private static Set<String> lowerCase(Set<String> ids) {
    return ids.stream().map(id -> id.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
  }

  private static OAuth2TokenValidatorResult refuse(String reason) {
    return OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token", reason, null));
  }
}
