package dev.mfagateway.testing;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.util.Set;

/** Nimbus's own processor doing only the signature steps (RS256, `typ` JWT, keys from {@code keys}, no claim checks). */
public final class NimbusReference {
  private NimbusReference() {}

  public static DefaultJWTProcessor<SecurityContext> signatureChecksOnly(JWKSet keys) {
    DefaultJWTProcessor<SecurityContext> nimbus = new DefaultJWTProcessor<>();
    nimbus.setJWSKeySelector(new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256), new ImmutableJWKSet<>(keys)));
    nimbus.setJWSTypeVerifier(DefaultJOSEObjectTypeVerifier.JWT);
    nimbus.setJWTClaimsSetVerifier((claims, context) -> {});
    return nimbus;
  }
}
