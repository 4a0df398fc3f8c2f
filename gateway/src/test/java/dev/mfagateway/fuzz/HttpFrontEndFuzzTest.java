package dev.mfagateway.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.mfagateway.auth.Authenticator;
import dev.mfagateway.auth.CryptoProviders;
import dev.mfagateway.auth.SigningKeys;
import dev.mfagateway.auth.ValidationRecorder;
import dev.mfagateway.auth.VerifiedTokens;
import dev.mfagateway.config.AuthConfig;
import dev.mfagateway.proxy.EmbeddedFrontEnd;
import dev.mfagateway.proxy.EmbeddedFrontEnd.Connection;
import dev.mfagateway.proxy.EmbeddedFrontEnd.Decoded;
import dev.mfagateway.proxy.EmbeddedFrontEnd.StandIn;
import dev.mfagateway.testing.MutableClock;
import dev.mfagateway.testing.StrictHttp;
import dev.mfagateway.testing.TestConfigs;
import dev.mfagateway.testing.TestIssuer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The HTTP front end on raw bytes: the gateway's real client pipeline ({@link EmbeddedFrontEnd}) reads arbitrary bytes,
 * cut into reads at fuzzer-chosen points, with upstream connections that record what is forwarded and answer `200`.
 * Invariants: nothing is thrown or logged as a failure; what the client gets is a sequence of well-formed responses, in
 * request order, at most one per request; each request forwarded went out as exactly one request that a strict parser
 * ({@link StrictHttp}) accepts, with the client's method and target, on a connection of its own, and its answer
 * reached the client; a connection holding part of a request is closed, never reused; no request after one the
 * decoder flagged is forwarded, and the flagged one never whole; nothing is forwarded after the client connection
 * closed; while the connection is open, every complete request is answered.
 *
 * <p>Input layout (so that seeds are readable HTTP): the last byte is the number of cuts (0–7), the two bytes before
 * each cut its position, the byte before those two flags (stand-ins answer as soon as a head arrives; the client
 * half-closes at the end); the rest is the bytes sent, where `$TOKEN` becomes a valid MFA token and `$LONG` 9000 `a`.
 */
class HttpFrontEndFuzzTest {
  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  private static final byte[] TOKEN_MARK = "$TOKEN".getBytes(StandardCharsets.ISO_8859_1);
  private static final byte[] LONG_MARK = "$LONG".getBytes(StandardCharsets.ISO_8859_1);
  private static final byte[] LONG = "a".repeat(9000).getBytes(StandardCharsets.ISO_8859_1);

  private static TestIssuer issuer;
  private static SigningKeys keys;
  private static EmbeddedFrontEnd frontEnd;
  private static byte[] token;
  private static LoggedProblems logged;

  @BeforeAll
  static void start() throws Exception {
    issuer = TestIssuer.start();
    AuthConfig config = TestConfigs.auth(issuer.jwksUri());
    MutableClock clock = new MutableClock(NOW);
    keys = new SigningKeys(config, clock);
    keys.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
    // The one on-demand refresh an unknown kid may start (the clock stands still): done now, so every verdict is
    // reached at once on the test thread.
    keys.find("no-such-kid").toCompletableFuture().get(10, TimeUnit.SECONDS);
    Authenticator authenticator = new Authenticator(config, keys, new VerifiedTokens(0, keys, clock),
        CryptoProviders.select(), clock, ValidationRecorder.NONE);
    frontEnd = new EmbeddedFrontEnd(issuer.jwksUri(), authenticator);
    token = issuer.mint(TestIssuer.userClaims(NOW)).getBytes(StandardCharsets.ISO_8859_1);
    logged = new LoggedProblems(Class.forName("dev.mfagateway.proxy.FrontendHandler"));
  }

  @AfterAll
  static void stop() {
    logged.close();
    keys.close();
    issuer.close();
  }

  @FuzzTest(maxDuration = "2m")
  void rawRequests(FuzzedDataProvider data) {
    JwksConnections.allow(issuer.jwksUri().getPort());
    int[] cuts = new int[data.consumeInt(0, 7)];
    for (int i = 0; i < cuts.length; i++) {
      cuts[i] = data.consumeInt(0, 0xFFFF);
    }
    int flags = data.consumeInt(0, 3);
    boolean earlyAnswers = (flags & 1) != 0;
    byte[] raw = replace(replace(data.consumeRemainingAsBytes(), TOKEN_MARK, token), LONG_MARK, LONG);

    logged.take();
    Connection connection = frontEnd.connect(earlyAnswers);
    for (byte[] read : split(raw, cuts)) {
      if (!connection.open()) {
        break;
      }
      connection.write(read);
    }
    if ((flags & 2) != 0 && connection.open()) {
      connection.halfClose();
    }
    boolean openAtEnd = connection.open();
    connection.close();

    assertThat(logged.take()).as("failures logged").isEmpty();
    check(connection, earlyAnswers, openAtEnd);
  }

