package dev.mfagateway.proxy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/** Many keep-alive client connections, each of which made one request with a valid token; closed together. */
final class ClientConnections implements AutoCloseable {
  private final List<RawClient> open = new ArrayList<>();

  /**
   * Opens {@code count} connections one after another, each sending one GET and reading its 200; fails on the first
   * connection the gateway refuses or answers otherwise.
   */
  static ClientConnections open(InetSocketAddress gateway, int count) throws IOException {
    return open(gateway, count, i -> TestGateway.validAuthorization());
  }

  /** The same, connection {@code i}'s GET sending {@code authorization.apply(i)}. */
  static ClientConnections open(InetSocketAddress gateway, int count, IntFunction<String> authorization)
      throws IOException {
    ClientConnections connections = new ClientConnections();
    try {
      for (int i = 0; i < count; i++) {
        RawClient client = new RawClient(gateway);
        connections.open.add(client);
        int status = client.send(TestGateway.get("/idle/" + i, authorization.apply(i), "")).read().status();
        if (status != 200) {
          throw new AssertionError("connection " + i + " answered " + status);
        }
      }
    } catch (IOException | RuntimeException | Error e) {
      connections.close();
      throw new AssertionError("opening connection " + connections.open.size() + " of " + count + " failed", e);
    }
    return connections;
  }

  int size() {
    return open.size();
  }

  RawClient get(int index) {
    return open.get(index);
  }

  @Override
  public void close() throws IOException {
    for (RawClient client : open) {
      client.close();
    }
    open.clear();
  }
}
