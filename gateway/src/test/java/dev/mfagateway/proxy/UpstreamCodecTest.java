package dev.mfagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The upstream codec and the client's response encoder write header lines byte for byte as Netty's own encoders do
 * (their long values copied in one go), and the upstream codec frames the response to a HEAD as bodiless. A response
 * read whole in its plainest form comes as one {@link CompleteResponse}: see {@link CompleteResponseTest}.
 */
class UpstreamCodecTest {
  private static final String TOKEN = "Bearer " + "eyJhbGciOiJSUzI1NiJ9.".repeat(110); // about 2.3 KB, as Entra's
  private static final String LONG_OBS_TEXT = "caf\u00e9 cr\u00e8me ".repeat(12) + "\u20ac"; // 133 chars: copied in one go

  @Test
  void aForwardedRequestIsEncodedExactlyAsNettyEncodesIt() {
    assertThat(encoded(new UpstreamCodec(new HttpDecoderConfig()).handlers(), request()))
        .isEqualTo(encoded(new HttpRequestEncoder(), request()))
        .contains("authorization: " + TOKEN + "\r\n")
        .contains("X-Long-Ascii: " + "a".repeat(100) + "\r\n");
  }

  @Test
  void aResponseToTheClientIsEncodedExactlyAsNettyEncodesIt() {
    assertThat(encoded(new ResponseEncoder(), response()))
        .isEqualTo(encoded(new HttpResponseEncoder(), response()))
        .contains("x-obs-text: " + LONG_OBS_TEXT.replace('\u20ac', '?') + "\r\n");
  }

  @Test
  void theFinalResponseToAHeadHasNoBodyAndTheNextResponseIsReadInStep() {
    EmbeddedChannel upstream = new EmbeddedChannel(new UpstreamCodec(new HttpDecoderConfig()).handlers());
    upstream.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.HEAD, "/h"));
    upstream.writeInbound(ascii(
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"));
    assertThat(inboundTexts(upstream)).containsExactly("100", "", "200", "");

    upstream.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/g"));
    upstream.writeInbound(ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    assertThat(inboundTexts(upstream)).containsExactly("200 read whole", "ok");
    upstream.finishAndReleaseAll();
  }

  @Test
  void aResponseAfterOneNettyDecodedIsReadWholeAndInStep() {
    EmbeddedChannel upstream = new EmbeddedChannel(new UpstreamCodec(new HttpDecoderConfig()).handlers());
    upstream.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/g"));
    upstream.writeInbound(ascii(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
            + "HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nyes"));
    assertThat(inboundTexts(upstream)).containsExactly("200", "ok", "", "201 read whole", "yes");
    upstream.finishAndReleaseAll();
  }

  /** Once Netty's decoder has read part of a head, the rest of it is never taken for a response of its own. */
  @Test
  void aHeadSplitAcrossReadsStaysWithNettysDecoder() {
    EmbeddedChannel upstream = new EmbeddedChannel(new UpstreamCodec(new HttpDecoderConfig()).handlers());
    upstream.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/g"));
    upstream.writeInbound(ascii("HTTP/1.1 200 OK\r\n"));
    upstream.writeInbound(ascii("HTTP/1.1 200 Smuggled\r\nContent-Length: 0\r\n\r\n"));
    HttpResponse head = upstream.readInbound();
    assertThat(head.decoderResult().isFailure()).isTrue();
    upstream.finishAndReleaseAll();
  }

  private static FullHttpRequest request() {
    FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/v1/customers?x=1");
    HttpHeaders headers = request.headers();
    headers.add(HttpHeaderNames.HOST, "api.partnercenter.microsoft.com");
    headers.add(HttpHeaderNames.AUTHORIZATION, TOKEN);
    headers.add("X-Long-Ascii", new AsciiString("a".repeat(100)));
    headers.add("x-obs-text", LONG_OBS_TEXT);
    headers.add(HttpHeaderNames.USER_AGENT, "billing-script/1.0");
    headers.add(HttpHeaderNames.CONTENT_LENGTH, 0);
    return request;
  }

  private static HttpResponse response() {
    HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    response.headers().add(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
    response.headers().add("x-obs-text", LONG_OBS_TEXT);
    response.headers().add(HttpHeaderNames.CONTENT_LENGTH, 0);
    return response;
  }

  private static String encoded(ChannelHandler encoder, Object message) {
    return encoded(new ChannelHandler[] {encoder}, message);
  }

  private static String encoded(ChannelHandler[] encoder, Object message) {
    EmbeddedChannel channel = new EmbeddedChannel(encoder);
    channel.writeOutbound(message);
    StringBuilder text = new StringBuilder();
    for (Object out; (out = channel.readOutbound()) != null; ) {
      text.append(((ByteBuf) out).toString(StandardCharsets.ISO_8859_1));
      ReferenceCountUtil.release(out);
    }
    channel.finishAndReleaseAll();
    return text.toString();
  }

  private static ByteBuf ascii(String text) {
    return Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
  }

  /**
   * Each decoded message as its status code (a head; "read whole" after it for a {@link CompleteResponse}) or its
   * content (a body part), in order.
   */
  private static List<String> inboundTexts(EmbeddedChannel channel) {
    List<String> texts = new ArrayList<>();
    for (Object in; (in = channel.readInbound()) != null; ) {
      if (in instanceof CompleteResponse whole) {
        texts.add(whole.status() + " read whole");
        ByteBuf forClient = whole.forClient(channel.alloc(), "id", HttpVersion.HTTP_1_1, true);
        String text = forClient.toString(StandardCharsets.US_ASCII);
        texts.add(text.substring(text.indexOf("\r\n\r\n") + 4));
        forClient.release();
        whole.release();
        continue;
      }
      if (in instanceof HttpResponse head) {
        texts.add(String.valueOf(head.status().code()));
      }
      if (in instanceof HttpContent part) {
        texts.add(part.content().toString(StandardCharsets.US_ASCII));
      }
      assertThat(in instanceof HttpResponse || in instanceof LastHttpContent || in instanceof HttpContent).isTrue();
      ReferenceCountUtil.release(in);
    }
    return texts;
  }
}
