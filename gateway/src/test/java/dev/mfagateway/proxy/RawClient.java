package dev.mfagateway.proxy;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLSocketFactory;

/** A raw HTTP/1.1 client over a socket: sends exactly the bytes a test writes, parses responses strictly. */
final class RawClient implements AutoCloseable {
  private static final int READ_TIMEOUT_MILLIS = 15_000;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  RawClient(InetSocketAddress address) throws IOException {
    this(new Socket(address.getAddress(), address.getPort()));
  }

  RawClient(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout(READ_TIMEOUT_MILLIS);
    this.in = new java.io.BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  static RawClient tls(InetSocketAddress address, SSLSocketFactory factory) throws IOException {
    return new RawClient(factory.createSocket(address.getHostString(), address.getPort()));
  }

  RawClient send(String raw) throws IOException {
    return send(raw.getBytes(StandardCharsets.ISO_8859_1));
  }

  RawClient send(byte[] raw) throws IOException {
    out.write(raw);
    out.flush();
    return this;
  }

  /** Sends FIN: the client will send nothing more but still reads. */
  void shutdownOutput() throws IOException {
    socket.shutdownOutput();
  }

  /** Aborts the connection with a TCP reset (SO_LINGER 0), as a crashing client or a middlebox does. */
  void reset() throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  OutputStream output() {
    return out;
  }

  /** A response: status, headers (names lower-cased, in order), body. */
  record Response(int status, Map<String, List<String>> headers, byte[] body) {
    String header(String name) {
      List<String> values = headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
      return values.isEmpty() ? null : values.get(0);
    }

    List<String> headers(String name) {
      return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** Reads one response, skipping interim (1xx) responses unless {@code keepInterim}. */
  Response read() throws IOException {
    Response response;
    do {
      response = readOne(false);
    } while (response.status() >= 100 && response.status() < 200);
    return response;
  }

  /** Reads the next response, interim ones included; a HEAD response has no body. */
  Response readOne(boolean head) throws IOException {
    String statusLine = line();
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not a status line: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (String line = line(); !line.isEmpty(); line = line()) {
      int colon = line.indexOf(':');
      headers
          .computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(line.substring(colon + 1).trim());
    }
    Response bare = new Response(status, headers, new byte[0]);
    if (head || status < 200 || status == 204 || status == 304) {
      return bare;
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if ("chunked".equalsIgnoreCase(bare.header("transfer-encoding"))) {
      for (int size = chunkSize(); size > 0; size = chunkSize()) {
        body.write(in.readNBytes(size));
        line();
      }
      while (!line().isEmpty()) {
        // trailers
      }
    } else if (bare.header("content-length") != null) {
      long length = Long.parseLong(bare.header("content-length"));
      byte[] bytes = in.readNBytes((int) length);
      if (bytes.length != length) {
        throw new EOFException("body ended after " + bytes.length + " of " + length + " bytes");
      }
      body.write(bytes);
    } else {
      body.write(in.readAllBytes());
    }
    return new Response(status, headers, body.toByteArray());
  }

  /** Whether the server closed the connection (end of stream or reset) with nothing more to read. */
  boolean closedByServer() throws IOException {
    try {
      return in.read() == -1;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  private int chunkSize() throws IOException {
    String line = line();
    int semicolon = line.indexOf(';');
    return Integer.parseInt((semicolon < 0 ? line : line.substring(0, semicolon)).trim(), 16);
  }

  private String line() throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); ; b = in.read()) {
      if (b == -1) {
        throw new EOFException("connection closed; read so far: " + line);
      }
      if (b == '\n') {
        int end = line.length();
        return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
      }
      line.append((char) b);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
