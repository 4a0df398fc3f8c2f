package dev.mfagateway.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * A stand-in for Partner Center on loopback: answers every request with a small JSON echo of what arrived, so the
 * demo shows what the gateway forwarded (path, request id, forwarded-for).
 */
public final class StandInUpstream implements AutoCloseable {
  private final HttpServer server;

  private StandInUpstream(HttpServer server) {
    this.server = server;
  }

  public static StandInUpstream start() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", StandInUpstream::answer);
    server.start();
    return new StandInUpstream(server);
  }

  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private static void answer(HttpExchange exchange) throws IOException {
    try (InputStream request = exchange.getRequestBody()) {
      request.transferTo(OutputStream.nullOutputStream());
    }
    String body =
        "{\"upstream\":\"stand-in for Partner Center\",\"method\":\"%s\",\"path\":\"%s\",\"x_request_id\":\"%s\",\"x_forwarded_for\":\"%s\"}\n"
            .formatted(
                exchange.getRequestMethod(),
                jsonEscape(exchange.getRequestURI().getRawPath()),
                jsonEscape(header(exchange, "X-Request-Id")),
                jsonEscape(header(exchange, "X-Forwarded-For")));
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(200, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static String header(HttpExchange exchange, String name) {
    String value = exchange.getRequestHeaders().getFirst(name);
    return value == null ? "" : value;
  }

  private static String jsonEscape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
