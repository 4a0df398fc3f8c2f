import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.sun.net.httpserver.HttpServer;
import dev.mfagateway.demo.StandInUpstream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * The token issuer of soak.sh, compiled with javac against the gateway jar (Nimbus comes from it) together with
 * ScriptIo.java:
 *
 * <pre>java -cp mfa-gateway.jar:CLASSES SoakIssuer WORK_DIR MAX_SECONDS [--stand-in-upstream]</pre>
 *
 * Generates two RSA signing keys, {@code old} and {@code new}, and writes into WORK_DIR: {@code keys/old.jwk} and
 * {@code keys/new.jwk} (the private keys, which SoakLoad signs with; test keys of this run only),
 * {@code jwks-old.json}, {@code jwks-both.json}, {@code jwks-new.json} (the public JWKS of each stage of a rotation)
 * and {@code jwks.json} (a copy of {@code jwks-old.json}). It serves {@code jwks.json} over HTTP on a free loopback
 * port, read anew on every request, so soak.sh rotates the keys by renaming another file over it. With
 * {@code --stand-in-upstream} it also starts the gateway's {@link StandInUpstream} and writes its address to
 * {@code upstream-uri}. Last it writes {@code jwks-uri}, then serves until standard input closes, the process is
 * killed, or MAX_SECONDS pass.
 */
public final class SoakIssuer {
  public static void main(String[] args) throws Exception {
    if (args.length < 2 || args.length > 3 || (args.length == 3 && !args[2].equals("--stand-in-upstream"))) {
      System.err.println("usage: SoakIssuer WORK_DIR MAX_SECONDS [--stand-in-upstream]");
      System.exit(2);
    }
    Path work = Path.of(args[0]);
    long maxSeconds = Long.parseLong(args[1]);
    RSAKey old = generate("soak-old-");
    RSAKey fresh = generate("soak-new-");
    Path keys = Files.createDirectories(work.resolve("keys"));
    ScriptIo.writeAtomically(keys.resolve("old.jwk"), old.toJSONString());
    ScriptIo.writeAtomically(keys.resolve("new.jwk"), fresh.toJSONString());
    ScriptIo.writeAtomically(work.resolve("jwks-old.json"), new JWKSet(old.toPublicJWK()).toString());
    ScriptIo.writeAtomically(
        work.resolve("jwks-both.json"), new JWKSet(List.of(old.toPublicJWK(), fresh.toPublicJWK())).toString());
    ScriptIo.writeAtomically(work.resolve("jwks-new.json"), new JWKSet(fresh.toPublicJWK()).toString());
    Path published = work.resolve("jwks.json");
    ScriptIo.writeAtomically(published, Files.readString(work.resolve("jwks-old.json")));

    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/discovery/keys",
        exchange -> {
          byte[] jwks = Files.readAllBytes(published);
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, jwks.length);
          try (OutputStream body = exchange.getResponseBody()) {
            body.write(jwks);
          }
        });
    server.start();
    StandInUpstream upstream = args.length == 3 ? StandInUpstream.start() : null;
    try {
      if (upstream != null) {
        ScriptIo.writeAtomically(work.resolve("upstream-uri"), upstream.uri().toString());
      }
      ScriptIo.writeAtomically(
          work.resolve("jwks-uri"), "http://127.0.0.1:" + server.getAddress().getPort() + "/discovery/keys");
      ScriptIo.awaitStandardInputClosed("SoakIssuer", maxSeconds);
    } finally {
      server.stop(0);
      if (upstream != null) {
        upstream.close();
      }
    }
    System.exit(0);
  }

  private static RSAKey generate(String kidPrefix) throws JOSEException {
    return new RSAKeyGenerator(2048).keyID(kidPrefix + UUID.randomUUID()).generate();
  }
}
