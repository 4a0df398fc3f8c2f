package dev.mfagateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import dev.mfagateway.testing.TestIssuer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A verifier whose per-thread {@code Signature} is reused gives each verification the answer of a fresh one: after a
 * bad signature, a truncated one, an undecodable one, and on several threads at once, with each provider.
 */
class ReusedRsaVerifierTest {
  private static final RSAKey KEY = TestIssuer.newKey();

  private static JWSObject signed(JWSAlgorithm algorithm, String payload) throws Exception {
    JWSObject jws = new JWSObject(new JWSHeader(algorithm), new Payload(payload));
    jws.sign(new RSASSASigner(KEY));
    return jws;
  }

  private static boolean verify(ReusedRsaVerifier verifier, JWSObject jws, Base64URL signature) throws Exception {
    return verifier.verify(jws.getHeader(), jws.getSigningInput(), signature);
  }

  @ParameterizedTest
  @ValueSource(strings = {"accp", "conscrypt", "jdk"})
  void everyAnswerIsTheAnswerOfAFreshVerifier(String provider) throws Exception {
    ReusedRsaVerifier verifier =
        new ReusedRsaVerifier(KEY.toRSAPublicKey(), CryptoProviders.select(provider).provider());
    JWSObject good = signed(JWSAlgorithm.RS256, "{\"n\":1}");
    JWSObject other = signed(JWSAlgorithm.RS256, "{\"n\":2}");
    JWSObject pss = signed(JWSAlgorithm.PS256, "{\"n\":3}");
    String signature = good.getSignature().toString();
    Base64URL truncated = new Base64URL(signature.substring(0, signature.length() - 8));

    for (int round = 0; round < 3; round++) {
      assertThat(verify(verifier, good, good.getSignature())).isTrue();
      assertThat(verify(verifier, good, other.getSignature())).isFalse();
      assertThat(verify(verifier, good, truncated)).isFalse();
      assertThat(verify(verifier, good, good.getSignature())).isTrue();
      assertThat(verify(verifier, pss, pss.getSignature())).isTrue();
      assertThat(verify(verifier, pss, good.getSignature())).isFalse();
      assertThat(verify(verifier, other, other.getSignature())).isTrue();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"accp", "jdk"})
  void anUndecodableSignatureLeavesTheVerifierUsable(String provider) throws Exception {
    ReusedRsaVerifier verifier =
        new ReusedRsaVerifier(KEY.toRSAPublicKey(), CryptoProviders.select(provider).provider());
    JWSObject good = signed(JWSAlgorithm.RS256, "{\"n\":1}");
    Base64URL lone = new Base64URL("A") {
      @Override
      public byte[] decode() {
        throw new IllegalArgumentException("not base64url");
      }
    };
    assertThatThrownBy(() -> verify(verifier, good, lone)).isInstanceOf(IllegalArgumentException.class);
    assertThat(verify(verifier, good, good.getSignature())).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"accp", "jdk"})
  void threadsDoNotShareASignature(String provider) throws Exception {
    ReusedRsaVerifier verifier =
        new ReusedRsaVerifier(KEY.toRSAPublicKey(), CryptoProviders.select(provider).provider());
    List<JWSObject> tokens = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      tokens.add(signed(JWSAlgorithm.RS256, "{\"n\":" + i + "}"));
    }
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      List<CompletableFuture<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        JWSObject mine = tokens.get(t);
        JWSObject someoneElses = tokens.get((t + 1) % 4);
        results.add(CompletableFuture.supplyAsync(() -> {
          try {
            for (int i = 0; i < 200; i++) {
              if (!verify(verifier, mine, mine.getSignature()) || verify(verifier, mine, someoneElses.getSignature())) {
                return false;
              }
            }
            return true;
          } catch (Exception e) {
            return false;
          }
        }, threads));
      }
      for (CompletableFuture<Boolean> result : results) {
        assertThat(result.get(60, TimeUnit.SECONDS)).isTrue();
      }
    } finally {
      threads.shutdownNow();
    }
  }
}
