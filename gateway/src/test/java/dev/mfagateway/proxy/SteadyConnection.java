package dev.mfagateway.proxy;

import dev.mfagateway.telemetry.RouteMeters;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One keep-alive client connection through the gateway's real front end ({@link GatewayServer#addFrontEnd}) and one
 * upstream connection with the real upstream codec and {@link UpstreamHandler}, reused for every request as the pool
 * reuses its connections: the data path without sockets, for the data-path benchmark. {@link #exchange} sends one
 * request, answers it upstream and returns how many bytes the client received; it fails unless the exchange ended as a
 * served keep-alive request does (upstream connection given back, client connection open). Calling thread only.
 */
public final class SteadyConnection implements UpstreamConnections {
  private final EmbeddedChannel client;
  private final EmbeddedChannel upstream = new EmbeddedChannel();
  /** The last exchange's bytes as text, when recording; null otherwise. */
  private final StringBuilder forwarded;
  private final StringBuilder answered;
  private boolean upstreamInUse;

  /** With {@code recording}, the bytes of the last exchange are kept as text ({@link #forwarded}, {@link #answered}). */
  SteadyConnection(GatewayContext shared, boolean recording) {
    forwarded = recording ? new StringBuilder() : null;
    answered = recording ? new StringBuilder() : null;
    upstream.pipeline()
        .addLast(UpstreamPool.newCodec().handlers())
        .addLast(new UpstreamHandler(Duration.ofMinutes(1), Duration.ofMinutes(1)));
    GatewayContext context = EmbeddedFrontEnd.withUpstreams(shared, this);
    client = new EmbeddedChannel(new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel channel) {
        GatewayServer.addFrontEnd(channel.pipeline(), context);
      }
    });
  }

  /**
   * {@code request} arrives from the client; whatever the gateway forwards is answered with {@code response}. Both
   * buffers are taken over (released by the gateway). Returns the number of bytes the client received.
   */
  public int exchange(ByteBuf request, ByteBuf response) {
    client.writeInbound(request);
    int forwardedBytes = drain(upstream, forwarded);
    upstream.writeInbound(response);
    int answeredBytes = drain(client, answered);
    client.checkException();
    if (forwardedBytes == 0 || upstreamInUse || !client.isOpen()) {
      throw new IllegalStateException("the exchange did not end as a served keep-alive request does: forwarded "
          + forwardedBytes + " bytes, upstream connection " + (upstreamInUse ? "still in use" : "free")
          + ", client connection " + (client.isOpen() ? "open" : "closed"));
    }
    return answeredBytes;
  }

  /** What the upstream received in the last exchange (with recording on). */
  public String forwarded() {
    return String.valueOf(forwarded);
  }

  /** What the client received in the last exchange (with recording on). */
  public String answered() {
    return String.valueOf(answered);
  }

  /** Takes and releases what was written to {@code channel}; its bytes as text into {@code text} unless null. */
  private static int drain(EmbeddedChannel channel, StringBuilder text) {
    if (text != null) {
      text.setLength(0);
    }
    int bytes = 0;
    ByteBuf written;
    while ((written = channel.readOutbound()) != null) {
      bytes += written.readableBytes();
      if (text != null) {
        text.append(written.toString(StandardCharsets.ISO_8859_1));
      }
      written.release();
    }
    return bytes;
  }

  @Override
  public Future<Channel> acquire(URI target, EventLoop loop, RouteMeters meters) {
    if (upstreamInUse) {
      throw new IllegalStateException("the upstream connection is already in use");
    }
    upstreamInUse = true;
    return loop.newSucceededFuture(upstream);
  }

  @Override
  public void release(Channel channel) {
    UpstreamPool.idle(channel);
    upstreamInUse = false;
  }

  @Override
  public void discard(Channel channel) {
    throw new IllegalStateException("the upstream connection was discarded");
  }
}
