package dev.mfagateway.compliance;

import dev.mfagateway.auth.Decision;
import dev.mfagateway.auth.Reason;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The counts of one report entry (a tenant's app, a tenant's `other` apps, `other` tenants, or the unattributed
 * calls): since the report began, in five-minute buckets for the last hour and in hourly buckets for the last day,
 * and (for apps, when users are hashed) the users calling without MFA. Fixed memory: at most 37 tallies and
 * {@link #MAX_USERS} users. Synchronised: recording holds the lock for a few array increments, never across I/O.
 */
final class Entry {
  static final long FIVE_MINUTES = 5 * 60_000L;
  static final long HOUR = 60 * 60_000L;
  /** Users tracked per app; later users without MFA are summed in {@link #otherUsers}. */
  static final int MAX_USERS = 20;

  private final Tally all;
  private final Buckets lastHour;
  private final Buckets lastDay;
  private final Map<String, long[]> usersWithoutMfa = new HashMap<>();
  private long otherUsers;
  /** Set when the entry was folded into `other` to make room: it takes no more calls, the caller looks up anew. */
  private boolean folded;

  private Entry(Tally template) {
    all = template;
    lastHour = new Buckets(FIVE_MINUTES, 12, template);
    lastDay = new Buckets(HOUR, 24, template);
  }

  static Entry forCalls() {
    return new Entry(Tally.forCalls());
  }

  static Entry forUnattributed() {
    return new Entry(Tally.forUnattributed());
  }

  /** Counts one call; false when this entry was folded away meanwhile (nothing counted: look the entry up again). */
  synchronized boolean addCall(Decision decision, int refusal, long now, String userWithoutMfa) {
    if (folded) {
      return false;
    }
    all.addCall(decision, refusal, now);
    lastHour.atTime(now).addCall(decision, refusal, now);
    lastDay.atTime(now).addCall(decision, refusal, now);
    if (userWithoutMfa != null) {
      long[] count = usersWithoutMfa.get(userWithoutMfa);
      if (count != null) {
        count[0]++;
      } else if (usersWithoutMfa.size() < MAX_USERS) {
        usersWithoutMfa.put(userWithoutMfa, new long[] {1});
      } else {
        otherUsers++;
      }
    }
    return true;
  }

  /** When this entry last counted a call (Long.MIN_VALUE if never). */
  synchronized long lastSeen() {
    return all.lastSeen;
  }

  /** Takes no more calls from now on; returns everything it held, to be merged into `other`. */
  synchronized Snapshot fold() {
    folded = true;
    return snapshot();
  }

  synchronized void addUnattributed(Reason reason, long now) {
    all.addUnattributed(reason, now);
    lastHour.atTime(now).addUnattributed(reason, now);
    lastDay.atTime(now).addUnattributed(reason, now);
  }

  /** A copy of the counts over {@code window}. */
  synchronized Tally sum(Window window, long now) {
    Tally sum = all.emptyCopy();
    switch (window) {
      case ALL -> sum.addAll(all);
      case HOUR -> lastHour.sumInto(sum, now);
      case DAY -> lastDay.sumInto(sum, now);
    }
    return sum;
  }

  /** Calls and non-compliant calls per hour over the last 24 hours, oldest first. */
  synchronized long[][] dayTrend(long now) {
    return lastDay.trend(now);
  }

  /** The users without MFA, most calls first, and how many calls came from users beyond those tracked. */
  synchronized UsersWithoutMfa users(int limit) {
    List<Map.Entry<String, Long>> top = usersWithoutMfa.entrySet().stream()
        .map(e -> Map.entry(e.getKey(), e.getValue()[0]))
        .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
            .thenComparing(Map.Entry.comparingByKey()))
        .toList();
    long rest = otherUsers + top.stream().skip(limit).mapToLong(Map.Entry::getValue).sum();
    return new UsersWithoutMfa(top.stream().limit(limit).toList(), rest);
  }

  record UsersWithoutMfa(List<Map.Entry<String, Long>> top, long otherCalls) {}

  /** Adds what a snapshot holds: an entry restored from the state file, or one folded into `other`. */
  synchronized void merge(Snapshot copy) {
    all.addAll(copy.all);
    copy.hour.forEach((epoch, tally) -> lastHour.atEpochIfCurrent(epoch).addAll(tally));
    copy.day.forEach((epoch, tally) -> lastDay.atEpochIfCurrent(epoch).addAll(tally));
    copy.users.forEach((user, calls) -> {
      long[] count = usersWithoutMfa.get(user);
      if (count != null) {
        count[0] += calls;
      } else if (usersWithoutMfa.size() < MAX_USERS) {
        usersWithoutMfa.put(user, new long[] {calls});
      } else {
        otherUsers += calls;
      }
    });
    otherUsers += copy.otherUsers;
  }

  /** Everything this entry holds, copied, for the state file. */
  synchronized Snapshot snapshot() {
    Map<Long, Tally> hour = new HashMap<>();
    lastHour.forEach((epoch, tally) -> hour.put(epoch, copy(tally)));
    Map<Long, Tally> day = new HashMap<>();
    lastDay.forEach((epoch, tally) -> day.put(epoch, copy(tally)));
    Map<String, Long> users = new HashMap<>();
    usersWithoutMfa.forEach((user, count) -> users.put(user, count[0]));
    return new Snapshot(copy(all), hour, day, users, otherUsers);
  }

  record Snapshot(Tally all, Map<Long, Tally> hour, Map<Long, Tally> day, Map<String, Long> users, long otherUsers) {}

  private static Tally copy(Tally tally) {
    Tally copy = tally.emptyCopy();
    copy.addAll(tally);
    return copy;
  }
}
