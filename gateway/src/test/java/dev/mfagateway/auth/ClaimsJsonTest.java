package dev.mfagateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The claims the verdict reads, and the payloads that are not one JSON object. */
class ClaimsJsonTest {

  private static Map<String, Object> read(String json) {
    return ClaimsJson.read(ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void readsTheClaimsTheVerdictUsesWithTheirJsonValues() {
    Map<String, Object> claims = read("{\"exp\":1795626987,\"nbf\":1.5,\"tid\":\"t\",\"aud\":[\"a\",\"b\"],"
        + "\"amr\":{\"m\":[1,null,true]},\"scp\":null,\"name\":\"skipped\",\"xms\":{\"deep\":[[{\"x\":1}]]}}");
    assertThat(claims).containsOnlyKeys("exp", "nbf", "tid", "aud", "amr", "scp");
    assertThat(claims.get("exp")).isEqualTo(1795626987);
    assertThat(claims.get("nbf")).isEqualTo(1.5);
    assertThat(claims.get("aud")).isEqualTo(List.of("a", "b"));
    assertThat(claims.get("amr")).isEqualTo(Map.of("m", Arrays.asList(1, null, true)));
    assertThat(claims).containsEntry("scp", null);
  }

  @Test
  void aRepeatedClaimItDoesNotReadIsNoMatter() {
    assertThat(read("{\"name\":1,\"name\":2,\"tid\":\"t\"}")).containsOnlyKeys("tid");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"tid\":\"a\",\"tid\":\"b\"}",
      "{\"exp\":1,\"nbf\":2,\"exp\":1}",
      "{\"tid\":\"t\"} {\"tid\":\"u\"}",
      "{\"tid\":\"t\"}x",
      "[{\"tid\":\"t\"}]",
      "\"tid\"",
      "null",
      "",
      "{\"tid\":\"t\"",
      "{\"tid\":\"t\",}",
      "{'tid':'t'}",
      "{\"tid\":NaN}",
      "{\"tid\":\"t\" /* comment */}",
  })
  void refusesWhatIsNotOneJsonObjectWithEachReadClaimOnce(String payload) {
    assertThat(read(payload)).isNull();
  }

  @Test
  void refusesInvalidUtf8InAClaimItReads() {
    byte[] payload = "{\"tid\":\"t?\"}".getBytes(StandardCharsets.US_ASCII);
    payload[9] = (byte) 0xC3; // a lead byte followed by a quote, not a continuation byte
    assertThat(ClaimsJson.read(ByteBuffer.wrap(payload))).isNull();
  }
}
