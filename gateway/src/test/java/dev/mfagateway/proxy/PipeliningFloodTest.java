package dev.mfagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mfagateway.testing.Poll;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pipelining floods on one connection (issue 12, client faults): thousands of pipelined requests are answered one by
 * one, in order; a framing error in the middle is refused and nothing after it is forwarded; and a client that sends
 * without reading is throttled by TCP (the gateway stops reading) instead of having its backlog buffered.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PipeliningFloodTest {
  private static final int FLOOD = 5_000;
  private static final int CLIENT_BUFFER = 64 * 1024;

  private TestGateway gateway;

  @BeforeEach
  void start() throws Exception {
    gateway = TestGateway.start();
    Probe.warmUp(gateway.address());
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
  }

  @Test
  void thousandsOfPipelinedRequestsAreAnsweredInOrder() throws Exception {
    try (RawClient client = gateway.client()) {
      CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
        try {
          for (int i = 0; i < FLOOD; i++) {
            client.output().write(request(i).getBytes(StandardCharsets.ISO_8859_1));
          }
          client.output().flush();
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }, runnable -> new Thread(runnable, "pipeliner").start());

      for (int i = 0; i < FLOOD; i++) {
        RawClient.Response response = client.read();
        assertThat(response.status()).as("response %d", i).isEqualTo(200);
        assertThat(response.header("x-request-id")).isEqualTo(id(i));
        if (i == FLOOD / 2) {
          Probe.everyLoop(gateway.address());
        }
      }
      sent.get(10, TimeUnit.SECONDS);
    }
    List<String> forwarded = forwardedIds();
    assertThat(forwarded).hasSize(FLOOD);
    for (int i = 0; i < FLOOD; i++) {
      assertThat(forwarded.get(i)).isEqualTo(id(i));
    }
    Poll.until("the connection closed", Duration.ofSeconds(5), () -> gateway.openConnections() == 0);
  }

  @Test
  void aFramingErrorInThePipelineIsRefusedAndNothingAfterItIsForwarded() throws Exception {
    int before = 1_000;
    StringBuilder pipeline = new StringBuilder();
    for (int i = 0; i < before; i++) {
      pipeline.append(request(i));
    }
    pipeline.append("POST /smuggle HTTP/1.1\r\nHost: gw\r\nAuthorization: ").append(TestGateway.validAuthorization())
        .append("\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    for (int i = before; i < 2 * before; i++) {
      pipeline.append(request(i));
    }
    try (RawClient client = gateway.client()) {
      CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
        try {
          client.send(pipeline.toString());
        } catch (IOException closedAfterTheRefusal) {
          // the gateway may close while the rest of the pipeline is still being written
        }
      }, runnable -> new Thread(runnable, "pipeliner").start());

      for (int i = 0; i < before; i++) {
        RawClient.Response response = client.read();
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("x-request-id")).isEqualTo(id(i));
      }
      RawClient.Response refusal = client.read();
      assertThat(refusal.status()).isEqualTo(400);
      assertThat(refusal.bodyText()).contains("\"reason\":\"bad_http\"");
      assertThat(refusal.header("connection")).isEqualTo("close");
      assertThat(client.closedByServer()).isTrue();
      sent.get(10, TimeUnit.SECONDS);
    }
    List<String> forwarded = forwardedIds();
    assertThat(forwarded).hasSize(before);
    assertThat(forwarded.get(before - 1)).isEqualTo(id(before - 1));
    assertThat(gateway.upstream.heads).extracting(h -> h.uri()).doesNotContain("/smuggle");
    Probe.everyLoop(gateway.address());
  }

  /**
   * Up to 256 MiB of pipelined requests offered on a connection that never reads: the gateway must stop taking them
   * (TCP pushes back on the client) well before that, and hold only a bounded amount meanwhile. Once the client reads,
   * every complete request it managed to send is answered, in order.
   */
  @Test
  void aPipelinerThatDoesNotReadIsThrottledNotBuffered() throws Exception {
    long offered = 256L << 20;
    byte[] one = request(0).getBytes(StandardCharsets.ISO_8859_1);
    long bound = kernelBound(one.length);
    long directBefore = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
    try (SocketChannel channel = SocketChannel.open();
        Selector selector = Selector.open()) {
      // Fixed client buffers (no autotuning), so that the bound below depends on the gateway's side only.
      channel.setOption(StandardSocketOptions.SO_SNDBUF, CLIENT_BUFFER);
      channel.setOption(StandardSocketOptions.SO_RCVBUF, CLIENT_BUFFER);
      channel.connect(gateway.address());
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      channel.configureBlocking(false);
      channel.register(selector, SelectionKey.OP_WRITE);
      long accepted = 0;
      ByteBuffer next = ByteBuffer.wrap(request(0).getBytes(StandardCharsets.ISO_8859_1));
      // Write until the gateway has taken nothing for 3 s (it stopped reading) or the whole offer is gone.
      while (accepted < offered) {
        if (!next.hasRemaining()) {
          next = ByteBuffer.wrap(request((int) (accepted / one.length)).getBytes(StandardCharsets.ISO_8859_1));
        }
        int written = channel.write(next);
        accepted += written;
        if (written == 0 && selector.select(3_000) == 0) {
          break;
        }
        selector.selectedKeys().clear();
      }
      long directDuring = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
      System.out.printf("pipeliner that does not read: accepted %d of %d bytes (%d requests), bound %d; pooled"
          + " direct memory %d -> %d bytes%n", accepted, offered, accepted / one.length, bound,
          directBefore, directDuring);
      assertThat(accepted).as("bytes the connection took before TCP pushed back").isLessThan(bound);
      assertThat(directDuring - directBefore).as("direct memory held for the backlog").isLessThan(16L << 20);

      Probe.everyLoop(gateway.address());

      selector.close();
      channel.configureBlocking(true);
      int sentOfLast = (int) (accepted % one.length);
      int complete = (int) (accepted / one.length) + (sentOfLast != 0 ? 1 : 0);
      // The rest of a request cut off by the push-back goes out while the answers are read: the gateway takes it only
      // once the client reads (written first, it could wait forever). Then nothing more comes: the gateway answers
      // what it has, then closes.
      RawClient reader = new RawClient(channel.socket()); // before the output is shut down: it opens both streams
      CompletableFuture<Void> rest = CompletableFuture.runAsync(() -> {
        try {
          if (sentOfLast != 0) {
            byte[] last = request(complete - 1).getBytes(StandardCharsets.ISO_8859_1);
            ByteBuffer remainder = ByteBuffer.wrap(last, sentOfLast, last.length - sentOfLast);
            while (remainder.hasRemaining()) {
              channel.write(remainder);
            }
          }
          channel.shutdownOutput();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      for (int i = 0; i < complete; i++) {
        RawClient.Response response = reader.read();
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.header("x-request-id")).isEqualTo(id(i));
      }
      rest.get(10, TimeUnit.SECONDS);
      assertThat(reader.closedByServer()).isTrue();
      assertThat(forwardedIds()).hasSize(complete);
    }
    Poll.until("the connection closed", Duration.ofSeconds(5), () -> gateway.openConnections() == 0);
  }

  /**
   * What the kernel alone can take before a gateway that reads only what it can answer stops taking more: requests
   * filling the client's send buffer and the gateway's (autotuned) receive buffer, plus the requests already answered
   * whose smaller responses fill the gateway's send buffer and the client's receive buffer, plus one read batch held
   * in the gateway; twice that, for the buffers' own overhead. An unbounded backlog would take the whole offer.
   */
  private long kernelBound(int requestBytes) throws Exception {
    long responseBytes;
    try (RawClient client = gateway.client()) {
      // The same length as a flood request, but not counted as one.
      RawClient.Response response = client.send(TestGateway.get("/flood", "X-Request-Id: sizing-0000000\r\n")).read();
      responseBytes = "HTTP/1.1 200 OK\r\n\r\n".length() + response.body().length + response.headers().entrySet()
          .stream().mapToLong(h -> h.getValue().stream().mapToLong(v -> h.getKey().length() + v.length() + 4).sum())
          .sum();
    }
    long requests = CLIENT_BUFFER + maxBuffer("tcp_rmem");
    long answered = (maxBuffer("tcp_wmem") + CLIENT_BUFFER) * requestBytes / responseBytes;
    return 2 * (requests + answered + (1L << 20));
  }

  private static long maxBuffer(String sysctl) throws Exception {
    String[] values = Files.readAllLines(Path.of("/proc/sys/net/ipv4", sysctl)).get(0).trim().split("\\s+");
    return Long.parseLong(values[2]);
  }

  private List<String> forwardedIds() {
    return gateway.upstream.requests.stream()
        .map(r -> r.headers().get("x-request-id"))
        .filter(id -> id != null && id.startsWith("flood-"))
        .toList();
  }

  /** Every request has the same length: its id has a fixed width. */
  private static String request(int i) {
    return TestGateway.get("/flood", "X-Request-Id: " + id(i) + "\r\n");
  }

  private static String id(int i) {
    return "flood-%08d".formatted(i);
  }
}
