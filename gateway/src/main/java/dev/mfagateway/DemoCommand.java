package dev.mfagateway;

import dev.mfagateway.config.ConfigLoader;
import dev.mfagateway.config.GatewayConfig;
import dev.mfagateway.config.InvalidConfigException;
import dev.mfagateway.demo.DemoIssuer;
import dev.mfagateway.demo.StandInUpstream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * `demo` (SPEC §2): an embedded token issuer with its own JWKS, a stand-in upstream and the gateway in front, all on
 * loopback (proxy 127.0.0.1:8080, admin 127.0.0.1:9090; `-Dgateway.listen.port=…` and `-Dgateway.admin.port=…` move
 * them). Prints ready-to-paste curl lines with what each gets, then serves until Ctrl-C.
 */
final class DemoCommand {
  static final String TENANT = "c0ffee00-0000-4000-8000-00000000a11c";
  static final String FOREIGN_TENANT = "f0e1d2c3-b4a5-4968-8776-655443322110";
  static final String SCRIPT_APP = "5ca1ab1e-0000-4000-8000-000000000001";
  static final String CPV_APP = "c0de0000-0000-4000-8000-0000000000c7";

  private DemoCommand() {}

  static void run(List<String> arguments) throws InterruptedException {
    if (!arguments.isEmpty()) {
      System.err.println("usage: mfa-gateway demo   (takes no arguments; move ports with -Dgateway.listen.port=N)");
      System.exit(Main.USAGE);
    }
    // The JDK's HTTP server (the demo's issuer and stand-in upstream) writes a response's head and body apart; with
    // Nagle's algorithm on, the body waited for the gateway's delayed ACK: 44 ms per request on a kept-alive
    // connection. Read once, when the first such server starts.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    CountDownLatch stop = new CountDownLatch(1);
    SignalHandlers.onTermination(stop::countDown);
    try (DemoIssuer issuer = DemoIssuer.start();
        StandInUpstream upstream = StandInUpstream.start();
        Gateway gateway = Gateway.start(config(issuer, upstream))) {
      gateway.firstKeyFetch().toCompletableFuture().get(10, TimeUnit.SECONDS);
      if (!gateway.isReady()) {
        System.err.println("demo: the gateway could not load the embedded issuer's keys");
        System.exit(1);
      }
      showCases(issuer, gateway, System.out);
      stop.await();
      System.out.println("stopping the demo…");
    } catch (InvalidConfigException e) {
      e.problems().forEach(System.err::println);
      System.exit(Main.USAGE);
    } catch (Exception e) {
      System.err.println("demo could not start: " + e);
      System.exit(1);
    }
    System.exit(0);
  }

  static GatewayConfig config(DemoIssuer issuer, StandInUpstream upstream) throws InvalidConfigException {
    return ConfigLoader.fromString(
        """
        gateway {
          listen { host = "127.0.0.1", port = 8080 }
          admin { host = "127.0.0.1", port = 9090 }
          routes = [{ name = partner-center, path-prefix = "/", upstream = "%s", audiences = ["%s"] }]
          auth { jwks-uri = "%s", allowed-tenants = ["%s"], cpv-app-ids = ["%s"] }
          logging.access-log = all
          compliance.users = hashed
        }
        """
            .formatted(upstream.uri(), DemoIssuer.AUDIENCE, issuer.jwksUri(), TENANT, CPV_APP));
  }

  private record Case(String title, String token) {}

  private static void showCases(DemoIssuer issuer, Gateway gateway, PrintStream out)
      throws IOException, InterruptedException {
    String base = "http://127.0.0.1:" + gateway.address().getPort();
    String path = "/v1/customers";
    List<Case> cases =
        List.of(
            new Case("MFA user token (Secure Application Model)",
                issuer.userToken(TENANT, SCRIPT_APP, List.of("pwd", "mfa"))),
            new Case("user token without MFA", issuer.userToken(TENANT, SCRIPT_APP, List.of("pwd"))),
            new Case("CPV app-only token", issuer.appOnlyToken(TENANT, CPV_APP)),
            new Case("MFA token from a foreign tenant",
                issuer.userToken(FOREIGN_TENANT, SCRIPT_APP, List.of("pwd", "mfa"))));
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    out.println();
    out.println("MFA Gateway demo: gateway " + base + " -> stand-in Partner Center; admin http://127.0.0.1:"
        + gateway.adminAddress().getPort() + " (/healthz /readyz /metrics)");
    out.println("Tokens are valid for 1 hour. Paste any of these:");
    for (Case c : cases) {
      HttpResponse<String> response =
          client.send(
              HttpRequest.newBuilder(URI.create(base + path))
                  .header("Authorization", "Bearer " + c.token())
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      out.println();
      out.println("# " + c.title() + " -> " + response.statusCode());
      out.println("curl -i " + base + path + " -H 'Authorization: Bearer " + c.token() + "'");
      out.println("#   " + response.body().strip());
    }
    HttpResponse<Void> noToken =
        client.send(
            HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.discarding());
    out.println();
    out.println("# no token at all -> " + noToken.statusCode() + " missing_token");
    out.println("curl -i " + base + path);
    String admin = "http://127.0.0.1:" + gateway.adminAddress().getPort();
    out.println();
    out.println("The compliance report already holds these calls (which apps still call without MFA, per tenant):");
    out.println("  open " + admin + "/compliance.html   or   curl -s " + admin + "/compliance");
    out.println();
    out.println("Ctrl-C stops the demo.");
  }
}
