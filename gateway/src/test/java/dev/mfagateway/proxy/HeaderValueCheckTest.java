package dev.mfagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.netty.handler.codec.DefaultHeaders.ValueValidator;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link HeaderValueCheck} gives Netty's verdict, and Netty's message, for every value. */
class HeaderValueCheckTest {
  private static final ValueValidator<CharSequence> NETTY =
      DefaultHttpHeadersFactory.headersFactory().getValueValidator();

  @Test
  void everyCharacterUpTo0x1FFAtEveryKindOfPlaceGetsNettysVerdict() {
    // Lengths below the quick pass, at its start, with a tail after the last word, and across two scratch chunks.
    int[] lengths = {1, 15, 16, 31, 40, 4096, 4097, 9000};
    int checked = 0;
    for (int length : lengths) {
      for (int at : new int[] {0, 1, 7, 8, length / 2, length - 9, length - 8, length - 1, 4095, 4096, 4100}) {
        if (at < 0 || at >= length) {
          continue;
        }
        for (char c = 0; c <= 0x1FF; c++) {
          StringBuilder value = new StringBuilder("v".repeat(length));
          value.setCharAt(at, c);
          assertSameVerdict(value.toString());
          checked++;
        }
      }
    }
    assertThat(checked).isGreaterThan(25_000);
  }

  @Test
  void randomValuesGetNettysVerdict() {
    SplittableRandom random = new SplittableRandom(20261204);
    int refused = 0;
    for (int i = 0; i < 20_000; i++) {
      char[] value = new char[1 + random.nextInt(200)];
      for (int j = 0; j < value.length; j++) {
        // mostly printable, now and then a tab, a control character, DEL, obs-text or a character above 0xFF
        value[j] = random.nextInt(60) != 0 ? (char) (0x21 + random.nextInt(0x5E)) : (char) random.nextInt(0x180);
      }
      refused += assertSameVerdict(new String(value)) ? 1 : 0;
    }
    assertThat(refused).as("the random values include refused ones").isBetween(1_000, 19_000);
  }

  @Test
  void aLongBearerTokenPassesTheQuickPassAndOneWithDelDoesNot() {
    String token = "Bearer eyJ" + "abcdefghijklmnopqrstuvwxyz0123456789-_.".repeat(30);

    assertThat(HeaderValueCheck.clearlyValid(token)).isTrue();
    assertThat(HeaderValueCheck.clearlyValid(token + "\u007f")).isFalse();
    assertThat(HeaderValueCheck.clearlyValid(token + "\tx")).as("a tab is for Netty to judge").isFalse();
    assertThat(HeaderValueCheck.clearlyValid(" " + token)).isFalse();
    assertThatThrownBy(() -> HeaderValueCheck.INSTANCE.validate(token.replace('J', '\u0001')))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a header value contains prohibited character 0x1 at index 9.");
  }

  /** Returns whether the value was refused. */
  private static boolean assertSameVerdict(String value) {
    Throwable netty = catchThrowable(() -> NETTY.validate(value));
    Throwable ours = catchThrowable(() -> HeaderValueCheck.INSTANCE.validate(value));
    if (netty == null) {
      assertThat(ours).as("value %s", printable(value)).isNull();
      return false;
    }
    assertThat(ours).as("value %s", printable(value)).isNotNull().hasMessage(netty.getMessage());
    return true;
  }

  private static String printable(String value) {
    StringBuilder out = new StringBuilder();
    value.chars()
        .forEach(c -> out.append(c >= 0x21 && c < 0x7F ? String.valueOf((char) c) : String.format("\\u%04x", c)));
    return out.length() > 80 ? out.substring(0, 80) + "..." : out.toString();
  }
}
