package dev.mfagateway.load;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The Microsoft APIs' stand-in behind the gateway: answers every request at once with 200 and a small JSON body that
 * carries {@link #MARKER}, so a client can tell a forwarded request from a refusal. JDK HttpServer on 127.0.0.1.
 */
public final class StandInUpstream implements AutoCloseable {
  /** The value of {@code served_by} in every answer. */
  public static final String MARKER = "stand-in-upstream";

  private static final byte[] BODY = ("{\"served_by\":\"" + MARKER + "\",\"value\":[]}")
      .getBytes(StandardCharsets.UTF_8);

  private final HttpServer server;
  private final ExecutorService executor;

  private StandInUpstream(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Starts the server with Nagle's algorithm off on its connections; without that the JDK server's two writes (head,
   * then body) meet the gateway's delayed ACK and every forwarded request waits about 40 ms. The JDK reads the
   * property once, when the first HttpServer of the JVM starts, so this must come before any other (the issuer's).
   */
  public static StandInUpstream start() throws IOException {
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
    ExecutorService executor = Executors.newFixedThreadPool(4);
    server.createContext("/", StandInUpstream::answer);
    server.setExecutor(executor);
    server.start();
    return new StandInUpstream(server, executor);
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private static void answer(HttpExchange exchange) throws IOException {
    try (exchange; InputStream body = exchange.getRequestBody()) {
      body.transferTo(OutputStream.nullOutputStream());
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, BODY.length);
      exchange.getResponseBody().write(BODY);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
