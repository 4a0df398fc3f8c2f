package dev.mfagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A response read whole from its own bytes reaches the client byte for byte as the same bytes would through Netty's
 * decoder, {@link Forwarding#clientResponse} and the response encoder; and what it does not take, it leaves alone.
 */
class CompleteResponseTest {
  private static final int MAX_HEAD = 8 * 1024;
  private static final String REQUEST_ID = "0b746a29-6e49-4fea-be33-f94ba3696432";
  private static final String NGINX =
      "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sat, 05 Dec 2026 05:00:00 GMT\r\n"
          + "Content-Type: application/json\r\nContent-Length: 17\r\nConnection: keep-alive\r\n\r\n{\"value\":[1,2,3]}";

  @ParameterizedTest
  @ValueSource(
      strings = {
        NGINX,
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 \r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 201 Created\r\ncontent-length: 2\r\nCONNECTION: Close\r\nLocation: /v1/customers/7\r\n\r\nok",
        "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer error=\"insufficient_claims\", claims=\"eyJ\"\r\n"
            + "WWW-Authenticate: Basic\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5\r\nProxy-Connection: x\r\nTE: trailers\r\nTrailer: x\r\n"
            + "Upgrade: h2c\r\nHTTP2-Settings: AAA\r\nProxy-Authenticate: Basic\r\nProxy-Authorization: y\r\n"
            + "X-Request-Id: from-the-upstream\r\nx-request-id: twice\r\nContent-Length: 1\r\n\r\nz",
        "HTTP/1.1 502 Bad Gateway\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Odd: caf\u00e9 \u00e0 la cr\u00e8me\r\n"
            + "Content-Length: 3\r\n\r\nabc",
        "HTTP/1.1 299 R\u00e9sum\u00e9\r\nX-Tokens: !#$%&'*+-.^_`|~\r\n!#$%&'*+-.^_`|~09azAZ: v\r\nContent-Length: 0\r\n"
            + "\r\n",
      })
  void aPlainResponseReachesTheClientAsNettysPathWouldSendIt(String upstream) {
    assertSameAsNetty(upstream);
  }

  @Test
  void aLargeBodyGoesOutAsItCameAfterTheNewHead() {
    String body = "x".repeat(20_000);
    assertSameAsNetty("HTTP/1.1 200 OK\r\nContent-Length: 20000\r\n\r\n" + body);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 204 No Content\r\n\r\n",
        "HTTP/1.1 304 Not Modified\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\n\r\nclose-delimited",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nContent-Length: 02\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nContent-Length: 1234567890\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nConnection: keep-alive, x-secret\r\nX-Secret: 1\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nX-A:  two spaces\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nX-A:no space\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nX-A: trailing \r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nX-A : v\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nX-A: a\tb\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nX-A: a\u0001b\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nX-A: a\u007fb\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nX-A: v\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nX-A: v\r\n folded\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nX-A:\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\n: v\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 20x OK\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 600 Beyond\r\nContent-Length: 2\r\n\r\nok",
        "\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n",
      })
  void anythingElseIsLeftToNettysDecoder(String upstream) {
    ByteBuf in = latin1(upstream);
    assertThat(CompleteResponse.read(in, MAX_HEAD)).isNull();
    assertThat(in.readerIndex()).isZero();
    in.release();
  }

  @Test
  void aHeadLongerThanTheLimitIsLeftToNettysDecoder() {
    String upstream = "HTTP/1.1 200 OK\r\nX-Big: " + "b".repeat(200) + "\r\nContent-Length: 2\r\n\r\nok";
    ByteBuf in = latin1(upstream);
    assertThat(CompleteResponse.read(in, 200)).isNull();
    assertThat(CompleteResponse.read(in, 300)).isNotNull().satisfies(CompleteResponse::release);
    in.release();
  }

  @Test
  void whatFollowsTheResponseStaysInTheBuffer() {
    ByteBuf in = latin1(NGINX + "HTTP/1.1 200");
    CompleteResponse whole = CompleteResponse.read(in, MAX_HEAD);
    assertThat(whole).isNotNull();
    assertThat(in.toString(StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200");
    whole.release();
    in.release();
  }

  /**
   * Ten thousand responses, each a plain one with a byte changed: whatever is taken must be taken by Netty's decoder
   * too, and sent to the client the same.
   */
  @Test
  void whatIsTakenNettyTakesTooAndSendsTheSame() {
    Random random = new Random(7);
    byte[] plain = NGINX.getBytes(StandardCharsets.ISO_8859_1);
    byte[] interesting = {'\r', '\n', ' ', '\t', ':', '0', '9', 'a', 'Z', ',', 0, 0x7F, (byte) 0x80, (byte) 0xFF};
    int taken = 0;
    for (int i = 0; i < 10_000; i++) {
      byte[] changed = plain.clone();
      int at = random.nextInt(changed.length);
      changed[at] = random.nextBoolean() ? interesting[random.nextInt(interesting.length)] : (byte) random.nextInt();
      String upstream = new String(changed, StandardCharsets.ISO_8859_1);
      ByteBuf in = latin1(upstream);
      CompleteResponse whole = CompleteResponse.read(in, MAX_HEAD);
      in.release();
      if (whole != null) {
        whole.release();
        taken++;
        assertSameAsNetty(upstream);
      }
    }
    assertThat(taken).as("changed responses still in the plain form").isBetween(1_000, 9_000);
  }

  private static void assertSameAsNetty(String upstream) {
    for (HttpVersion client : List.of(HttpVersion.HTTP_1_1, HttpVersion.HTTP_1_0)) {
      for (boolean keepClientOpen : List.of(true, false)) {
        ByteBuf in = latin1(upstream);
        CompleteResponse whole = CompleteResponse.read(in, MAX_HEAD);
        assertThat(whole).as(upstream).isNotNull();
        in.release();
        ByteBuf out =
            whole.forClient(UnpooledByteBufAllocator.DEFAULT, REQUEST_ID, client, keepClientOpen);
        String ours = out.toString(StandardCharsets.ISO_8859_1);
        out.release();

        Netty netty = throughNetty(upstream, client, keepClientOpen);
        assertThat(ours).as(upstream).isEqualTo(netty.toClient);
        assertThat(whole.status()).isEqualTo(netty.status);
        assertThat(whole.upstreamKeepAlive()).isEqualTo(netty.upstreamKeepAlive);
        assertThat(whole.bodyLength()).isEqualTo(netty.bodyLength);
        whole.release();
      }
    }
  }

  private record Netty(String toClient, int status, boolean upstreamKeepAlive, int bodyLength) {}

  /** The path every response took before: Netty's decoder, {@link Forwarding#clientResponse}, the encoder. */
  private static Netty throughNetty(String upstream, HttpVersion client, boolean keepClientOpen) {
    EmbeddedChannel decoder =
        new EmbeddedChannel(
            new HttpResponseDecoder(new HttpDecoderConfig().setHeadersFactory(Forwarding.RESPONSE_HEADERS)));
    decoder.writeInbound(latin1(upstream));
    List<HttpObject> messages = new ArrayList<>();
    for (Object in; (in = decoder.readInbound()) != null; ) {
      if (messages.isEmpty() || !(messages.get(messages.size() - 1) instanceof LastHttpContent)) {
        messages.add((HttpObject) in);
      } else {
        ReferenceCountUtil.release(in); // what followed the first response
      }
    }
    decoder.finishAndReleaseAll();
    assertThat(messages).as(upstream).hasSizeGreaterThanOrEqualTo(2);
    HttpResponse head = (HttpResponse) messages.get(0);
    assertThat(head.decoderResult().isSuccess()).as(upstream).isTrue();
    int status = head.status().code();
    boolean upstreamKeepAlive = HttpUtil.isKeepAlive(head);
    Forwarding.ClientResponse response =
        Forwarding.clientResponse(head, REQUEST_ID, client, false, keepClientOpen);
    EmbeddedChannel encoder = new EmbeddedChannel(new ResponseEncoder());
    encoder.writeOutbound(response.response());
    int bodyLength = 0;
    for (HttpObject part : messages.subList(1, messages.size())) {
      assertThat(part.decoderResult().isSuccess()).as(upstream).isTrue();
      bodyLength += ((HttpContent) part).content().readableBytes();
      encoder.writeOutbound(part);
    }
    assertThat(messages.get(messages.size() - 1)).isInstanceOf(LastHttpContent.class);
    StringBuilder text = new StringBuilder();
    for (Object out; (out = encoder.readOutbound()) != null; ) {
      text.append(((ByteBuf) out).toString(StandardCharsets.ISO_8859_1));
      ReferenceCountUtil.release(out);
    }
    encoder.finishAndReleaseAll();
    return new Netty(text.toString(), status, upstreamKeepAlive, bodyLength);
  }

  private static ByteBuf latin1(String text) {
    return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
  }
}
