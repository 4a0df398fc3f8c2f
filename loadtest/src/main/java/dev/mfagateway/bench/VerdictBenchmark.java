package dev.mfagateway.bench;

import com.nimbusds.jose.util.Base64URL;
import dev.mfagateway.auth.Authenticator;
import dev.mfagateway.auth.CryptoProviders;
import dev.mfagateway.auth.Decision;
import dev.mfagateway.auth.LastVerifiedToken;
import dev.mfagateway.auth.SigningKeys;
import dev.mfagateway.auth.ValidationRecorder;
import dev.mfagateway.auth.Verdict;
import dev.mfagateway.auth.VerifiedTokens;
import dev.mfagateway.config.AuthConfig;
import dev.mfagateway.config.RouteConfig;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of a verdict, in one run: raw RS256 verifications per second of each JCA provider (the baseline), the full
 * uncached verdict (`token-cache.max-entries = 0`: every request verifies the signature), and the cached verdict, both
 * for a keep-alive connection re-presenting its token ({@link LastVerifiedToken}) and for a token first seen on this
 * connection (the shared cache, keyed by SHA-256).
 *
 * <pre>
 * ./mvnw -B -Pbench -pl loadtest -am package -DskipTests
 * java -jar loadtest/target/benchmarks.jar VerdictBenchmark -prof gc
 * </pre>
 *
 * Targets (issue 4): uncached ≥ 85% of the fastest provider's raw rate; cached ≥ 20× uncached and under 1 KiB
 * allocated per verdict (`gc.alloc.rate.norm`). Everything runs on loopback: the JWKS comes from a local HTTP server.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class VerdictBenchmark {
  @Param({"accp", "conscrypt", "jdk"})
  public String provider;

  /** `minimal`: the twelve claims the tests use; `entra`: an Entra-sized token ({@link TestIssuer#entraSizedUserClaims}). */
  @Param({"minimal", "entra"})
  public String claims = "minimal";

  private TestIssuer issuer;
  private SigningKeys keys;
  private Authenticator uncached;
  private Authenticator cached;
  private RouteConfig route;
  private List<String> authorization;
  private final LastVerifiedToken connection = new LastVerifiedToken();
  private Signature rawVerifier;
  private byte[] signingInput;
  private byte[] signature;

  @Setup(Level.Trial)
  public void start() throws Exception {
    issuer = TestIssuer.start();
    AuthConfig config = TestConfigs.auth(issuer.jwksUri());
    Clock clock = Clock.systemUTC();
    keys = new SigningKeys(config, clock);
    keys.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
    CryptoProviders.Choice crypto = CryptoProviders.select(provider);
    if (!crypto.name().equals(provider)) {
      throw new IllegalStateException(provider + " does not load here");
    }
    uncached = new Authenticator(
        config, keys, new VerifiedTokens(0, keys, clock), crypto, clock, ValidationRecorder.NONE);
    cached = new Authenticator(
        config, keys, new VerifiedTokens(10_000, keys, clock), crypto, clock, ValidationRecorder.NONE);
    route = TestConfigs.route();
    String token = issuer.mint(switch (claims) {
      case "minimal" -> TestIssuer.userClaims(clock.instant());
      case "entra" -> TestIssuer.entraSizedUserClaims(clock.instant());
      default -> throw new IllegalArgumentException("claims is minimal or entra, not " + claims);
    });
    authorization = List.of("Bearer " + token);
    if (verdict(cached) != Verdict.ALLOW || verdict(uncached) != Verdict.ALLOW) {
      throw new IllegalStateException("the benchmark token must pass");
    }

    String[] parts = token.split("\\.");
    signingInput = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
    signature = new Base64URL(parts[2]).decode();
    rawVerifier = crypto.provider().isPresent()
        ? Signature.getInstance("SHA256withRSA", crypto.provider().get())
        : Signature.getInstance("SHA256withRSA");
    RSAPublicKey publicKey = issuer.signingKey().toRSAPublicKey();
    rawVerifier.initVerify(publicKey);
  }

  @TearDown(Level.Trial)
  public void stop() {
    keys.close();
    issuer.close();
  }

  private Verdict verdict(Authenticator authenticator) {
    return authenticator.authenticate(authorization, "/v1/customers", route).toCompletableFuture().join().verdict();
  }

  /** One RS256 verification through the provider's JCA `Signature`, nothing else. */
  @Benchmark
  public boolean rawRs256Verify() throws GeneralSecurityException {
    rawVerifier.update(signingInput);
    return rawVerifier.verify(signature);
  }

  /** The whole verdict with a signature verification every time. */
  @Benchmark
  public Decision uncachedVerdict() {
    return uncached.authenticate(authorization, "/v1/customers", route).toCompletableFuture().join();
  }

  /** The whole verdict for a token already verified, re-presented on the same connection. */
  @Benchmark
  public Decision cachedVerdict() {
    return cached.authenticate(authorization, "/v1/customers", route, connection).toCompletableFuture().join();
  }

  /** The whole verdict for a token already verified, presented on a new connection. */
  @Benchmark
  public Decision cachedVerdictNewConnection() {
    return cached.authenticate(authorization, "/v1/customers", route).toCompletableFuture().join();
  }
}