  private static void check(Connection connection, boolean earlyAnswers, boolean openAtEnd) {
    List<Decoded> heads = connection.decoded().stream().filter(Decoded::head).toList();
    List<StrictHttp.Message> answers = answers(connection.sent(), heads);
    assertThat(answers.size()).as("answers, for %d requests", heads.size()).isLessThanOrEqualTo(heads.size());

    List<StandIn> standIns = connection.standIns();
    Set<Integer> answeredBy = new HashSet<>();
    for (int i = 0; i < answers.size(); i++) {
      StrictHttp.Message answer = answers.get(i);
      assertThat(answer.status()).as("answer %d", i).isNotIn(502, 503, 504);
      String standIn = answer.value(EmbeddedFrontEnd.STAND_IN);
      if (standIn == null) {
        continue;
      }
      Decoded head = heads.get(i);
      StandIn upstream = standIns.get(Integer.parseInt(standIn));
      assertThat(answeredBy.add(upstream.number)).as("upstream connection %s answered twice", standIn).isTrue();
      assertThat(head.failed()).as("a request the decoder flagged was forwarded").isFalse();
      StrictHttp.Message forwarded = forwarded(upstream);
      assertThat(forwarded.method()).isEqualTo(head.method());
      assertThat(forwarded.target()).isEqualTo(head.target());
    }

    int broken = firstBrokenRequest(connection.decoded());
    long closed = connection.closedAt();
    for (StandIn upstream : standIns) {
      StrictHttp.Message forwarded = forwarded(upstream);
      // Requests are served one at a time: when a connection is taken, every earlier request has had its answer.
      int request = (int) answers.stream().filter(answer -> answer.end() <= upstream.sentBefore).count();
      assertThat(request).as("forwarded after a framing error").isLessThanOrEqualTo(broken);
      assertThat(forwarded.method()).isEqualTo(heads.get(request).method());
      if (request == broken) {
        assertThat(forwarded.complete()).as("a request with a framing error forwarded whole").isFalse();
      }
      if (forwarded.complete()) {
        assertThat(upstream.received().length).as("bytes after the forwarded request").isEqualTo(forwarded.end());
        assertThat(upstream.answered).as("a complete request with no answer:\n%s\nclient got:\n%s",
            text(upstream.received()), text(connection.sent())).isTrue();
      } else {
        assertThat(upstream.released).as("a connection holding part of a request was reused").isFalse();
      }
      if (upstream.answered) {
        assertThat(answeredBy).as("answers that reached the client").contains(upstream.number);
      }
      assertThat(upstream.open()).as("upstream connection left open after the client left").isFalse();
      assertThat(Math.max(upstream.acquiredAt, upstream.lastWriteAt)).as("forwarded after the client closed")
          .isLessThan(closed);
    }

    if (openAtEnd) {
      assertThat(answers.size()).as("answers while the connection stayed open")
          .isGreaterThanOrEqualTo(completeRequests(connection.decoded()));
    }
  }

  /** The final responses the client got, read strictly; interim ones (`100 Continue`) are skipped. */
  private static List<StrictHttp.Message> answers(byte[] sent, List<Decoded> heads) {
    List<StrictHttp.Message> answers = new ArrayList<>();
    int offset = 0;
    while (offset < sent.length) {
      boolean head = answers.size() < heads.size() && "HEAD".equals(heads.get(answers.size()).method());
      StrictHttp.Message response;
      try {
        response = StrictHttp.response(sent, offset, head);
      } catch (StrictHttp.Malformed e) {
        throw new AssertionError("malformed response to the client: " + e.getMessage() + "\n" + text(sent), e);
      }
      assertThat(response.complete()).as("response cut short:\n%s", text(sent)).isTrue();
      offset = response.end();
      if (response.status() >= 200) {
        answers.add(response);
      }
    }
    return answers;
  }

  private static StrictHttp.Message forwarded(StandIn upstream) {
    try {
      return StrictHttp.request(upstream.received(), 0);
    } catch (StrictHttp.Malformed e) {
      throw new AssertionError("malformed request forwarded: " + e.getMessage() + "\n" + text(upstream.received()), e);
    }
  }

  /** The index of the first request the decoder flagged (its head or a part of its body), or the number of requests. */
  private static int firstBrokenRequest(List<Decoded> decoded) {
    int request = -1;
    for (Decoded message : decoded) {
      if (message.head()) {
        request++;
      }
      if (message.failed()) {
        return Math.max(request, 0);
      }
    }
    return request + 1;
  }

  /** Requests the decoder delivered whole (head through last part) and unflagged. */
  private static int completeRequests(List<Decoded> decoded) {
    int complete = 0;
    boolean inRequest = false;
    for (Decoded message : decoded) {
      if (message.failed()) {
        return complete;
      }
      inRequest |= message.head();
      if (message.last() && inRequest) {
        complete++;
        inRequest = false;
      }
    }
    return complete;
  }

  private static List<byte[]> split(byte[] raw, int[] cuts) {
    int[] at = Arrays.stream(cuts).map(cut -> cut % (raw.length + 1)).sorted().toArray();
    List<byte[]> reads = new ArrayList<>();
    int from = 0;
    for (int cut : at) {
      if (cut > from) {
        reads.add(Arrays.copyOfRange(raw, from, cut));
        from = cut;
      }
    }
    reads.add(Arrays.copyOfRange(raw, from, raw.length));
    return reads;
  }

  private static byte[] replace(byte[] bytes, byte[] mark, byte[] with) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    while (i < bytes.length) {
      if (i + mark.length <= bytes.length && Arrays.equals(bytes, i, i + mark.length, mark, 0, mark.length)) {
        out.writeBytes(with);
        i += mark.length;
      } else {
        out.write(bytes[i++]);
      }
    }
    return out.toByteArray();
  }

  private static String text(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    return text.length() > 2000 ? text.substring(0, 2000) + "…" : text;
  }
}
