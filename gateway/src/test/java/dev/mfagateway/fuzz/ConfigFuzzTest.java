package dev.mfagateway.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.mfagateway.config.ConfigLoader;
import dev.mfagateway.config.GatewayConfig;
import dev.mfagateway.config.InvalidConfigException;

/**
 * Arbitrary configuration text: {@link ConfigLoader#fromString} either returns a configuration with at least one route
 * or throws {@link InvalidConfigException} with at least one non-blank problem line; nothing else escapes. Text with
 * an `include` is skipped: HOCON would read the file or URL it names, which is the operator's to choose, and would take
 * the fuzzer off this machine.
 */
class ConfigFuzzTest {

  @FuzzTest(maxDuration = "2m")
  void configurationText(FuzzedDataProvider data) {
    String text = data.consumeRemainingAsString();
    if (text.toLowerCase(java.util.Locale.ROOT).contains("include")) {
      return;
    }
    GatewayConfig config;
    try {
      config = ConfigLoader.fromString(text);
    } catch (InvalidConfigException invalid) {
      assertThat(invalid.problems()).isNotEmpty().allSatisfy(line -> assertThat(line).isNotBlank());
      return;
    }
    assertThat(config.routes()).isNotEmpty();
  }
}
