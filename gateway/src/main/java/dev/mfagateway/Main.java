package dev.mfagateway;

/** Commands: serve | check-token | demo (SPEC §2). */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.err.println("being written");
    System.exit(2);
  }
}
