package dev.mfagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The obs-fold guard sees folds however the bytes are split, and never looks into bodies; a request without a body
 * comes out as one message.
 */
class RequestHeadDecoderTest {

  @Test
  void aFoldArrivingInALaterReadIsRefused() {
    List<HttpObject> out = decode("GET / HTTP/1.1\r\nHost: a\r\nX-A: a\r\n", " folded\r\n\r\n");

    assertThat(out).hasSize(1);
    assertThat(out.get(0).decoderResult().cause()).isInstanceOfSatisfying(
        RequestHeadDecoder.ScanRefusal.class, refusal -> assertThat(refusal.finding).isEqualTo(HeadScan.Finding.OBS_FOLD));
  }

  @Test
  void aFoldSplitByteByByteIsRefused() {
    String raw = "GET / HTTP/1.1\r\nHost: a\r\nX-A: a\r\n\tb\r\n\r\n";
    List<HttpObject> out = decode(raw.split(""));

    assertThat(out).hasSize(1);
    assertThat(out.get(0).decoderResult().cause()).isInstanceOfSatisfying(
        RequestHeadDecoder.ScanRefusal.class, refusal -> assertThat(refusal.finding).isEqualTo(HeadScan.Finding.OBS_FOLD));
  }

  @Test
  void bodiesAndPipelinedRequestsAreNotMistakenForFolds() {
    String body = "line\r\n continued\r\n\tand more";
    String raw =
        "POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: " + body.length() + "\r\n\r\n" + body
            + "GET /2 HTTP/1.1\r\nHost: a\r\n\r\n";
    List<HttpObject> out = decode(raw.substring(0, 30), raw.substring(30, 70), raw.substring(70));

    assertThat(out).allMatch(message -> message.decoderResult().isSuccess());
    assertThat(out.stream().filter(HttpRequest.class::isInstance).map(m -> ((HttpRequest) m).uri()))
        .containsExactly("/1", "/2");
    assertThat(out.stream().filter(LastHttpContent.class::isInstance)).hasSize(2);
  }

  @Test
  void aRequestWithoutABodyIsOneMessageAndABodyStillStreams() {
    String raw =
        "GET /1 HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer x\r\n\r\n"
            + "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nbody"
            + "HEAD /3 HTTP/1.1\r\nHost: a\r\n\r\n";
    List<HttpObject> out = decode(raw);

    assertThat(out).hasSize(4);
    assertThat(out.get(0)).isInstanceOf(FullHttpRequest.class);
    assertThat(((FullHttpRequest) out.get(0)).headers().get("authorization")).isEqualTo("Bearer x");
    assertThat(out.get(1)).isInstanceOf(HttpRequest.class).isNotInstanceOf(LastHttpContent.class);
    assertThat(out.get(2)).isInstanceOf(LastHttpContent.class).isNotInstanceOf(HttpRequest.class);
    assertThat(out.get(3)).isInstanceOf(FullHttpRequest.class);
    assertThat(out).allMatch(message -> message.decoderResult().isSuccess());
  }

  @Test
  void leadingEmptyLinesBeforeTheRequestLineAreNotAFold() {
    List<HttpObject> out = decode("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");

    assertThat(out).first().matches(message -> message.decoderResult().isSuccess());
  }

  @Test
  void onlyAHeadThatSpansReadsStartsTheHeaderTimer() {
    EmbeddedChannel channel =
        new EmbeddedChannel(new RequestHeadDecoder(new HttpDecoderConfig(), Duration.ofSeconds(10)));
    try {
      channel.writeInbound(Unpooled.copiedBuffer("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n", StandardCharsets.US_ASCII));
      assertThat(channel.runScheduledPendingTasks()).as("no timer for a head that arrived whole").isEqualTo(-1);

      channel.writeInbound(Unpooled.copiedBuffer("GET /2 HTTP/1.1\r\nHo", StandardCharsets.US_ASCII));
      assertThat(channel.runScheduledPendingTasks()).as("the header timeout runs for the rest of the head")
          .isPositive();
    } finally {
      channel.finishAndReleaseAll();
    }
  }

  private static List<HttpObject> decode(String... reads) {
    return decode(new RequestHeadDecoder(new HttpDecoderConfig(), Duration.ofSeconds(10)), reads);
  }

  /** What {@code decoder} makes of the bytes of {@code reads}, one read each (bodies released). */
  static List<HttpObject> decode(ChannelHandler decoder, String... reads) {
    EmbeddedChannel channel = new EmbeddedChannel(decoder);
    try {
      for (String read : reads) {
        channel.writeInbound(Unpooled.copiedBuffer(read, StandardCharsets.ISO_8859_1));
      }
      List<HttpObject> out = new ArrayList<>();
      for (Object message = channel.readInbound(); message != null; message = channel.readInbound()) {
        out.add((HttpObject) message);
        ReferenceCountUtil.release(message);
      }
      return out;
    } finally {
      channel.finishAndReleaseAll();
    }
  }
}
