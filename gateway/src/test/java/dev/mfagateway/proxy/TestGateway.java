package dev.mfagateway.proxy;

import dev.mfagateway.Gateway;
import dev.mfagateway.testing.TestIssuer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Instant;

/** The real {@link Gateway} (verdict, proxy, admin) in front of one {@link RecordingUpstream}, with raw-socket clients. */
final class TestGateway implements AutoCloseable {
  final RecordingUpstream upstream;
  private final Gateway gateway;

  private TestGateway(RecordingUpstream upstream, Gateway gateway) {
    this.upstream = upstream;
    this.gateway = gateway;
  }

  /** One issuer (real JWKS over HTTP) for every gateway of the test run. */
  static final TestIssuer ISSUER = TestIssuer.start();

  private static final String VALID_AUTHORIZATION = "Bearer " + ISSUER.mint(TestIssuer.userClaims(Instant.now()));

  /** The one place tests take a token from: an MFA user token of an allowed tenant, signed by {@link #ISSUER}. */
  static String validAuthorization() {
    return VALID_AUTHORIZATION;
  }

  /** A gateway routing `/` to a new plain-HTTP recording upstream. */
  static TestGateway start() throws Exception {
    return start(new TestConfig());
  }

  /** A gateway with {@code config}, plus a route `/` to a new plain-HTTP recording upstream. */
  static TestGateway start(TestConfig config) throws Exception {
    RecordingUpstream upstream = new RecordingUpstream();
    config.route("/", upstream.uri());
    return start(config, upstream);
  }

  /** A gateway with {@code config} as given (routes included) in front of {@code upstream}, its keys loaded. */
  static TestGateway start(TestConfig config, RecordingUpstream upstream)
      throws IOException, GeneralSecurityException, InterruptedException {
    Gateway gateway = Gateway.start(config.build(ISSUER.jwksUri()));
    gateway.firstKeyFetch().toCompletableFuture().join();
    return new TestGateway(upstream, gateway);
  }

  InetSocketAddress address() {
    return gateway.address();
  }

  InetSocketAddress adminAddress() {
    return gateway.adminAddress();
  }

  boolean isServing() {
    return gateway.isReady();
  }

  int openConnections() {
    return gateway.openConnections();
  }

  /** The graceful shutdown of SIGTERM: blocks until drained or the grace is over. */
  void shutdown() throws InterruptedException {
    gateway.close();
  }

  RawClient client() throws IOException {
    return new RawClient(address());
  }

  /** A well-formed request with a valid token and the given extra header lines (each ending in CRLF). */
  static String get(String target, String extraHeaders) {
    return get(target, validAuthorization(), extraHeaders);
  }

  /** The same with the given `Authorization` value. */
  static String get(String target, String authorization, String extraHeaders) {
    return "GET " + target + " HTTP/1.1\r\nHost: gw.test\r\nAuthorization: " + authorization + "\r\n" + extraHeaders
        + "\r\n";
  }

  static String get(String target) {
    return get(target, "");
  }

  @Override
  public void close() throws Exception {
    gateway.close();
    upstream.close();
  }
}
