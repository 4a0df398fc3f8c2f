package dev.mfagateway.proxy;

import static dev.mfagateway.proxy.RequestHeadDecoderTest.decode;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseDecoder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The gateway's request decoder and upstream response decoder, whose header maps do not validate values again
 * ({@link Forwarding#DECODED_HEADERS}), refuse exactly the header lines that Netty's decoders with their own validation
 * refuse, because {@link HeadScan} found a control character first; and what both accept, both read the same. A
 * folded header line is refused too (Netty would join it).
 */
class HeadScanTest {
  private static final String BEFORE = "GET /v1/customers HTTP/1.1\r\nHost: gw\r\nX-Value: ";
  private static final String AFTER = "\r\nAccept: */*\r\n\r\n";
  private static final String RESPONSE_BEFORE = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Value: ";
  private static final String RESPONSE_AFTER = "\r\nContent-Length: 0\r\n\r\n";

  @Test
  void everyByteAtEveryKindOfPlaceInAValueGetsNettysVerdict() {
    // Shorter than a word, a word, across words, and as long as a bearer token; first, last, at and around word edges.
    int checked = 0;
    int refused = 0;
    for (int length : new int[] {1, 7, 8, 9, 17, 1300}) {
      for (int at : new int[] {0, 1, 6, 7, 8, 9, length / 2, length - 2, length - 1}) {
        if (at < 0 || at >= length) {
          continue;
        }
        for (int b = 0; b <= 0xFF; b++) {
          char[] value = "v".repeat(length).toCharArray();
          value[at] = (char) b;
          refused += assertSameVerdict(BEFORE + new String(value) + AFTER) ? 0 : 1;
          checked++;
        }
      }
    }
    assertThat(checked).isGreaterThan(10_000);
    assertThat(refused).as("control characters and DEL at every place are refused").isGreaterThan(1_000);
  }

  @Test
  void aControlCharacterInAHeaderNameIsRefusedAsNettyRefusesIt() {
    for (int b : new int[] {0x00, 0x01, 0x0B, 0x0D, 0x1F, 0x7F}) {
      assertThat(assertSameVerdict("GET / HTTP/1.1\r\nHost: gw\r\nX-N" + (char) b + "ame: v\r\n\r\n")).isFalse();
      assertThat(assertSameVerdict("GET / HTTP/1.1\r\nHost: gw\r\n" + (char) b + "X-Name: v\r\n\r\n")).isFalse();
    }
  }

  @Test
  void aVerdictDoesNotDependOnWhereTheReadsSplitTheHead() {
    String[] heads = {
      BEFORE + "a\tb\u00e9c" + AFTER, // a tab and obs-text: accepted
      BEFORE + "ab\rc" + AFTER, // a CR that no LF follows
      BEFORE + "ab\r\r\n\r\n", // a CR before the line's CR LF
      BEFORE + "abcdefgh\u0000ijk" + AFTER,
      "GET / HTTP/1.1\r\nHost: gw\r\n\rX\r\n\r\n", // a CR at the start of a line that is not the head's end
    };
    for (String head : heads) {
      boolean whole = decodesCleanly(gatewayDecoder(), head);
      for (int split = 1; split < head.length(); split++) {
        assertThat(decodesCleanly(gatewayDecoder(), head.substring(0, split), head.substring(split)))
            .as("%s split at %d", head, split)
            .isEqualTo(whole);
      }
      assertThat(decodesCleanly(gatewayDecoder(), head.split(""))).as("%s byte by byte", head).isEqualTo(whole);
    }
    assertThat(decodesCleanly(gatewayDecoder(), heads[0])).isTrue();
    assertThat(decodesCleanly(gatewayDecoder(), heads[1])).isFalse();
  }

  @Test
  void theRefusalSaysItIsAControlCharacter() {
    List<HttpObject> out = decode(gatewayDecoder(), BEFORE + "a\u0001b" + AFTER);

    assertThat(out).hasSize(1);
    assertThat(out.get(0).decoderResult().cause()).isInstanceOf(RequestHeadDecoder.ControlCharacterException.class);
    assertThat(RequestChecks.decoderProblem(out.get(0)).description())
        .isEqualTo("a header line holds a control character");
  }

  @Test
  void theRequestLineIsLeftToNetty() {
    List<HttpObject> out = decode(gatewayDecoder(), "GET /a\u0001b HTTP/1.1\r\nHost: gw\r\n\r\n");

    assertThat(out.get(0).decoderResult().cause())
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("URI contain illegal characters");
  }

  @Test
  void aResponseHeadGetsNettysVerdictForEveryByteInAValue() {
    int refused = 0;
    for (int length : new int[] {1, 9, 300}) {
      for (int at : new int[] {0, 1, length / 2, length - 1}) {
        if (at >= length) {
          continue;
        }
        for (int b = 0; b <= 0xFF; b++) {
          char[] value = "v".repeat(length).toCharArray();
          value[at] = (char) b;
          refused += assertSameResponseVerdict(RESPONSE_BEFORE + new String(value) + RESPONSE_AFTER) ? 0 : 1;
        }
      }
    }
    assertThat(refused).as("control characters and DEL at every place are refused").isGreaterThan(300);
  }

  @Test
  void aFoldedResponseHeaderIsRefusedWhereNettyWouldJoinIt() {
    String head = "HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 0\r\n\r\n";
    assertThat(decode(new HttpResponseDecoder(), head).get(0).decoderResult().isSuccess()).isTrue();

    List<HttpObject> ours = decode(responseDecoder(), head);

    assertThat(ours).hasSize(1);
    assertThat(ours.get(0).decoderResult().cause())
        .isInstanceOf(UpstreamCodec.InvalidHead.class)
        .hasMessage("obs-fold in a header line");
  }

  @Test
  void everyResponseHeadOnAConnectionIsScannedWhereverTheReadsSplitIt() {
    String first = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    String interim = "HTTP/1.1 100 Continue\r\n\r\n";
    String bad = "HTTP/1.1 200 OK\r\nX-Odd: a\u0001b\r\nContent-Length: 0\r\n\r\n";
    String good = bad.replace('\u0001', '-');
    for (String second : new String[] {interim + bad, interim + good, bad, good}) {
      boolean clean = second.equals(good) || second.equals(interim + good);
      for (int split = 1; split < second.length(); split++) {
        List<HttpObject> out = decode(responseDecoder(), first, second.substring(0, split), second.substring(split));
        assertThat(out.get(0).decoderResult().isSuccess()).isTrue();
        assertThat(out.stream().allMatch(message -> message.decoderResult().isSuccess()))
            .as("%s split at %d", escaped(second), split)
            .isEqualTo(clean);
      }
    }
  }

  private static ChannelHandler responseDecoder() {
    return UpstreamPool.newCodec().handlers()[0];
  }

  /** Whether the gateway's request decoder accepts {@code head}; asserts that Netty's agrees and reads the same. */
  private static boolean assertSameVerdict(String head) {
    return assertSameVerdict(gatewayDecoder(), new HttpRequestDecoder(), head);
  }

  private static boolean assertSameResponseVerdict(String head) {
    return assertSameVerdict(responseDecoder(), new HttpResponseDecoder(), head);
  }

  /** Whether {@code ours} accepts {@code head}; asserts that {@code netty} agrees and reads the same headers. */
  private static boolean assertSameVerdict(ChannelHandler ours, ChannelHandler netty, String head) {
    HttpObject ourHead = decode(ours, head).get(0);
    HttpObject nettyHead = decode(netty, head).get(0);
    boolean accepted = ourHead.decoderResult().isSuccess();
    assertThat(accepted).as(() -> escaped(head)).isEqualTo(nettyHead.decoderResult().isSuccess());
    if (accepted) {
      assertThat(lines(((HttpMessage) ourHead).headers()))
          .as(() -> escaped(head))
          .isEqualTo(lines(((HttpMessage) nettyHead).headers()));
    }
    return accepted;
  }

  private static List<String> lines(HttpHeaders headers) {
    return headers.entries().stream().map(line -> line.getKey() + ": " + line.getValue()).toList();
  }

  private static boolean decodesCleanly(RequestHeadDecoder decoder, String... reads) {
    List<HttpObject> out = decode(decoder, reads);
    return !out.isEmpty() && out.stream().allMatch(message -> message.decoderResult().isSuccess());
  }

  private static RequestHeadDecoder gatewayDecoder() {
    return new RequestHeadDecoder(
        new HttpDecoderConfig().setHeadersFactory(Forwarding.DECODED_HEADERS), Duration.ofSeconds(10));
  }

  private static String escaped(String head) {
    StringBuilder text = new StringBuilder();
    head.chars()
        .forEach(c -> text.append(c < 0x20 || c >= 0x7F ? String.format("\\x%02x", c) : String.valueOf((char) c)));
    return text.toString();
  }
}
