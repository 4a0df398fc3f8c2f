package dev.mfagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.testing.Poll;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A client that goes away in the middle of its upload (issue 12, client faults), whichever way it goes and however its
 * body is framed: the upstream already has the head and part of the body, but never a complete request (so it cannot
 * act on a truncated upload as if it were whole); the upstream connection is closed rather than pooled; the client
 * connection is gone at once, not after the idle timeout; and the gateway keeps serving.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AbortedUploadTest {
  private static final int ANNOUNCED = 1_000_000;

  /** How the client goes away. */
  enum Abort {
    /** `close()`: FIN, both directions. */
    CLOSE,
    /** SO_LINGER 0: a TCP reset. */
    RESET,
    /** `shutdownOutput()`: FIN on the way in only; the client still listens. */
    HALF_CLOSE
  }

  /** How the body is framed. */
  enum Framing {
    CONTENT_LENGTH("Content-Length: " + ANNOUNCED + "\r\n", "x".repeat(4000)),
    CHUNKED("Transfer-Encoding: chunked\r\n", "fa0\r\n" + "x".repeat(4000) + "\r\n");

    final String header;
    final String part;

    Framing(String header, String part) {
      this.header = header;
      this.part = part;
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Abort.class)
  void contentLength(Abort abort) throws Exception {
    abortsMidUpload(abort, Framing.CONTENT_LENGTH);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Abort.class)
  void chunked(Abort abort) throws Exception {
    abortsMidUpload(abort, Framing.CHUNKED);
  }

  private static void abortsMidUpload(Abort abort, Framing framing) throws Exception {
    TestConfig config = new TestConfig();
    config.idleTimeout = Duration.ofSeconds(30); // so that "closed at once" cannot be the idle timeout
    try (TestGateway gateway = TestGateway.start(config)) {
      Probe.warmUp(gateway.address());
      int upstreamConnectionsBefore = gateway.upstream.connections.get();
      RawClient client = gateway.client();
      client.send("POST /upload HTTP/1.1\r\nHost: gw\r\nAuthorization: " + TestGateway.validAuthorization() + "\r\n"
          + framing.header + "\r\n" + framing.part + framing.part);
      Poll.until("the head forwarded", Duration.ofSeconds(5),
          () -> gateway.upstream.heads.stream().anyMatch(head -> head.uri().equals("/upload")));

      long aborted = System.nanoTime();
      switch (abort) {
        case CLOSE -> client.close();
        case RESET -> client.reset();
        case HALF_CLOSE -> {
          client.shutdownOutput();
          assertThat(client.closedByServer()).as("the gateway closed the half-closed upload").isTrue();
          client.close();
        }
      }

      Poll.until("the client connection gone", Duration.ofSeconds(5), () -> gateway.openConnections() == 0);
      assertThat(Duration.ofNanos(System.nanoTime() - aborted)).isLessThan(Duration.ofSeconds(5));
      Poll.until("the upstream connection of the upload closed", Duration.ofSeconds(5),
          () -> gateway.upstream.closedConnections.get() > 0);
      assertThat(gateway.upstream.requests).extracting(RecordingUpstream.Recorded::uri).doesNotContain("/upload");

      Probe.everyLoop(gateway.address());
      assertThat(gateway.upstream.requests).extracting(RecordingUpstream.Recorded::uri).doesNotContain("/upload");
      assertThat(gateway.upstream.connections.get()).as("the aborted upload's connection was not reused")
          .isGreaterThan(upstreamConnectionsBefore);
    }
  }
}
