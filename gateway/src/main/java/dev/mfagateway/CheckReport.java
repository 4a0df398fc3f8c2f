package dev.mfagateway;

import dev.mfagateway.auth.Decision;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

/**
 * The report of `check-token`: one line per check of SPEC §8, in its order ({@link #CHECKS}). The verdict stops at the
 * first failure, and so does the report: the checks after it print as `not checked`, so that the first FAIL line always
 * names the verdict's reason.
 */
final class CheckReport {
  /** The checks on the token itself, in SPEC §8's order (HTTP shape and bearer extraction concern the request). */
  static final List<String> CHECKS = List.of("token", "algorithm", "key", "signature", "claims", "lifetime", "issuer",
      "audience", "tenant", "token kind", "MFA");
  static final String NOT_CHECKED = "not checked";

  private final PrintStream out;
  private int next;
  private String failed;

  CheckReport(PrintStream out) {
    this.out = out;
  }

  /** A line that is not a check, such as the route or the verdict. */
  void line(String name, String status, String detail) {
    out.printf("%-11s %-11s %s%n", name, status, detail).flush();
  }

  void pass(String check, String detail) {
    line(advanceTo(check), "ok", detail);
  }

  /** A check left out on purpose (`--offline`, a `claims-only` route). */
  void skip(String check, String why) {
    line(advanceTo(check), "skip", NOT_CHECKED + " (" + why + ")");
  }

  /** The failure that decides the verdict; {@code context} (may be empty) says what the token holds. */
  void fail(String check, Decision refusal, String context) {
    line(advanceTo(check), "FAIL", refusal.reason().wireName() + ": " + refusal.description()
        + (context.isEmpty() ? "" : " (" + context + ")"));
    failed = check;
  }

  /** Passes or fails {@code check}; true when it passed. */
  boolean check(String check, Optional<Decision> refusal, String detail, String context) {
    if (refusal.isPresent()) {
      fail(check, refusal.get(), context);
      return false;
    }
    pass(check, detail);
    return true;
  }

  /** Prints the checks after the failed one as `not checked`. */
  void finish() {
    while (failed != null && next < CHECKS.size()) {
      line(CHECKS.get(next++), NOT_CHECKED, "(" + failed + " failed)");
    }
  }

  private String advanceTo(String check) {
    if (failed != null || next >= CHECKS.size() || !CHECKS.get(next).equals(check)) {
      throw new IllegalStateException("check '" + check + "' out of SPEC §8's order");
    }
    next++;
    return check;
  }
}
