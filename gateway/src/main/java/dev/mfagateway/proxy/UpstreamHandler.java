package dev.mfagateway.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.time.Duration;

/**
 * The last handler of an upstream connection: passes events to the exchange it currently serves, and tells it when
 * nothing was read for `upstream.idle-timeout`. A connection idle in the pool that receives anything, or that stays
 * unused for `pool.idle-timeout`, is closed.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
  private final Duration silenceTimeout;
  private final Duration unusedTimeout;
  private UpstreamListener listener;
  private Deadline silence;
  private Deadline unused;

  UpstreamHandler(Duration silenceTimeout, Duration unusedTimeout) {
    this.silenceTimeout = silenceTimeout;
    this.unusedTimeout = unusedTimeout;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    silence = new Deadline(ctx.executor(), silenceTimeout.toNanos(), token -> silent());
    unused = new Deadline(ctx.executor(), unusedTimeout.toNanos(), token -> ctx.close());
    silence.start(0);
  }

  void attach(UpstreamListener exchange) {
    listener = exchange;
    unused.stop();
  }

  void detach() {
    listener = null;
    unused.start(0);
  }

  private void silent() {
    if (listener != null) {
      listener.upstreamIdle();
    }
    silence.start(0);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (listener != null && msg instanceof HttpObject message) {
      listener.upstreamRead(message);
    } else {
      ReferenceCountUtil.release(msg);
      ctx.close();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    silence.start(0);
    if (listener != null) {
      listener.upstreamReadComplete();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (listener != null) {
      listener.upstreamWritabilityChanged();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    silence.cancel();
    unused.cancel();
    if (listener != null) {
      listener.upstreamFailed(new IOException("upstream closed the connection"));
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (listener != null) {
      listener.upstreamFailed(cause);
    }
    ctx.close();
  }
}
