package dev.mfagateway.fuzz;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.SignedJWT;
import dev.mfagateway.config.AuthConfig;
import dev.mfagateway.config.RouteConfig;
import java.text.ParseException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fuzz targets' oracle: SPEC §7's rules written out a second time, plainly and without the gateway's code, so an
 * allow can be checked against them. {@link #brokenRule} names the first rule a request breaks, or nothing when the
 * request has earned its allow: one `Authorization: Bearer` value holding a compact JWS, RS256-signed by a key of the
 * published JWKS found by its kid, live, from an allowed tenant and a configured issuer, for the route's audience, and
 * an MFA user token or an app-only token the route allows (never a CPV app's).
 */
final class EarnedAllow {
  private static final Pattern BEARER = Pattern.compile("[Bb][Ee][Aa][Rr][Ee][Rr] +(.*)", Pattern.DOTALL);
  /** A query parameter named access_token (RFC 6750 §2.3), before the fragment. */
  private static final Pattern QUERY_TOKEN = Pattern.compile("^[^#?]*\\?([^#]*&)?access_token([=&#]|$)");
  private static final Pattern COMPACT_JWS = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");

  private final JWKSet published;
  private final AuthConfig config;

  EarnedAllow(JWKSet published, AuthConfig config) {
    this.published = published;
    this.config = config;
  }

  /** The first rule the request breaks on {@code route} at {@code now}; empty when it earns an allow. */
  Optional<String> brokenRule(List<String> authorizationValues, String requestTarget, RouteConfig route, Instant now) {
    if (authorizationValues.size() != 1) {
      return Optional.of("exactly one Authorization value");
    }
    if (QUERY_TOKEN.matcher(requestTarget).find()) {
      return Optional.of("no access_token parameter in the query");
    }
    Matcher bearer = BEARER.matcher(authorizationValues.get(0));
    if (!bearer.matches()) {
      return Optional.of("Bearer scheme");
    }
    return brokenRule(bearer.group(1), route, now);
  }

  /** The first rule the token breaks on {@code route} at {@code now}; empty when it earns an allow. */
  Optional<String> brokenRule(String token, RouteConfig route, Instant now) {
    if (!COMPACT_JWS.matcher(token).matches()) {
      return Optional.of("compact JWS in base64url");
    }
    Map<String, Object> claims;
    try {
      SignedJWT jwt = SignedJWT.parse(token);
      if (!JWSAlgorithm.RS256.equals(jwt.getHeader().getAlgorithm()) || !jwt.getHeader().isBase64URLEncodePayload()) {
        return Optional.of("RS256 over the encoded payload");
      }
      JWK key = jwt.getHeader().getKeyID() == null ? null : published.getKeyByKeyId(jwt.getHeader().getKeyID());
      if (!(key instanceof RSAKey rsa) || !jwt.verify(new RSASSAVerifier(rsa.toRSAPublicKey()))) {
        return Optional.of("signed by the published key named by kid");
      }
      claims = JSONObjectUtils.parse(jwt.getPayload().toString());
    } catch (ParseException | JOSEException | IllegalStateException notVerifiable) {
      return Optional.of("a verifiable JWS with a JSON object payload");
    }
    return brokenClaimRule(claims, route, now);
  }

  private Optional<String> brokenClaimRule(Map<String, Object> claims, RouteConfig route, Instant now) {
    long skew = config.clockSkew().toMillis();
    if (!(claims.get("exp") instanceof Number exp) || !(now.toEpochMilli() < exp.doubleValue() * 1000 + skew)) {
      return Optional.of("exp a number in the future");
    }
    for (String notBefore : List.of("nbf", "iat")) {
      if (claims.containsKey(notBefore) && !(claims.get(notBefore) instanceof Number n
          && n.doubleValue() * 1000 <= now.toEpochMilli() + skew)) {
        return Optional.of(notBefore + " a number not in the future");
      }
    }
    if (!(claims.get("tid") instanceof String tid) || !config.allowedTenants().contains(tid.toLowerCase(Locale.ROOT))) {
      return Optional.of("tid an allowed tenant");
    }
    if (config.issuers().stream().noneMatch(issuer -> issuer.replace("{tenantid}", tid).equals(claims.get("iss")))) {
      return Optional.of("iss a configured issuer for tid");
    }
    Object aud = claims.get("aud");
    List<?> audiences = aud instanceof List<?> list ? list : List.of(String.valueOf(aud));
    if (!(aud instanceof String || aud instanceof List) || audiences.stream().noneMatch(a -> a instanceof String s && route.audiences().contains(s))) {
      return Optional.of("aud holds the route's audience");
    }
    boolean appOnly = "app".equals(claims.get("idtyp")) || !(claims.get("scp") instanceof String scp) || scp.isBlank();
    if (appOnly) {
      boolean cpv = List.of("appid", "azp").stream().anyMatch(name -> claims.get(name) instanceof String id
          && config.cpvAppIds().contains(id.toLowerCase(Locale.ROOT)));
      return cpv || !route.allowAppOnly() ? Optional.of("app-only only for non-CPV apps where allowed") : Optional.empty();
    }
    boolean mfa = claims.get("amr") instanceof List<?> methods && methods.stream()
        .anyMatch(m -> m instanceof String s && config.mfaValues().contains(s));
    return route.requireMfa() && !mfa ? Optional.of("amr an array holding an MFA value") : Optional.empty();
  }
}
