package dev.mfagateway.telemetry;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A stand-in for the admin port's {@code /metrics}: a JDK HttpServer on a free loopback port serving a
 * {@link GatewayMetrics} scrape, negotiated on {@code Accept}. Remembers the last Accept header and content type.
 */
final class ScrapeEndpoint implements AutoCloseable {
  private final HttpServer server;
  final AtomicReference<String> lastAccept = new AtomicReference<>();
  final AtomicReference<String> lastContentType = new AtomicReference<>();

  ScrapeEndpoint(GatewayMetrics metrics) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/metrics", exchange -> {
      String accept = exchange.getRequestHeaders().getFirst("Accept");
      GatewayMetrics.Scrape scrape = metrics.scrape(accept);
      lastAccept.set(accept);
      lastContentType.set(scrape.contentType());
      exchange.getResponseHeaders().set("Content-Type", scrape.contentType());
      exchange.sendResponseHeaders(200, scrape.body().length);
      try (OutputStream body = exchange.getResponseBody()) {
        body.write(scrape.body());
      }
    });
    server.start();
  }

  /** {@code 127.0.0.1:port}, as a Prometheus target. */
  String target() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
