package dev.mfagateway.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.impl.CriticalHeaderParamsDeferral;
import com.nimbusds.jose.crypto.impl.RSASSA;
import com.nimbusds.jose.crypto.impl.RSASSAProvider;
import com.nimbusds.jose.util.Base64URL;
import java.security.InvalidKeyException;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Nimbus's {@code RSASSAVerifier} for one key, except that each thread keeps the JCA {@link Signature} it initialised
 * for each algorithm: a native provider's {@code initVerify} costs about a microsecond. As Nimbus: the {@code Signature}
 * comes from Nimbus's {@link RSASSA} for the header's algorithm, a `crit` header fails verification, and a
 * {@link SignatureException} is a bad signature. A {@code Signature} that did not complete a verification is dropped, so
 * an instance is only reused in the state a completed {@link Signature#verify(byte[])} leaves it: reset to the key.
 */
final class ReusedRsaVerifier extends RSASSAProvider implements JWSVerifier {
  private final CriticalHeaderParamsDeferral critPolicy = new CriticalHeaderParamsDeferral();
  private final PublicKey key;
  private final Map<JWSAlgorithm, ThreadLocal<Signature>> signatures = new ConcurrentHashMap<>();

  ReusedRsaVerifier(PublicKey key, Optional<Provider> provider) {
    this.key = key;
    provider.ifPresent(getJCAContext()::setProvider);
  }

  @Override
  public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature) throws JOSEException {
    if (!critPolicy.headerPasses(header)) {
      return false;
    }
    byte[] signatureBytes = signature.decode();
    ThreadLocal<Signature> perThread = signatures.computeIfAbsent(header.getAlgorithm(), algorithm -> new ThreadLocal<>());
    Signature verifier = perThread.get();
    if (verifier == null) {
      verifier = initialised(header.getAlgorithm());
      perThread.set(verifier);
    }
    boolean completed = false;
    try {
      verifier.update(signingInput);
      boolean valid = verifier.verify(signatureBytes);
      completed = true;
      return valid;
    } catch (SignatureException invalid) {
      return false;
    } finally {
      if (!completed) {
        perThread.remove();
      }
    }
  }

  private Signature initialised(JWSAlgorithm algorithm) throws JOSEException {
    Signature verifier = RSASSA.getSignerAndVerifier(algorithm, getJCAContext().getProvider());
    try {
      verifier.initVerify(key);
    } catch (InvalidKeyException e) {
      throw new JOSEException("Invalid public RSA key: " + e.getMessage(), e);
    }
    return verifier;
  }
}
