package dev.mfagateway.bench;

import dev.mfagateway.auth.Authenticator;
import dev.mfagateway.proxy.EmbeddedFrontEnd;
import dev.mfagateway.proxy.SteadyConnection;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
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
 * The gateway's own work for one request on a keep-alive connection with a reused token, without sockets: the bytes of
 * a request (as wrk sends it) go through the real client pipeline (decoder, head checks, verdict from the connection's
 * last token, forwarding), the forwarded request is read off a reused upstream connection with the real upstream codec,
 * that connection answers as the comparison's nginx does, and the response goes back through the same code to the
 * client. Request and response arrive in pooled direct buffers, as a socket read gives them. What it leaves out: the
 * kernel (about two thirds of the gateway's CPU per request under wrk, async-profiler), the event loop's epoll
 * handling and the upstream pool (a stand-in hands back the one upstream connection).
 *
 * <pre>
 * ./mvnw -B -Pbench -pl loadtest -am package -DskipTests
 * java -jar loadtest/target/benchmarks.jar DataPathBenchmark -prof gc
 * </pre>
 *
 * For a change on the data path: build the benchmark jar before and after, run both alternately, and compare the
 * rates and `gc.alloc.rate.norm` (bytes allocated per request, which does not depend on the machine's noise).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DataPathBenchmark {
  /** `compact`: the tests' token (about 1 KB); `entra`: an Entra-sized one (about 2.3 KB). */
  @Param({"compact", "entra"})
  public String token = "compact";

  private static final String BODY =
      "{\"status\":\"ok\",\"service\":\"partner-center-stand-in\",\"items\":[{\"id\":1},{\"id\":2}],\"count\":2}";
  private static final String UPSTREAM_RESPONSE = "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n"
      + "Date: Thu, 03 Dec 2026 17:00:00 GMT\r\nContent-Type: application/json\r\nContent-Length: " + BODY.length()
      + "\r\nConnection: keep-alive\r\n\r\n" + BODY;

  private TestIssuer issuer;
  private Authenticator authenticator;
  private SteadyConnection connection;
  private byte[] request;
  private byte[] response;

  @Setup(Level.Trial)
  public void start() {
    issuer = TestIssuer.start();
    authenticator = TestConfigs.startedAuthenticator(issuer.jwksUri());
    connection = new EmbeddedFrontEnd(issuer.jwksUri(), authenticator).steady(false);
    Instant now = Instant.now();
    String bearer = issuer.mint(switch (token) {
      case "compact" -> TestIssuer.userClaims(now);
      case "entra" -> TestIssuer.entraSizedUserClaims(now);
      default -> throw new IllegalArgumentException("token is compact or entra, not " + token);
    });
    request = ("GET " + EmbeddedFrontEnd.ENFORCED + "v1/customers HTTP/1.1\r\nHost: 127.0.0.1:28380\r\n"
        + "Authorization: Bearer " + bearer + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    response = UPSTREAM_RESPONSE.getBytes(StandardCharsets.ISO_8859_1);
  }

  @TearDown(Level.Trial)
  public void stop() {
    authenticator.signingKeys().close();
    issuer.close();
  }

  /** One request and its response; returns the bytes the client received. */
  @Benchmark
  public int reusedToken() {
    return connection.exchange(arrived(request), arrived(response));
  }

  private static ByteBuf arrived(byte[] bytes) {
    return ByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
  }
}
