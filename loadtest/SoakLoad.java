import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.io.BufferedWriter;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Mixed open-model traffic for soak.sh, compiled with javac against the gateway jar (Nimbus and Netty come from it)
 * together with LoadClient.java, TestTokens.java and ScriptIo.java:
 *
 * <pre>java -cp mfa-gateway.jar:CLASSES SoakLoad BASE_URL RATE SECONDS CONNECTIONS NEW_CONNECTION_PERCENT WORK_DIR TENANT CPV_APP_ID</pre>
 *
 * Requests are due at fixed instants, RATE per second, whatever the answers do (open model, as OpenModelLoad). Each
 * is one of the {@link #MIX} entries (a token kind on a route), in a fixed shuffled order: MFA user tokens reused by
 * {@value #SCRIPTS} scripts, fresh MFA tokens minted for one request each (good for {@link #FRESH_LIFETIME}, so the
 * gateway's token cache reaches a steady size), users without MFA, app-only tokens, the CPV's app-only token,
 * tokens signed by the old and by the new key whatever the rotation's stage, and invalid ones (bad signature,
 * expired, wrong audience, foreign tenant, malformed, missing). Script tokens are signed by the key named in
 * WORK_DIR/signing-key ({@code old} until soak.sh writes {@code new}), re-read every second. Most requests go over
 * CONNECTIONS keep-alive connections; NEW_CONNECTION_PERCENT of them each on a new connection ({@code Connection:
 * close}). A request unanswered after {@link #TIMEOUT} counts as status 0 and its connection is closed.
 *
 * <p>Writes WORK_DIR/outcomes.csv ({@code epoch_second,kind,route,status,count}, by the second the answer came;
 * status 0 = no answer: connection failed, lost or timed out) and, every second, WORK_DIR/load-counters
 * ({@code epoch_ms sent answered errors status_5xx backlog}). soak.sh judges the outcomes against the rotation and
 * reload times. Ends with one line: {@code SOAK key=value …}.
 */
public final class SoakLoad {
  static final int SCRIPTS = 200;
  static final Duration FRESH_LIFETIME = Duration.ofMinutes(2);
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  static final Map<String, String> PATHS =
      Map.of(
          "partner", "/v1/customers?size=100",
          "arm", "/subscriptions/2f4a9c6e-1b3d-4e5f-8a7b-9c0d1e2f3a4b/resourceGroups?api-version=2021-04-01");

  /** A token kind sent on a route, and its share of the traffic in thousandths. */
  record Slot(String kind, String route, int perMille) {}

  static final List<Slot> MIX =
      List.of(
          new Slot("mfa", "partner", 330),
          new Slot("mfa", "arm", 200),
          new Slot("mfa-fresh", "partner", 30),
          new Slot("mfa-fresh", "arm", 20),
          new Slot("no-mfa", "partner", 50),
          new Slot("no-mfa", "arm", 50),
          new Slot("app-only", "partner", 50),
          new Slot("app-only", "arm", 50),
          new Slot("cpv-app-only", "partner", 20),
          new Slot("old-key", "partner", 20),
          new Slot("new-key", "partner", 20),
          new Slot("bad-signature", "partner", 20),
          new Slot("bad-signature", "arm", 20),
          new Slot("missing", "partner", 20),
          new Slot("missing", "arm", 20),
          new Slot("expired", "partner", 20),
          new Slot("wrong-audience", "partner", 20),
          new Slot("foreign-tenant", "partner", 20),
          new Slot("malformed", "partner", 20));

  /** A request due at {@code dueAt}, of mix entry {@code slot}. */
  record Planned(long dueAt, int slot, FullHttpRequest request, boolean newConnection) {}

  private final URI base;
  private final Path work;
  private final String tenant;
  private final String cpvAppId;
  private final Duration scriptLifetime;
  private final Map<String, RSAKey> keys = new TreeMap<>();
  private final RSAKey stranger;
  // Tokens by kind, then by signing key name (old, new): fixed at start.
  private final Map<String, Map<String, List<String>>> pools = new TreeMap<>();
  private final BlockingQueue<String> freshTokens;
  private volatile String signingKey = "old";

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final EventLoop loop = group.next();
  private final Bootstrap bootstrap;
  // Touched only on the event loop.
  private final ArrayDeque<Channel> idle = new ArrayDeque<>();
  private final ArrayDeque<Planned> due = new ArrayDeque<>();
  private final Set<Channel> busy = new HashSet<>();
  private final Map<String, long[]> outcomesThisSecond = new TreeMap<>();
  private long sent;
  private long answered;
  private long errors;
  private long status5xx;
  private long connectionsLost;
  private int outstanding;
  private boolean allHandedOver;
  private final CountDownLatch allAnswered = new CountDownLatch(1);
  private final BufferedWriter outcomes;

  private SoakLoad(URI base, Path work, String tenant, String cpvAppId, int seconds, int rate) throws Exception {
    this.base = base;
    this.work = work;
    this.tenant = tenant;
    this.cpvAppId = cpvAppId;
    this.scriptLifetime = Duration.ofSeconds(seconds).plusHours(1);
    for (String name : List.of("old", "new")) {
      keys.put(name, RSAKey.parse(Files.readString(work.resolve("keys/" + name + ".jwk"))));
    }
    this.stranger = new RSAKeyGenerator(2048).keyID("stranger").generate();
    mintPools();
    this.freshTokens = new ArrayBlockingQueue<>(Math.max(20, rate / 10));
    this.outcomes = Files.newBufferedWriter(work.resolve("outcomes.csv"));
    this.bootstrap = LoadClient.bootstrap(group, Connection::new).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000);
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 8) {
      System.err.println(
          "usage: SoakLoad BASE_URL RATE SECONDS CONNECTIONS NEW_CONNECTION_PERCENT WORK_DIR TENANT CPV_APP_ID");
      System.exit(2);
    }
    URI base = URI.create(args[0]);
    int rate = Integer.parseInt(args[1]);
    int seconds = Integer.parseInt(args[2]);
    int connections = Integer.parseInt(args[3]);
    int newConnectionPercent = Integer.parseInt(args[4]);
    if (!"http".equals(base.getScheme()) || base.getPort() < 0 || rate < 1 || seconds < 1 || connections < 1
        || newConnectionPercent < 0 || newConnectionPercent > 100) {
      System.err.println("SoakLoad: need an http://host:port URL, positive RATE, SECONDS, CONNECTIONS, a percentage");
      System.exit(2);
    }
    SoakLoad load = new SoakLoad(base, Path.of(args[5]), args[6], args[7], seconds, rate);
    try {
      System.out.println(load.run(rate, seconds, connections, newConnectionPercent));
    } finally {
      load.group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  private String run(int rate, int seconds, int connections, int newConnectionPercent) throws Exception {
    for (int i = 0; i < connections; i++) {
      Channel channel = bootstrap.connect(base.getHost(), base.getPort()).sync().channel();
      loop.execute(() -> idle.add(channel));
    }
    Thread minter = new Thread(this::mintFreshTokens, "fresh-token-minter");
    minter.setDaemon(true);
    minter.start();
    loop.scheduleAtFixedRate(this::everySecond, 1, 1, TimeUnit.SECONDS);

    int[] order = shuffledSlots();
    Random newConnections = new Random(7);
    long total = (long) rate * seconds;
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
    long nextControlCheck = start;
    long handedOver = 0;
    while (handedOver < total) {
      long next = start + handedOver * 1_000_000_000L / rate;
      long now = System.nanoTime();
      if (now >= nextControlCheck) {
        readSigningKey();
        nextControlCheck = now + TimeUnit.SECONDS.toNanos(1);
      }
      if (next - now > 0) {
        LockSupport.parkNanos(next - now);
        continue;
      }
      long upTo = Math.min(total, (now - start) * rate / 1_000_000_000L + 1);
      List<Planned> batch = new ArrayList<>((int) (upTo - handedOver));
      for (long i = handedOver; i < upTo; i++) {
        int slot = order[(int) (i % order.length)];
        boolean fresh = newConnections.nextInt(100) < newConnectionPercent;
        batch.add(new Planned(start + i * 1_000_000_000L / rate, slot, request(slot, i, fresh), fresh));
      }
      handedOver = upTo;
      loop.execute(() -> enqueue(batch));
    }
    long lastDue = start + (total - 1) * 1_000_000_000L / rate;
    loop.execute(
        () -> {
          allHandedOver = true;
          countDownWhenAnswered();
        });
    boolean drained =
        allAnswered.await(lastDue + TIMEOUT.toNanos() + TimeUnit.SECONDS.toNanos(5) - System.nanoTime(), TimeUnit.NANOSECONDS);
    CountDownLatch summarised = new CountDownLatch(1);
    String[] summary = new String[1];
    loop.execute(
        () -> {
          everySecond();
          summary[0] =
              String.format(
                  Locale.ROOT,
                  "SOAK sent=%d answered=%d errors=%d status_5xx=%d connections_lost=%d unanswered=%d",
                  sent, answered, errors, status5xx, connectionsLost, drained ? 0 : outstanding + due.size());
          try {
            outcomes.close();
          } catch (IOException e) {
            summary[0] += " outcomes_write_failed=" + e.getMessage().replace(' ', '_');
          }
          summarised.countDown();
        });
    summarised.await();
    return summary[0];
  }

  /** The mix entries, each as often as its share, in an order shuffled once with a fixed seed. */
  private static int[] shuffledSlots() {
    List<Integer> slots = new ArrayList<>();
    for (int s = 0; s < MIX.size(); s++) {
      for (int i = 0; i < MIX.get(s).perMille(); i++) {
        slots.add(s);
      }
    }
    if (slots.size() != 1000) {
      throw new IllegalStateException("the mix must add up to 1000 per mille, not " + slots.size());
    }
    Collections.shuffle(slots, new Random(42));
    return slots.stream().mapToInt(Integer::intValue).toArray();
  }

  private void readSigningKey() {
    try {
      String named = Files.readString(work.resolve("signing-key")).strip();
      if (keys.containsKey(named)) {
        signingKey = named;
      }
    } catch (IOException absent) {
      // not written yet: keep the old key
    }
  }

  private FullHttpRequest request(int slot, long sequence, boolean newConnection) {
    Slot entry = MIX.get(slot);
    FullHttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, PATHS.get(entry.route()));
    request.headers().set(HttpHeaderNames.HOST, base.getHost() + ":" + base.getPort());
    request.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
    request.headers().set(HttpHeaderNames.USER_AGENT, "soak-load/" + entry.kind());
    if (newConnection) {
      request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    String token = token(entry.kind(), sequence);
    if (token != null) {
      request.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
    }
    return request;
  }

  private String token(String kind, long sequence) {
    switch (kind) {
      case "missing":
        return null;
      case "malformed":
        return "not-a-jws." + sequence;
      case "mfa-fresh":
        String fresh = freshTokens.poll();
        return fresh != null ? fresh : freshMfaToken(signingKey);
      case "old-key":
      case "new-key":
        List<String> fixed = pools.get(kind).get(kind.substring(0, 3));
        return fixed.get((int) (sequence % fixed.size()));
      default:
        List<String> pool = pools.get(kind).get(signingKey);
        return pool.get((int) (sequence % pool.size()));
    }
  }

  /** Every token that is reused, for both signing keys. */
  private void mintPools() throws JOSEException {
    for (String key : keys.keySet()) {
      List<String> mfa = new ArrayList<>();
      List<String> noMfa = new ArrayList<>();
      List<String> appOnly = new ArrayList<>();
      for (int script = 0; script < SCRIPTS; script++) {
        String appId = String.format(Locale.ROOT, "5c0a0000-0000-4000-8000-%012d", script);
        String oid = String.format(Locale.ROOT, "0b1d0000-0000-4000-8000-%012d", script);
        mfa.add(sign(keys.get(key), user(tenant, appId, oid, List.of("pwd", "mfa"))));
        noMfa.add(sign(keys.get(key), user(tenant, appId, oid, List.of("pwd"))));
        appOnly.add(sign(keys.get(key), app(tenant, appId)));
      }
      String anyApp = "5c0a0000-0000-4000-8000-00000000ffff";
      Instant past = Instant.now().minus(Duration.ofHours(2));
      put("mfa", key, mfa);
      put("no-mfa", key, noMfa);
      put("app-only", key, appOnly);
      put("cpv-app-only", key, List.of(sign(keys.get(key), app(tenant, cpvAppId))));
      put(key + "-key", key, mfa.subList(0, 20));
      put("bad-signature", key, List.of(sign(stranger, keys.get(key).getKeyID(), user(tenant, anyApp, UUID.randomUUID().toString(), List.of("pwd", "mfa")).build())));
      put("expired", key, List.of(sign(keys.get(key), user(tenant, anyApp, UUID.randomUUID().toString(), List.of("pwd", "mfa"))
          .issueTime(Date.from(past)).notBeforeTime(Date.from(past)).expirationTime(Date.from(past.plusSeconds(3600))))));
      put("wrong-audience", key, List.of(sign(keys.get(key), user(tenant, anyApp, UUID.randomUUID().toString(), List.of("pwd", "mfa"))
          .audience("api://somebody-else"))));
      put("foreign-tenant", key, List.of(sign(keys.get(key), user(TestTokens.FOREIGN_TENANT, anyApp, UUID.randomUUID().toString(), List.of("pwd", "mfa")))));
    }
  }

  private void put(String kind, String key, List<String> tokens) {
    pools.computeIfAbsent(kind, k -> new TreeMap<>()).put(key, List.copyOf(tokens));
  }

  private void mintFreshTokens() {
    try {
      while (true) {
        freshTokens.put(freshMfaToken(signingKey));
      }
    } catch (InterruptedException stopping) {
      Thread.currentThread().interrupt();
    }
  }

  private String freshMfaToken(String key) {
    JWTClaimsSet.Builder claims =
        user(tenant, TestTokens.OTHER_APP_ID, UUID.randomUUID().toString(), List.of("pwd", "mfa"))
            .expirationTime(Date.from(Instant.now().plus(FRESH_LIFETIME)));
    return sign(keys.get(key), claims);
  }

  private JWTClaimsSet.Builder user(String tenantId, String appId, String oid, List<String> amr) {
    return TestTokens.user(tenantId, appId, oid, amr, scriptLifetime);
  }

  private JWTClaimsSet.Builder app(String tenantId, String appId) {
    return TestTokens.app(tenantId, appId, appId, scriptLifetime);
  }

  private static String sign(RSAKey key, JWTClaimsSet.Builder claims) {
    return sign(key, key.getKeyID(), claims.build());
  }

  private static String sign(RSAKey key, String kid, JWTClaimsSet claims) {
    try {
      return TestTokens.rs256(key, kid, claims);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign a soak token", e);
    }
  }

  // --- on the event loop ------------------------------------------------------------------------------------------

  private void enqueue(List<Planned> batch) {
    for (Planned planned : batch) {
      outstanding++;
      if (planned.newConnection()) {
        sendOnNewConnection(planned);
      } else {
        due.add(planned);
      }
    }
    dispatch();
  }

  private void dispatch() {
    while (!due.isEmpty() && !idle.isEmpty()) {
      Channel channel = idle.poll();
      send(channel, due.poll());
    }
  }

  private void send(Channel channel, Planned planned) {
    Connection connection = channel.pipeline().get(Connection.class);
    connection.inFlight = planned;
    connection.sentAt = System.nanoTime();
    busy.add(channel);
    sent++;
    channel.writeAndFlush(planned.request());
  }

  private void sendOnNewConnection(Planned planned) {
    ChannelFuture connecting = bootstrap.connect(base.getHost(), base.getPort());
    connecting.channel().pipeline().get(Connection.class).oneShot = true;
    connecting.addListener(
        future -> {
          if (future.isSuccess()) {
            send(connecting.channel(), planned);
          } else {
            planned.request().release();
            finish(planned, 0);
          }
        });
  }

  /** Counts the outcome of {@code planned}: its HTTP status, or 0 when it got none. */
  private void finish(Planned planned, int status) {
    outstanding--;
    if (status == 0) {
      errors++;
    } else {
      answered++;
      if (status >= 500) {
        status5xx++;
      }
    }
    Slot slot = MIX.get(planned.slot());
    outcomesThisSecond.computeIfAbsent(slot.kind() + "," + slot.route() + "," + status, k -> new long[1])[0]++;
    countDownWhenAnswered();
  }

  private void countDownWhenAnswered() {
    if (allHandedOver && outstanding == 0 && due.isEmpty()) {
      allAnswered.countDown();
    }
  }

  private void everySecond() {
    long now = System.nanoTime();
    for (Channel channel : List.copyOf(busy)) {
      Connection connection = channel.pipeline().get(Connection.class);
      if (connection.inFlight != null && now - connection.sentAt > TIMEOUT.toNanos()) {
        connection.abandon();
        channel.close();
      }
    }
    long second = System.currentTimeMillis() / 1000;
    try {
      for (Map.Entry<String, long[]> outcome : outcomesThisSecond.entrySet()) {
        outcomes.write(second + "," + outcome.getKey() + "," + outcome.getValue()[0] + "\n");
      }
      outcomes.flush();
      ScriptIo.writeAtomically(
          work.resolve("load-counters"),
          String.format(
              Locale.ROOT, "%d %d %d %d %d %d%n", System.currentTimeMillis(), sent, answered, errors, status5xx, due.size()));
    } catch (IOException e) {
      System.err.println("SoakLoad: cannot write the counters: " + e);
    }
    outcomesThisSecond.clear();
  }

  /** One connection: at most one request in flight; a pooled one goes back to the idle pool when answered. */
  private final class Connection extends SimpleChannelInboundHandler<FullHttpResponse> {
    Planned inFlight;
    long sentAt;
    boolean oneShot;

    @Override
    protected void channelRead0(ChannelHandlerContext context, FullHttpResponse response) {
      Planned planned = inFlight;
      if (planned == null) {
        return;
      }
      inFlight = null;
      busy.remove(context.channel());
      finish(planned, response.status().code());
      if (oneShot) {
        context.close();
      } else {
        idle.add(context.channel());
        dispatch();
      }
    }

    void abandon() {
      if (inFlight != null) {
        Planned planned = inFlight;
        inFlight = null;
        finish(planned, 0);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
      busy.remove(context.channel());
      abandon();
      if (oneShot) {
        return;
      }
      connectionsLost++;
      idle.remove(context.channel());
      bootstrap
          .connect(base.getHost(), base.getPort())
          .addListener(
              future -> {
                if (future.isSuccess()) {
                  idle.add(((ChannelFuture) future).channel());
                  dispatch();
                }
              });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
      context.close();
    }
  }
}
