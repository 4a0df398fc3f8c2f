package dev.mfagateway.auth;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The claims the verdict reads, from a token's payload, by Jackson's streaming parser. The payload must be exactly one
 * JSON object (strict JSON, nothing after it). The claims in {@link #READ} come with their JSON values (an object as a
 * map, an array as a list, a number as a Java number); every other member is skipped without being decoded, which
 * matters for Entra's tokens of twenty-odd claims. A claim the verdict reads may appear only once (RFC 7519 §4 allows
 * refusing duplicates); the members it does not read cannot change a verdict.
 */
final class ClaimsJson {
  static final Set<String> READ =
      Set.of("exp", "nbf", "iat", "tid", "iss", "aud", "appid", "azp", "idtyp", "scp", "amr", "oid");

  private static final JsonFactory JSON = new JsonFactory();

  private ClaimsJson() {}

  /** The claims the verdict reads, or null when the payload is not one JSON object or repeats one of them. */
  static Map<String, Object> read(ByteBuffer payload) {
    try (JsonParser parser =
        JSON.createParser(payload.array(), payload.arrayOffset() + payload.position(), payload.remaining())) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      Map<String, Object> claims = new HashMap<>();
      for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
        JsonToken token = parser.nextToken();
        if (!READ.contains(name)) {
          parser.skipChildren();
        } else if (claims.containsKey(name)) {
          return null;
        } else {
          claims.put(name, value(parser, token));
        }
      }
      return parser.nextToken() == null ? claims : null;
    } catch (IOException notJson) {
      return null;
    }
  }

  private static Object value(JsonParser parser, JsonToken token) throws IOException {
    switch (token) {
      case START_OBJECT -> {
        Map<String, Object> object = new LinkedHashMap<>();
        for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
          object.put(name, value(parser, parser.nextToken()));
        }
        return object;
      }
      case START_ARRAY -> {
        List<Object> array = new ArrayList<>();
        for (JsonToken element = parser.nextToken(); element != JsonToken.END_ARRAY; element = parser.nextToken()) {
          array.add(value(parser, element));
        }
        return array;
      }
      case VALUE_STRING -> {
        return parser.getText();
      }
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
        return parser.getNumberValue();
      }
      case VALUE_TRUE, VALUE_FALSE -> {
        return parser.getBooleanValue();
      }
      case VALUE_NULL -> {
        return null;
      }
      default -> throw new IOException("unexpected JSON token " + token);
    }
  }
}
