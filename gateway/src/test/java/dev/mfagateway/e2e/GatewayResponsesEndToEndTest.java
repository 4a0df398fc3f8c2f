package dev.mfagateway.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.testing.TestIssuer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rows of SPEC §4 the gateway answers for reasons other than the token: an upstream that refuses (502) or is too
 * slow (504), and a request line or headers (an over-long token) over the limits (414, 431) — each with the JSON
 * body and request id, and with nothing reaching the upstream where the request was refused.
 */
class GatewayResponsesEndToEndTest {
  private static final TestIssuer ISSUER = TestIssuer.start();
  private static final Tokens TOKENS = new Tokens(ISSUER);

  private static RecordingServer upstream;
  /** Accepts connections (the kernel's backlog does) but never reads or answers. */
  private static ServerSocket silent;
  private static RunningGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    upstream = new RecordingServer("{}");
    silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    URI refusing;
    try (ServerSocket closed = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      refusing = URI.create("http://127.0.0.1:" + closed.getLocalPort());
    }
    String[] routes = Stream.concat(
        Stream.of(
            RunningGateway.route("down", "/down/", refusing, TestIssuer.AUDIENCE, ""),
            RunningGateway.route("slow", "/slow/", URI.create("http://127.0.0.1:" + silent.getLocalPort()),
                TestIssuer.AUDIENCE, "")),
        Stream.of(RunningGateway.routes(upstream.uri()))).toArray(String[]::new);
    gateway = RunningGateway.start(RunningGateway.config(ISSUER.jwksUri(), routes)
        + "gateway.upstream.response-timeout = 2s\n");
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    upstream.close();
    silent.close();
    ISSUER.close();
  }

  @Test
  void anUpstreamThatRefusesGets502() throws Exception {
    Refusals.assertRefusal(gateway.get("/down/orders", TOKENS.valid()), 502, Refusals.NO_CHALLENGE,
        "upstream_unavailable");
  }

  @Test
  void anUpstreamThatDoesNotAnswerGets504() throws Exception {
    Refusals.assertRefusal(gateway.get("/slow/orders", TOKENS.valid()), 504, Refusals.NO_CHALLENGE,
        "upstream_timeout");
  }

  @Test
  void aRequestLineOverTheLimitGets414() throws Exception {
    upstream.clear();
    String target = "/v1/customers?filter=" + "a".repeat(9 * 1024);
    Refusals.assertRefusal(gateway.get(target, TOKENS.valid()), 414, Refusals.NO_CHALLENGE, "uri_too_long");
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void aTokenOverTheHeaderLimitGets431() throws Exception {
    upstream.clear();
    String token = TOKENS.user(claims -> claims.put("padding", "x".repeat(40 * 1024)));
    Refusals.assertRefusal(gateway.get("/v1/customers", List.of("Bearer " + token)), 431, Refusals.NO_CHALLENGE,
        "headers_too_large");
    assertThat(upstream.received()).isEmpty();
  }
}
