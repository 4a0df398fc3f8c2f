import dev.mfagateway.demo.DemoIssuer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Token issuer for side-by-side.sh, run as a single source file on the gateway jar's class path:
 *
 * <pre>java -cp gateway/target/mfa-gateway.jar loadtest/BenchIssuer.java OUT_DIR TENANT_ID MAX_SECONDS</pre>
 *
 * Starts the product's {@link DemoIssuer} (JWKS served on a free loopback port), writes {@code OUT_DIR/jwks-uri} and
 * {@code OUT_DIR/token} (one MFA user token of TENANT_ID, valid for an hour), then serves until standard input
 * closes, the process is killed, or MAX_SECONDS pass, so it never outlives a run that was killed hard.
 */
public final class BenchIssuer {
  private static final String APP_ID = "5ca1ab1e-0000-4000-8000-00000000be4c";

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: BenchIssuer OUT_DIR TENANT_ID MAX_SECONDS");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    String tenant = args[1];
    long maxSeconds = Long.parseLong(args[2]);
    try (DemoIssuer issuer = DemoIssuer.start()) {
      writeAtomically(out.resolve("token"), issuer.userToken(tenant, APP_ID, List.of("pwd", "mfa")));
      writeAtomically(out.resolve("jwks-uri"), issuer.jwksUri().toString());
      try {
        CompletableFuture.runAsync(BenchIssuer::drainStandardInput).get(maxSeconds, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        System.err.println("BenchIssuer: stopping after " + maxSeconds + "s");
      }
    }
    System.exit(0);
  }

  private static void drainStandardInput() {
    try {
      System.in.transferTo(java.io.OutputStream.nullOutputStream());
    } catch (java.io.IOException e) {
      // standard input is gone: stop as if it had closed
    }
  }

  private static void writeAtomically(Path file, String content) throws java.io.IOException {
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    Files.writeString(partial, content);
    Files.move(partial, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
