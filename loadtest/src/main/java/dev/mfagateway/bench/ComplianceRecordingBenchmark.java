package dev.mfagateway.bench;

import dev.mfagateway.auth.CallKind;
import dev.mfagateway.auth.Decision;
import dev.mfagateway.auth.Reason;
import dev.mfagateway.auth.TokenIdentity;
import dev.mfagateway.compliance.ComplianceReport;
import dev.mfagateway.compliance.UserHasher;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the compliance report costs one request: recording its decision into a report that already holds 20 tenants
 * of 20 apps each (the lookups of a warm report), for the common call (an allowed MFA user call), a refused call without
 * MFA with per-user hashing on (the most expensive path: HMAC of the oid), and an unattributed refusal; and the common
 * call from two threads on one app (the two event loops of a 2-core machine contending for one entry's lock). Compare
 * with the gateway's CPU time per request (GatewayUnderLoad + wrk, or loadtest/compare.sh) for the share.
 *
 * <pre>
 * ./mvnw -B -Pbench -pl loadtest -am package -DskipTests
 * java -jar loadtest/target/benchmarks.jar ComplianceRecordingBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ComplianceRecordingBenchmark {
  private static final int TENANTS = 20;
  private static final int APPS = 20;

  private ComplianceReport report;
  private Decision allowedMfa;
  private Decision deniedWithoutMfa;
  private Decision unattributed;

  @Setup
  public void fill() {
    report = new ComplianceReport(100, UserHasher.withSalt(new byte[32]), Clock.systemUTC());
    String tenant = null;
    String app = null;
    for (int t = 0; t < TENANTS; t++) {
      tenant = UUID.nameUUIDFromBytes(("tenant" + t).getBytes()).toString();
      for (int a = 0; a < APPS; a++) {
        app = UUID.nameUUIDFromBytes(("app" + a).getBytes()).toString();
        report.record(Decision.allow(new TokenIdentity(tenant, app, "user"), CallKind.USER_MFA));
      }
    }
    TokenIdentity caller = new TokenIdentity(tenant, app, UUID.randomUUID().toString());
    allowedMfa = Decision.allow(caller, CallKind.USER_MFA);
    deniedWithoutMfa = Decision.deny(Reason.MFA_REQUIRED, "no MFA", caller).attributedAs(CallKind.USER_NO_MFA);
    unattributed = Decision.deny(Reason.BAD_SIGNATURE, "bad signature");
  }

  @Benchmark
  public ComplianceReport allowedMfaCall() {
    report.record(allowedMfa);
    return report;
  }

  @Benchmark
  public ComplianceReport refusedCallWithoutMfaHashingTheUser() {
    report.record(deniedWithoutMfa);
    return report;
  }

  @Benchmark
  public ComplianceReport unattributedRefusal() {
    report.record(unattributed);
    return report;
  }

  @Benchmark
  @Threads(2)
  public ComplianceReport allowedMfaCallTwoThreadsOneApp() {
    report.record(allowedMfa);
    return report;
  }

  /** The same request recording nothing. */
  @Benchmark
  public ComplianceReport nothing() {
    return report;
  }
}
