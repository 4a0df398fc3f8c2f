package dev.mfagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.testing.Poll;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway out of direct memory keeps running: a connection whose read cannot get a buffer is closed, a warning says
 * so (one line for many connections, not one each), the admin port answers or closes but never leaves a scraper
 * waiting, and once the memory is given back the gateway serves again. The gateway runs in a child JVM with a 4 MiB
 * direct-memory limit, which Netty holds it to; connections that send the first 16 KiB of a request head and wait (the
 * header timeout is ten minutes) take the memory.
 */
class DirectMemoryExhaustionTest {
  static final long LIMIT = 4L * 1024 * 1024;
  static final byte[] PART_OF_A_HEAD =
      ("GET /held HTTP/1.1\r\nHost: gw\r\nX-Pad: " + "a".repeat(16 * 1024)).getBytes(StandardCharsets.US_ASCII);
  /** Connections the gateway must have closed for want of memory before the gateway is judged. */
  static final int CLOSED_FOR_WANT_OF_MEMORY = 5;
  static final String WARNING = "client connection closed: out of memory (failed to allocate";
  static final String DIRECT_MEMORY_USED = "mfa_gateway_netty_direct_memory_used_bytes";

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  @Timeout(120)
  void connectionsThatCannotGetMemoryAreClosedWithOneWarningAndTheGatewayRecovers(@TempDir Path dir)
      throws Exception {
    try (RecordingUpstream upstream = new RecordingUpstream();
        ChildGateway gateway = ChildGateway.start(dir, upstream.uri(), "header-timeout = 10m",
            List.of("-Dio.netty.maxDirectMemory=" + LIMIT))) {
      List<Socket> held = new ArrayList<>();
      long started = System.nanoTime();
      try {
        while (held.size() - clientConnections(gateway) < CLOSED_FOR_WANT_OF_MEMORY) {
          assertThat(held).as("connections opened before %d were closed", CLOSED_FOR_WANT_OF_MEMORY)
              .hasSizeLessThan(1000);
          Socket socket = new Socket();
          held.add(socket);
          socket.connect(gateway.address(), 5_000);
          socket.getOutputStream().write(PART_OF_A_HEAD);
        }
        long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();

        assertThat(gateway.isAlive()).isTrue();
        List<String> warnings = gateway.logLines().stream().filter(line -> line.contains(WARNING)).toList();
        assertThat(warnings).isNotEmpty().hasSizeLessThanOrEqualTo(1 + (int) (seconds / 10));
        assertThat(warnings.get(0)).contains("\"level\":\"WARN\"", "of direct memory (used: ");
        for (int i = 0; i < 10; i++) {
          assertAnswersOrCloses(gateway, "/healthz");
          assertAnswersOrCloses(gateway, "/metrics");
        }
      } finally {
        for (Socket socket : held) {
          socket.close();
        }
      }

      Poll.until("the held connections closed and their memory given back", Duration.ofSeconds(30),
          () -> clientConnections(gateway) == 0 && gateway.metric(DIRECT_MEMORY_USED) < LIMIT / 2);
      try (RawClient client = new RawClient(gateway.address())) {
        assertThat(client.send(TestGateway.get("/after")).read().status()).isEqualTo(200);
      }
      assertThat(gateway.logLines()).noneMatch(line -> line.contains("reached at the tail of the pipeline"));
    }
  }

  /** `/healthz` or `/metrics` answers 200, or its connection is closed; it does not leave the client waiting. */
  private void assertAnswersOrCloses(ChildGateway gateway, String path) throws InterruptedException {
    URI uri = URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + path);
    try {
      int status = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
      assertThat(status).as(path).isEqualTo(200);
    } catch (HttpTimeoutException e) {
      throw new AssertionError(path + " left the client waiting", e);
    } catch (IOException closed) {
      // refused for want of memory: closed at once
    }
  }

  /** Client connections the gateway counts open; while the admin port cannot answer, as many as could be open. */
  private static long clientConnections(ChildGateway gateway) {
    try {
      return gateway.clientConnections();
    } catch (IOException unanswered) {
      return Long.MAX_VALUE;
    }
  }
}
