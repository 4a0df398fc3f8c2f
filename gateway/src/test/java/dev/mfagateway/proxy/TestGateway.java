package dev.mfagateway.proxy;

import dev.mfagateway.auth.Authenticator;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;

/** A started gateway in front of one {@link RecordingUpstream}, with raw-socket clients. */
final class TestGateway implements AutoCloseable {
  final RecordingUpstream upstream;
  final GatewayServer server;

  private TestGateway(RecordingUpstream upstream, GatewayServer server) {
    this.upstream = upstream;
    this.server = server;
  }

  /** The one place tests take a token from: any `Authorization` value the current verdict allows. */
  static String validAuthorization() {
    return "Bearer a.b.c";
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

  /** A gateway with {@code config} as given (routes included) in front of {@code upstream}. */
  static TestGateway start(TestConfig config, RecordingUpstream upstream)
      throws IOException, GeneralSecurityException, InterruptedException {
    GatewayServer server = new GatewayServer(config.build(), new Authenticator());
    server.start();
    return new TestGateway(upstream, server);
  }

  InetSocketAddress address() {
    return server.address();
  }

  RawClient client() throws IOException {
    return new RawClient(address());
  }

  /** A well-formed request with a valid token and the given extra header lines (each ending in CRLF). */
  static String get(String target, String extraHeaders) {
    return "GET " + target + " HTTP/1.1\r\nHost: gw.test\r\nAuthorization: " + validAuthorization() + "\r\n"
        + extraHeaders + "\r\n";
  }

  static String get(String target) {
    return get(target, "");
  }

  @Override
  public void close() throws Exception {
    server.shutdown();
    upstream.close();
  }
}
