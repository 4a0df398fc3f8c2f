package dev.mfagateway.load;

import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/** How many scripts of each kind call through the gateway; mints their tokens. */
public record ScriptPopulation(int mfaUsers, int usersWithoutMfa, int appOnly, int cpvAppOnly) {

  public int size() {
    return mfaUsers + usersWithoutMfa + appOnly + cpvAppOnly;
  }

  /**
   * One {@link Script} per member, each with its own app id and object id and one token per route (valid for an hour
   * from {@code now}), in a fixed shuffled order so that kinds interleave when a feeder cycles through them.
   */
  public List<Script> mint(TestIssuer issuer, Instant now) {
    List<Script> scripts = new ArrayList<>();
    addScripts(scripts, issuer, now, ScriptKind.MFA_USER, mfaUsers);
    addScripts(scripts, issuer, now, ScriptKind.USER_WITHOUT_MFA, usersWithoutMfa);
    addScripts(scripts, issuer, now, ScriptKind.APP_ONLY, appOnly);
    addScripts(scripts, issuer, now, ScriptKind.CPV_APP_ONLY, cpvAppOnly);
    Collections.shuffle(scripts, new Random(42));
    return scripts;
  }

  private static void addScripts(List<Script> scripts, TestIssuer issuer, Instant now, ScriptKind kind, int count) {
    for (int i = 1; i <= count; i++) {
      String name = kind.label() + "-" + i;
      Map<LoadRoute, String> tokens = new EnumMap<>(LoadRoute.class);
      for (LoadRoute route : LoadRoute.values()) {
        Map<String, Object> claims = claims(kind, name, now);
        claims.put("aud", route.audience());
        tokens.put(route, issuer.mint(claims));
      }
      scripts.add(new Script(name, kind, tokens));
    }
  }

  private static Map<String, Object> claims(ScriptKind kind, String name, Instant now) {
    String appId = kind == ScriptKind.CPV_APP_ONLY ? TestConfigs.CPV_APP_ID : id("app:" + name);
    Map<String, Object> claims = switch (kind) {
      case MFA_USER, USER_WITHOUT_MFA -> TestIssuer.userClaims(now);
      case APP_ONLY, CPV_APP_ONLY -> TestIssuer.appOnlyClaims(now, appId);
    };
    claims.put("appid", appId);
    claims.put("oid", id("object:" + name));
    if (kind == ScriptKind.USER_WITHOUT_MFA) {
      claims.put("amr", List.of("pwd"));
    }
    return claims;
  }

  private static String id(String seed) {
    return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString();
  }
}
