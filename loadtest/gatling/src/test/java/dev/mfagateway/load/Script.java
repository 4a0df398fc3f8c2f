package dev.mfagateway.load;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One automation script: its kind and its own tokens (distinct app and object ids), one per API it calls, since an
 * Entra token names one audience.
 */
public record Script(String name, ScriptKind kind, Map<LoadRoute, String> tokens) {
  public static final String NAME = "script";
  public static final String KIND = "kind";

  /**
   * The script as a Gatling feeder record: its name and kind, and per route its token, the status it should get and
   * who should answer ({@link LoadRoute#key}).
   */
  public Map<String, Object> feederRecord() {
    Map<String, Object> record = new LinkedHashMap<>();
    record.put(NAME, name);
    record.put(KIND, kind.label());
    tokens.forEach((route, token) -> {
      Outcome expected = route.expected(kind);
      record.put(route.key("token"), token);
      record.put(route.key("status"), expected.status());
      record.put(route.key("answer"), expected.answer());
    });
    return record;
  }
}
