package dev.mfagateway.proxy;

import static dev.mfagateway.proxy.TestGateway.validAuthorization;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** 50 MiB each way through the gateway, streamed at both ends, checked with SHA-256. */
class StreamingTest {
  private static final int SIZE = 50 * 1024 * 1024;
  private static final int CHUNK = 64 * 1024;

  private TestGateway gateway;

  @BeforeEach
  void start() throws Exception {
    gateway = TestGateway.start();
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
  }

  @Test
  void uploads50MiBWithContentLength() throws Exception {
    try (RawClient client = gateway.client()) {
      client.send(
          "PUT /upload HTTP/1.1\r\nHost: gw\r\nAuthorization: " + validAuthorization() + "\r\nContent-Length: "
              + SIZE + "\r\n\r\n");
      String sent = streamRandom(client.output(), SIZE, false);

      RawClient.Response response = client.read();
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.bodyText()).isEqualTo(sent);
    }
    assertThat(gateway.upstream.requests.get(0).bodyBytes()).isEqualTo(SIZE);
  }

  @Test
  void uploads50MiBChunked() throws Exception {
    try (RawClient client = gateway.client()) {
      client.send(
          "POST /upload HTTP/1.1\r\nHost: gw\r\nAuthorization: " + validAuthorization()
              + "\r\nTransfer-Encoding: chunked\r\n\r\n");
      String sent = streamRandom(client.output(), SIZE, true);

      RawClient.Response response = client.read();
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.bodyText()).isEqualTo(sent);
    }
    RecordingUpstream.Recorded seen = gateway.upstream.requests.get(0);
    assertThat(seen.bodyBytes()).isEqualTo(SIZE);
    assertThat(seen.headers().get("transfer-encoding")).isEqualTo("chunked");
  }

  @Test
  void downloads50MiB() throws Exception {
    MessageDigest expected = MessageDigest.getInstance("SHA-256");
    Random data = new Random(RecordingUpstream.DOWNLOAD_SEED);
    byte[] chunk = new byte[16 * 1024];
    for (int left = SIZE; left > 0; left -= chunk.length) {
      data.nextBytes(chunk);
      expected.update(chunk);
    }
    try (Socket socket = new Socket(gateway.address().getAddress(), gateway.address().getPort())) {
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(
          TestGateway.get("/download/" + SIZE).getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = socket.getInputStream();
      String head = readHead(in);
      assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length: " + SIZE);

      MessageDigest received = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[CHUNK];
      long total = 0;
      while (total < SIZE) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, SIZE - total));
        assertThat(n).as("stream ended early at %d bytes", total).isPositive();
        received.update(buffer, 0, n);
        total += n;
      }
      assertThat(HexFormat.of().formatHex(received.digest()))
          .isEqualTo(HexFormat.of().formatHex(expected.digest()));
    }
  }

  private static String streamRandom(OutputStream out, int size, boolean chunked) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    Random random = new Random(7);
    byte[] chunk = new byte[CHUNK];
    for (int left = size; left > 0; left -= chunk.length) {
      random.nextBytes(chunk);
      digest.update(chunk);
      if (chunked) {
        out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      }
      out.write(chunk);
      if (chunked) {
        out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
      }
    }
    if (chunked) {
      out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }
    out.flush();
    return HexFormat.of().formatHex(digest.digest());
  }

  private static String readHead(InputStream in) throws Exception {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      assertThat(b).isNotNegative();
      head.append((char) b);
    }
    return head.toString();
  }
}
