package dev.mfagateway.proxy;

import static dev.mfagateway.proxy.RequestHeadDecoderTest.decode;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The gateway's request decoder, whose header maps do not validate values again ({@link Forwarding#REQUEST_HEADERS}),
 * refuses exactly the header lines that Netty's decoder with its own validation refuses, because {@link HeadScan}
 * found a control character first; and what both accept, both read the same.
 */
class HeadScanTest {
  private static final String BEFORE = "GET /v1/customers HTTP/1.1\r\nHost: gw\r\nX-Value: ";
  private static final String AFTER = "\r\nAccept: */*\r\n\r\n";

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
    assertThat(out.get(0).decoderResult().cause()).isInstanceOfSatisfying(RequestHeadDecoder.ScanRefusal.class,
        refusal -> assertThat(refusal.finding).isEqualTo(HeadScan.Finding.CONTROL_CHARACTER));
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

  /** Whether the gateway's decoder accepts {@code head}; asserts that Netty's agrees and reads the same headers. */
  private static boolean assertSameVerdict(String head) {
    List<HttpObject> ours = decode(gatewayDecoder(), head);
    List<HttpObject> netty = decode(new HttpRequestDecoder(), head);
    boolean accepted = ours.get(0).decoderResult().isSuccess();
    assertThat(accepted).as(() -> escaped(head)).isEqualTo(netty.get(0).decoderResult().isSuccess());
    if (accepted) {
      assertThat(lines((HttpRequest) ours.get(0))).as(() -> escaped(head)).isEqualTo(lines((HttpRequest) netty.get(0)));
    }
    return accepted;
  }

  private static List<String> lines(HttpRequest request) {
    return request.headers().entries().stream().map(line -> line.getKey() + ": " + line.getValue()).toList();
  }

  private static boolean decodesCleanly(RequestHeadDecoder decoder, String... reads) {
    List<HttpObject> out = decode(decoder, reads);
    return !out.isEmpty() && out.stream().allMatch(message -> message.decoderResult().isSuccess());
  }

  private static RequestHeadDecoder gatewayDecoder() {
    return new RequestHeadDecoder(
        new HttpDecoderConfig().setHeadersFactory(Forwarding.REQUEST_HEADERS), Duration.ofSeconds(10));
  }

  private static String escaped(String head) {
    StringBuilder text = new StringBuilder();
    head.chars()
        .forEach(c -> text.append(c < 0x20 || c >= 0x7F ? String.format("\\x%02x", c) : String.valueOf((char) c)));
    return text.toString();
  }
}
