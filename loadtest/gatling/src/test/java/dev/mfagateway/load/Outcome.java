package dev.mfagateway.load;

/**
 * What a request should get: the status and who answered, which is the stand-in upstream ({@link #FORWARDED}) or the
 * gateway with a refusal reason (SPEC §8).
 */
public record Outcome(int status, String answer) {
  /** Forwarded: the stand-in upstream's 200 and its marker. */
  public static final Outcome FORWARDED = new Outcome(200, StandInUpstream.MARKER);

  public static Outcome refused(int status, String reason) {
    return new Outcome(status, reason);
  }
}
