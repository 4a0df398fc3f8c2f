package dev.mfagateway.bench;

import dev.mfagateway.Gateway;
import dev.mfagateway.config.ConfigLoader;
import dev.mfagateway.testing.TestIssuer;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;

/**
 * The real gateway for a load test (wrk) against an upstream of your choice: starts a local token issuer (JWKS on
 * loopback), the gateway on the given port in front of the given upstream, and prints a valid MFA token. The gateway's
 * CPU time per request (from /proc while wrk runs) against {@link RecordingBenchmark}'s figure gives the share of
 * the request cost that goes into metrics.
 *
 * <pre>
 * java -cp loadtest/target/benchmarks.jar dev.mfagateway.bench.GatewayUnderLoad 18080 http://127.0.0.1:18081
 * wrk -t2 -c32 -d20s -H "Authorization: Bearer $TOKEN" http://127.0.0.1:18080/v1/customers
 * </pre>
 */
public final class GatewayUnderLoad {
  private GatewayUnderLoad() {}

  public static void main(String[] args) throws Exception {
    TestIssuer issuer = TestIssuer.start();
    Gateway gateway = Gateway.start(ConfigLoader.fromString("""
        gateway {
          listen { host = "127.0.0.1", port = %s }
          admin { host = "127.0.0.1", port = 0 }
          routes = [{ name = partner-center, path-prefix = "/", upstream = "%s", audiences = ["%s"] }]
          auth { jwks-uri = "%s", allowed-tenants = ["%s"] }
        }
        """.formatted(args[0], args[1], TestIssuer.AUDIENCE, issuer.jwksUri(), TestIssuer.TENANT)));
    gateway.firstKeyFetch().toCompletableFuture().join();
    System.out.println("TOKEN=" + issuer.mint(TestIssuer.userClaims(Instant.now())));
    System.out.println("ADMIN=" + gateway.adminAddress().getPort());
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
