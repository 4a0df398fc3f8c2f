package dev.mfagateway.e2e;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 connection to the gateway, kept open across requests sent one at a time. Unlike the JDK client, it never
 * opens another connection or retries: a connection the gateway closed or broke fails the request.
 */
final class KeepAliveConnection implements AutoCloseable {
  /** A response: status, headers (names lower-cased, first value), body. */
  record Response(int status, Map<String, String> headers, String body) {}

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  KeepAliveConnection(InetSocketAddress address) throws IOException {
    socket = new Socket(address.getAddress(), address.getPort());
    socket.setSoTimeout(15_000);
    in = new BufferedInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  /** A GET of {@code target} with `Authorization: {@code authorization}`; the response must be framed by length. */
  Response get(String target, String authorization) throws IOException {
    out.write(("GET " + target + " HTTP/1.1\r\nHost: gateway.test\r\nAuthorization: " + authorization + "\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    String[] statusLine = line().split(" ", 3);
    Map<String, String> headers = new HashMap<>();
    for (String line = line(); !line.isEmpty(); line = line()) {
      int colon = line.indexOf(':');
      headers.putIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
    }
    if (!headers.containsKey("content-length")) {
      throw new IOException("response not framed by Content-Length: " + headers);
    }
    int length = Integer.parseInt(headers.get("content-length"));
    byte[] body = in.readNBytes(length);
    if (body.length != length) {
      throw new EOFException("body ended after " + body.length + " of " + length + " bytes");
    }
    if ("close".equalsIgnoreCase(headers.get("connection"))) {
      throw new IOException("the gateway closed the connection after status " + statusLine[1]);
    }
    return new Response(Integer.parseInt(statusLine[1]), headers, new String(body, StandardCharsets.UTF_8));
  }

  private String line() throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b == -1) {
        throw new EOFException("connection closed; read so far: " + line);
      }
      line.append((char) b);
    }
    int end = line.length();
    return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
