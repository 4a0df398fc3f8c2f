package dev.mfagateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bearer extraction (RFC 6750 §2.1, SECURITY-NOTES §2.5) and the strict JWS shape that follows it. */
class BearerTokenTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "Bearer a.b.c          | /           | a.b.c",
      "bearer   a.b.c        | /x?y=1      | a.b.c",
      "BEARER a.b.c          | /x?access_tokenx=1 | a.b.c",
      "Bearer a.b.c          | /x?a=1#access_token=2 | a.b.c",
  })
  void extractsTheToken(String header, String target, String token) {
    BearerToken.Extraction extraction = BearerToken.extract(List.of(header), target, null);
    assertThat(extraction.refusal()).isNull();
    assertThat(extraction.headerValue().substring(extraction.tokenStart())).isEqualTo(token);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "Bearer a.b.c | /x?access_token=a.b.c      | MALFORMED_REQUEST",
      "Bearer a.b.c | /x?y=1&access_token        | MALFORMED_REQUEST",
      "Bearer a.b.c | /x?y=1&access_token=&z=2   | MALFORMED_REQUEST",
      "Bearer       | /                          | MALFORMED_REQUEST",
      "Bearer a b   | /                          | MALFORMED_REQUEST",
      "Token a.b.c  | /                          | MALFORMED_REQUEST",
      "Bearera.b.c  | /                          | MALFORMED_REQUEST",
  })
  void refuses(String header, String target, Reason reason) {
    assertThat(BearerToken.extract(List.of(header), target, null).refusal().reason()).isEqualTo(reason);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "a.b.c            | true",
      "eyJ-_.x_Y-.Z09az | true",
      "a.b.c=           | false",
      "a.b+.c           | false",
      "a.b/.c           | false",
      "a..c             | false",
      ".b.c             | false",
      "a.b.             | false",
      "a.b.c.d          | false",
      "a.b              | false",
      "a.b.c~           | false",
  })
  void checksTheStrictJwsShape(String token, boolean compact) {
    assertThat(JwsShape.isCompactJws(token)).isEqualTo(compact);
    assertThat(JwsShape.isCompactJws("Bearer " + token, 7)).isEqualTo(compact);
  }

  /** The eight-at-a-time check agrees with the regex it implements, on every length and at every position. */
  @Test
  void agreesWithTheRegexOnRandomText() {
    Pattern shape = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
    // Letters, digits and dots mostly, so that many samples are compact; every neighbour of a range bound; Latin-1,
    // and characters beyond it whose low byte is a letter ('Ł' is U+0141).
    String alphabet = "aZ09-_....../:@[`{~+= \t\u0000\u007f\u0080\u00ff\u0141\u2e2e";
    Random random = new Random(42);
    int compact = 0;
    for (int sample = 0; sample < 200_000; sample++) {
      StringBuilder token = new StringBuilder();
      int length = random.nextInt(40);
      for (int i = 0; i < length; i++) {
        token.append(random.nextInt(4) == 0 ? alphabet.charAt(random.nextInt(alphabet.length())) : "aZ09._-".charAt(random.nextInt(7)));
      }
      boolean expected = shape.matcher(token).matches();
      compact += expected ? 1 : 0;
      assertThat(JwsShape.isCompactJws(token.toString())).as(token.toString()).isEqualTo(expected);
      assertThat(JwsShape.isCompactJws("Bearer " + token, 7)).as(token.toString()).isEqualTo(expected);
    }
    assertThat(compact).as("samples of the right shape").isGreaterThan(1_000);
  }

  @Test
  void onlyTheExactValueProvenLastSkipsTheShapeScan() {
    String proven = "Bearer aaa.bbb.ccc";
    assertThat(BearerToken.extract(List.of(proven), "/", proven).compactJws()).isTrue();
    // Malleable variants of the proven value are scanned like any other and are not compact JWS.
    for (String variant : List.of(proven + "==", proven + "+", "Bearer aaa.bbb.cc/", "Bearer  aaa.bbb.ccc ")) {
      BearerToken.Extraction extraction = BearerToken.extract(List.of(variant), "/", proven);
      assertThat(extraction.refusal() != null || !extraction.compactJws()).as(variant).isTrue();
    }
    // The proven value does not excuse a token also sent in the query string.
    assertThat(BearerToken.extract(List.of(proven), "/x?access_token=aaa.bbb.ccc", proven).refusal().reason())
        .isEqualTo(Reason.MALFORMED_REQUEST);
  }
}
