package dev.mfagateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import java.util.List;

/**
 * The HTTP codec of an upstream connection: requests out (header lines by {@link HeaderLines}), responses in. What
 * Netty's `HttpClientCodec` adds to the plain encoder and decoder, this codec needs only in part: an upstream
 * connection carries one exchange at a time and never a `CONNECT` (refused by {@link RequestChecks}), so remembering
 * whether the request in flight is a HEAD is enough to know that its final response has no body. The decoder and the
 * encoder go into the pipeline as two handlers, sharing that one flag: Netty's `CombinedChannelDuplexHandler` would
 * put a delegating context in the way of every read, write and flush.
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
    ResponseDecoder(HttpDecoderConfig limits) {
      super(limits);
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
      return (headInFlight && ((HttpResponse) msg).status().code() >= 200) || super.isContentAlwaysEmpty(msg);
    }
  }
}
