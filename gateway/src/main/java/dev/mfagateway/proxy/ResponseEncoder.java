package dev.mfagateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;

/**
 * Netty's response encoder, told when the response answers a HEAD request (its body is then never written, whatever
 * the framing headers say). The front end answers one request at a time, so one flag is enough. Header lines are
 * written by {@link HeaderLines}.
 */
final class ResponseEncoder extends HttpResponseEncoder {
  private boolean answeringHead;

  void answeringHead(boolean head) {
    answeringHead = head;
  }

  @Override
  protected boolean isContentAlwaysEmpty(HttpResponse response) {
    return (answeringHead && response.status().code() >= 200) || super.isContentAlwaysEmpty(response);
  }

  /** A {@link CompleteResponse} comes already encoded, as a buffer: it goes by untouched. */
  @Override
  public boolean acceptOutboundMessage(Object msg) throws Exception {
    return !(msg instanceof ByteBuf) && super.acceptOutboundMessage(msg);
  }

  @Override
  protected void encodeHeaders(HttpHeaders headers, ByteBuf buf) {
    HeaderLines.write(headers, buf);
  }
}
