package dev.mfagateway.telemetry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A real upstream on loopback (JDK HttpServer) that answers by path: a path containing `fail` gets 503, one containing
 * `hang` never gets an answer, anything else 200 with a small body, after {@code delay}.
 */
final class ScriptedUpstream implements AutoCloseable {
  private final HttpServer server;
  private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
  private final Duration delay;

  ScriptedUpstream(Duration delay) throws IOException {
    this.delay = delay;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::answer);
    server.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private void answer(HttpExchange exchange) throws IOException {
    try (InputStream body = exchange.getRequestBody()) {
      body.transferTo(OutputStream.nullOutputStream());
    }
    String path = exchange.getRequestURI().getRawPath();
    if (path.contains("hang")) {
      return;
    }
    int status = path.contains("fail") ? 503 : 200;
    if (delay.isZero()) {
      send(exchange, status);
    } else {
      later.schedule(() -> send(exchange, status), delay.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private static void send(HttpExchange exchange, int status) {
    byte[] body = ("{\"status\":" + status + "}").getBytes(StandardCharsets.UTF_8);
    try (exchange) {
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, body.length);
      exchange.getResponseBody().write(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    later.shutdownNow();
  }
}
