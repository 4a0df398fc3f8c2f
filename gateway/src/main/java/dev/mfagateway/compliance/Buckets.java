package dev.mfagateway.compliance;

/**
 * A ring of fixed time buckets (e.g. twelve of five minutes for the last hour): a call is added to the bucket of its
 * time, a bucket left over from an earlier turn of the ring is emptied when reused. Memory is fixed whatever the
 * traffic; a bucket is allocated on its first call. Not thread-safe: the owner synchronises.
 */
final class Buckets {
  private final long widthMillis;
  private final Tally[] tallies;
  private final long[] epochs;
  private final Tally template;

  Buckets(long widthMillis, int count, Tally template) {
    this.widthMillis = widthMillis;
    this.tallies = new Tally[count];
    this.epochs = new long[count];
    this.template = template;
  }

  /** The bucket that {@code nowMillis} falls in, emptied first if it still holds an older span. */
  Tally atTime(long nowMillis) {
    return atEpoch(nowMillis / widthMillis);
  }

  /** The bucket numbered {@code epoch} (time / width), emptied first if it still holds an older span. */
  Tally atEpoch(long epoch) {
    int i = (int) Math.floorMod(epoch, (long) tallies.length);
    if (tallies[i] == null) {
      tallies[i] = template.emptyCopy();
    } else if (epochs[i] != epoch) {
      tallies[i].clear();
    }
    epochs[i] = epoch;
    return tallies[i];
  }

  /**
   * The bucket numbered {@code epoch} for merging old counts in: a slot already holding a later span keeps it, and the
   * old counts go to a throwaway tally.
   */
  Tally atEpochIfCurrent(long epoch) {
    int i = (int) Math.floorMod(epoch, (long) tallies.length);
    if (tallies[i] != null && epochs[i] > epoch) {
      return template.emptyCopy();
    }
    return atEpoch(epoch);
  }

  /** Adds the buckets of the window that ends with the bucket of {@code nowMillis} to {@code into}. */
  void sumInto(Tally into, long nowMillis) {
    long current = nowMillis / widthMillis;
    for (int i = 0; i < tallies.length; i++) {
      if (tallies[i] != null && inWindow(epochs[i], current)) {
        into.addAll(tallies[i]);
      }
    }
  }

  /** Calls and non-compliant calls per bucket, oldest first, the current bucket last. */
  long[][] trend(long nowMillis) {
    long current = nowMillis / widthMillis;
    long[][] trend = new long[2][tallies.length];
    for (int i = 0; i < tallies.length; i++) {
      if (tallies[i] != null && inWindow(epochs[i], current)) {
        int position = (int) (tallies.length - 1 - (current - epochs[i]));
        trend[0][position] = tallies[i].calls();
        trend[1][position] = tallies[i].nonCompliant();
      }
    }
    return trend;
  }

  private boolean inWindow(long epoch, long current) {
    return epoch <= current && epoch > current - tallies.length;
  }

  long widthMillis() {
    return widthMillis;
  }

  int count() {
    return tallies.length;
  }

  /** Visits the live buckets (for the state file). */
  void forEach(BucketVisitor visitor) {
    for (int i = 0; i < tallies.length; i++) {
      if (tallies[i] != null) {
        visitor.visit(epochs[i], tallies[i]);
      }
    }
  }

  interface BucketVisitor {
    void visit(long epoch, Tally tally);
  }
}
