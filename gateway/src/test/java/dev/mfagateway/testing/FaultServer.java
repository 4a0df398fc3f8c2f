package dev.mfagateway.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A loopback HTTP/1.1 server for fault tests, on plain JDK sockets (one thread per connection). Healthy, it answers
 * every request with 200 and a JSON body from a supplier, keeping the connection alive. Set to a {@link Fault}, it
 * misbehaves that way from the next request (or, for connection faults, the next connection) until {@link #heal()}.
 * Serves HTTPS when started with {@link #startTls}. Counts the requests it has read.
 */
public final class FaultServer implements AutoCloseable {
  /** How the server misbehaves. */
  public enum Fault {
    HEALTHY,
    /** Reads the request, then says nothing until healed (and then answers as healthy, if the peer still listens). */
    SILENT,
    /** 500 with a small JSON body. */
    SERVER_ERROR,
    /** 200, `application/json`, but the body is not JSON. */
    GARBAGE_BODY,
    /** 200 with a 10 MiB JSON-looking body without a length (it ends when the connection closes). */
    HUGE_BODY,
    /** Answers with a status line that is not HTTP, then closes. */
    MALFORMED_HTTP,
    /** 200 whose head has a header value holding a control character (0x01). */
    CONTROL_CHARACTER_IN_HEADER,
    /** 200 announcing 1 MiB, sends 64 KiB of it, then resets the connection (RST). */
    RESET_MID_BODY,
    /** Nothing listens on the port (connections are refused) until healed; open connections are closed. */
    REFUSE_CONNECTIONS,
    /** A TLS server only: new connections are answered in plain HTTP (400), as a plaintext server answers TLS. */
    PLAINTEXT,
    /** A TLS server only: new connections get a certificate from a CA nobody trusts. */
    UNTRUSTED_CERTIFICATE
  }

  public static final int HUGE_BODY_BYTES = 10 * 1024 * 1024;
  public static final int ANNOUNCED_BODY_BYTES = 1024 * 1024;
  public static final int SENT_BEFORE_RESET = 64 * 1024;
  private static final int MAX_HEAD = 64 * 1024;

  private final Supplier<String> healthyBody;
  private final SSLContext tls;
  private final SSLContext untrustedTls;
  private final int port;
  private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
    Thread thread = new Thread(runnable, "fault-server");
    thread.setDaemon(true);
    return thread;
  });
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Object requestsSeen = new Object();
  private int requests;
  private volatile Fault fault = Fault.HEALTHY;
  private volatile CountDownLatch healed = new CountDownLatch(0);
  private ServerSocket listener;

  private FaultServer(Supplier<String> healthyBody, SSLContext tls, SSLContext untrustedTls) throws IOException {
    this.healthyBody = healthyBody;
    this.tls = tls;
    this.untrustedTls = untrustedTls;
    this.listener = listen(0);
    this.port = listener.getLocalPort();
    accept(listener);
  }

  /** A plain-HTTP server answering, while healthy, 200 with {@code healthyBody}'s current text. */
  public static FaultServer start(Supplier<String> healthyBody) throws IOException {
    return new FaultServer(healthyBody, null, null);
  }

  /** An HTTPS server: {@code tls} while healthy, {@code untrustedTls} under {@link Fault#UNTRUSTED_CERTIFICATE}. */
  public static FaultServer startTls(Supplier<String> healthyBody, SSLContext tls, SSLContext untrustedTls)
      throws IOException {
    return new FaultServer(healthyBody, tls, untrustedTls);
  }

  /** `http://127.0.0.1:port` or `https://127.0.0.1:port`. */
  public URI uri() {
    return URI.create((tls != null ? "https" : "http") + "://127.0.0.1:" + port);
  }

  /** Misbehaves as {@code next} from now on; {@link Fault#HEALTHY} heals. */
  public synchronized void fault(Fault next) throws IOException {
    if (next == Fault.SILENT && fault != Fault.SILENT) {
      healed = new CountDownLatch(1);
    }
    if (next == Fault.REFUSE_CONNECTIONS && listener != null) {
      listener.close();
      listener = null;
      open.forEach(FaultServer::closeQuietly);
    }
    if (next != Fault.REFUSE_CONNECTIONS && listener == null) {
      listener = listen(port);
      accept(listener);
    }
    fault = next;
    if (next != Fault.SILENT) {
      healed.countDown();
    }
  }

  /** Back to healthy: listens again if it was refusing, and silent requests get their answer. */
  public void heal() throws IOException {
    fault(Fault.HEALTHY);
  }

  public int requests() {
    synchronized (requestsSeen) {
      return requests;
    }
  }

  /** Waits (without polling) until {@code count} requests in all have been read; false when {@code timeout} passed. */
  public boolean awaitRequests(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (requestsSeen) {
      for (long left = timeout.toNanos(); requests < count && left > 0; left = deadline - System.nanoTime()) {
        TimeUnit.NANOSECONDS.timedWait(requestsSeen, left);
      }
      return requests >= count;
    }
  }

  private static ServerSocket listen(int port) throws IOException {
    ServerSocket socket = new ServerSocket();
    socket.setReuseAddress(true);
    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 128);
    return socket;
  }

  private void accept(ServerSocket on) {
    threads.execute(() -> {
      while (!on.isClosed()) {
        try {
          Socket socket = on.accept();
          open.add(socket);
          Fault atAccept = fault;
          threads.execute(() -> serve(socket, atAccept));
        } catch (IOException closed) {
          return;
        }
      }
    });
  }

  private void serve(Socket accepted, Fault atAccept) {
    try (accepted) {
      Socket socket = accepted;
      if (tls != null) {
        if (atAccept == Fault.PLAINTEXT) {
          answerInPlainText(accepted);
          return;
        }
        socket = handshake(accepted, atAccept == Fault.UNTRUSTED_CERTIFICATE ? untrustedTls : tls);
      }
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      while (readRequest(in)) {
        synchronized (requestsSeen) {
          requests++;
          requestsSeen.notifyAll();
        }
        if (!answer(fault, socket, out)) {
          return;
        }
      }
    } catch (IOException | InterruptedException peerGoneOrClosing) {
      // The connection ends; nothing to tell.
    } finally {
      open.remove(accepted);
    }
  }

  /** Answers one request as {@code now} says; false when the connection must end. */
  private boolean answer(Fault now, Socket socket, OutputStream out) throws IOException, InterruptedException {
    switch (now) {
      case SILENT -> {
        healed.await();
        return answer(Fault.HEALTHY, socket, out);
      }
      case SERVER_ERROR -> write(out, "500 Internal Server Error", "{\"error\":\"down\"}");
      case GARBAGE_BODY -> write(out, "200 OK", "<html>not json</html>");
      case HUGE_BODY -> {
        writeHuge(out);
        return false;
      }
      case MALFORMED_HTTP -> {
        out.write("this is not HTTP\r\nat all\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return false;
      }
      case CONTROL_CHARACTER_IN_HEADER -> {
        out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Odd: a\u0001b\r\n\r\nok"
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return false;
      }
      case RESET_MID_BODY -> {
        resetMidBody(socket, out);
        return false;
      }
      default -> write(out, "200 OK", healthyBody.get());
    }
    return true;
  }

  private static void write(OutputStream out, String status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    out.write(("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length
        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(bytes);
    out.flush();
  }

  private static void writeHuge(OutputStream out) throws IOException {
    out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"keys\":["
        .getBytes(StandardCharsets.US_ASCII));
    byte[] filler = "{\"kty\":\"oct\"},".repeat(4096).getBytes(StandardCharsets.US_ASCII);
    for (int written = 0; written < HUGE_BODY_BYTES; written += filler.length) {
      out.write(filler);
    }
    out.flush();
  }

  private static void resetMidBody(Socket socket, OutputStream out) throws IOException {
    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: "
        + ANNOUNCED_BODY_BYTES + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    byte[] part = new byte[SENT_BEFORE_RESET];
    Arrays.fill(part, (byte) 'x');
    out.write(part);
    out.flush();
    socket.setSoLinger(true, 0);
  }

  /** What a plaintext HTTP server does with a TLS ClientHello: reads it, answers 400, closes. */
  private static void answerInPlainText(Socket socket) throws IOException {
    if (socket.getInputStream().read(new byte[4096]) > 0) {
      OutputStream out = socket.getOutputStream();
      out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }
  }

  private static Socket handshake(Socket plain, SSLContext context) throws IOException {
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, null, plain.getPort(), true);
    socket.setUseClientMode(false);
    socket.startHandshake();
    return socket;
  }

  /** Reads one request head and its Content-Length body; false at the end of the stream. */
  private static boolean readRequest(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < end.length) {
      int b = in.read();
      if (b == -1) {
        return false;
      }
      if (head.size() >= MAX_HEAD) {
        throw new IOException("request head over " + MAX_HEAD + " bytes");
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : b == '\r' ? 1 : 0;
    }
    long length = 0;
    for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    in.skipNBytes(length);
    return true;
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // Closing anyway.
    }
  }

  @Override
  public synchronized void close() throws IOException {
    healed.countDown();
    if (listener != null) {
      listener.close();
    }
    open.forEach(FaultServer::closeQuietly);
    threads.shutdownNow();
  }
}
