package dev.mfagateway.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;

/**
 * The last handler of an upstream connection: passes events to the exchange it currently serves. A connection idle in
 * the pool that receives anything, or that stays unused for `pool.idle-timeout`, is closed.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
  private UpstreamListener listener;

  void attach(UpstreamListener exchange) {
    listener = exchange;
  }

  void detach() {
    listener = null;
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

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof IdleStateEvent idle) {
      if (listener == null && idle.state() == IdleState.ALL_IDLE) {
        ctx.close();
      } else if (listener != null && idle.state() == IdleState.READER_IDLE) {
        listener.upstreamIdle();
      }
    } else {
      ctx.fireUserEventTriggered(event);
    }
  }
}
