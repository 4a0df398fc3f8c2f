package dev.mfagateway.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Claim sets and JSON values the fuzz targets build from fuzzer data, around the ones a real token carries. */
final class Tokens {
  private static final String[] CLAIMS = {
    "aud", "iss", "iat", "nbf", "exp", "amr", "appid", "azp", "idtyp", "oid", "scp", "tid", "ver", "typ", "sub"
  };
  private static final String[] STRINGS = {
    "", " ", "mfa", "MFA", "pwd", "app", "user", "user_impersonation", TestIssuer.TENANT,
    TestIssuer.TENANT.toUpperCase(), TestIssuer.AUDIENCE, TestIssuer.AUDIENCE + "/", TestIssuer.APP_ID,
    TestConfigs.CPV_APP_ID, TestConfigs.CPV_APP_ID.toUpperCase(), "https://sts.windows.net/" + TestIssuer.TENANT + "/",
    "https://login.microsoftonline.com/" + TestIssuer.TENANT + "/v2.0", "https://sts.windows.net/{tenantid}/",
    "00000000-0000-0000-0000-000000000000", "1.0", "2.0", "null"
  };

  private Tokens() {}

  /** A user or app-only claim set valid at {@code now}, then up to eight claims removed or replaced by fuzzed values. */
  static Map<String, Object> claims(FuzzedDataProvider data, Instant now) {
    Map<String, Object> claims = data.consumeBoolean()
        ? TestIssuer.userClaims(now)
        : TestIssuer.appOnlyClaims(now, data.consumeBoolean() ? TestIssuer.APP_ID : TestConfigs.CPV_APP_ID);
    int changes = data.consumeInt(0, 8);
    for (int i = 0; i < changes; i++) {
      String name = data.consumeBoolean() ? data.pickValue(CLAIMS) : data.consumeString(8);
      if (data.consumeInt(0, 5) == 0) {
        claims.remove(name);
      } else {
        claims.put(name, value(data, now, 2));
      }
    }
    return claims;
  }

  /** A JSON value of any type: times near {@code now}, interesting strings, arrays and objects up to {@code depth}. */
  static Object value(FuzzedDataProvider data, Instant now, int depth) {
    switch (data.consumeInt(0, depth > 0 ? 9 : 7)) {
      case 0: return null;
      case 1: return data.consumeBoolean();
      case 2: return now.getEpochSecond() + data.consumeLong(-100_000, 100_000);
      case 3: return data.consumeLong();
      case 4: return data.consumeRegularDouble();
      case 5: return data.pickValue(STRINGS);
      case 6: return data.consumeString(40);
      case 7: return (double) now.getEpochSecond() + data.consumeInt(-100, 100) + data.consumeProbabilityDouble();
      case 8: {
        List<Object> list = new ArrayList<>();
        int size = data.consumeInt(0, 4);
        for (int i = 0; i < size; i++) {
          list.add(value(data, now, depth - 1));
        }
        return list;
      }
      default: {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put(data.consumeString(8), value(data, now, depth - 1));
        return object;
      }
    }
  }

  static String json(Map<String, Object> object) {
    return JSONObjectUtils.toJSONString(object);
  }
}
