package dev.mfagateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;

/**
 * The HTTP codec of an upstream connection: requests out (header lines by {@link HeaderLines}), responses in. What
 * Netty's `HttpClientCodec` adds to the plain encoder and decoder, this codec needs only in part: an upstream
 * connection carries one exchange at a time and never a `CONNECT` (refused by {@link RequestChecks}), so remembering
 * whether the request in flight is a HEAD is enough to know that its final response has no body. The decoder and the
 * encoder go into the pipeline as two handlers, sharing that one flag: Netty's `CombinedChannelDuplexHandler` would
 * put a delegating context in the way of every read, write and flush. A response that starts a read and is there whole
 * in its plainest form comes up as one {@link CompleteResponse} instead of Netty's head and body parts.
 */
final class UpstreamCodec {
  private final ResponseDecoder decoder;
  private final RequestEncoder encoder = new RequestEncoder();
  private boolean headInFlight;

  UpstreamCodec(HttpDecoderConfig responseLimits) {
    decoder = new ResponseDecoder(responseLimits);
  }

  /** The codec's handlers, in pipeline order. */
  ChannelHandler[] handlers() {
    return new ChannelHandler[] {decoder, encoder};
  }

  final class RequestEncoder extends HttpRequestEncoder {
    @Override
    protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) throws Exception {
      if (msg instanceof HttpRequest request) {
        headInFlight = request.method().equals(HttpMethod.HEAD);
      }
      super.encode(ctx, msg, out);
    }

    @Override
    protected void encodeHeaders(HttpHeaders headers, ByteBuf buf) {
      HeaderLines.write(headers, buf);
    }
  }

  final class ResponseDecoder extends HttpResponseDecoder {
    private final int maxHead;
    /** Nothing of the next response has been read: it may be a {@link CompleteResponse}. */
    private boolean atResponseStart = true;

    ResponseDecoder(HttpDecoderConfig limits) {
      super(limits);
      maxHead = Math.min(limits.getMaxInitialLineLength(), limits.getMaxHeaderSize());
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
      if (atResponseStart && !headInFlight) {
        CompleteResponse whole = CompleteResponse.read(buffer, maxHead);
        if (whole != null) {
          out.add(whole);
          return;
        }
      }
      atResponseStart = false; // this response is Netty's decoder's to its end, whatever it has read of it
      int outBefore = out.size();
      super.decode(ctx, buffer, out);
      for (int i = outBefore; i < out.size(); i++) {
        HttpObject message = (HttpObject) out.get(i);
        atResponseStart = message instanceof LastHttpContent && message.decoderResult().isSuccess();
      }
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
      return (headInFlight && ((HttpResponse) msg).status().code() >= 200) || super.isContentAlwaysEmpty(msg);
    }
  }
}
