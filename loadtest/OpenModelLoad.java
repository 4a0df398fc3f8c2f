import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-model load at a fixed rate for compare.sh's latency pass (Debian packages no wrk2), compiled with javac against
 * the gateway jar (Netty comes from it) together with LoadClient.java:
 *
 * <pre>java -cp mfa-gateway.jar:CLASSES OpenModelLoad URL RATE WARMUP_S SECONDS CONNECTIONS TOKEN_FILE</pre>
 *
 * Requests are due at fixed instants (RATE per second) whatever the answers do; a pacer thread hands them to one
 * Netty event loop, which sends each on an idle keep-alive connection of a fixed pool, or queues it until one frees
 * up. Latency runs from the instant a request was due, so queueing behind a slow target counts (no coordinated
 * omission). The first WARMUP_S seconds are sent but not recorded. Prints one line, {@code OPEN key=value …}:
 * requests recorded and the seconds they span, 2xx, other statuses, connections lost, requests still unanswered 30 s
 * after the last was due, all requests answered (warm-up included), the achieved rate, latency p50/p99/p99.9 in
 * microseconds, the injector's own lateness in handing requests to the event loop (pacing, p50/p99: its error, part
 * of every latency), and how long requests waited for a free connection (send wait, p50/p99: the target's backlog).
 */
public final class OpenModelLoad {
  private static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final URI target;
  private final FullHttpRequest request;
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final EventLoop loop = group.next();
  private final Bootstrap bootstrap;
  // Touched only on the event loop.
  private final ArrayDeque<Channel> idle = new ArrayDeque<>();
  private final ArrayDeque<Long> due = new ArrayDeque<>();
  private long recordFrom;
  private final long[] latencies;
  private final long[] pacerLateness;
  private int paced;
  private final long[] connectionWaits;
  private int recorded;
  private long answeredInAll;
  private int ok;
  private int otherStatus;
  private int errors;
  private long lastAnswer;
  private final CountDownLatch allAnswered = new CountDownLatch(1);
  private boolean allHandedOver;
  private int outstanding;

  private OpenModelLoad(URI target, String token, int capacity) {
    this.target = target;
    this.request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, target.getRawPath().isEmpty() ? "/" : target.getRawPath());
    request.headers().set(HttpHeaderNames.HOST, target.getHost() + ":" + target.getPort());
    request.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
    request.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
    this.latencies = new long[capacity];
    this.pacerLateness = new long[capacity];
    this.connectionWaits = new long[capacity];
    this.bootstrap = LoadClient.bootstrap(group, Connection::new);
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 6) {
      System.err.println("usage: OpenModelLoad URL RATE WARMUP_S SECONDS CONNECTIONS TOKEN_FILE");
      System.exit(2);
    }
    URI target = URI.create(args[0]);
    int rate = Integer.parseInt(args[1]);
    int warmupSeconds = Integer.parseInt(args[2]);
    int seconds = Integer.parseInt(args[3]);
    int connections = Integer.parseInt(args[4]);
    String token = Files.readString(Path.of(args[5])).strip();
    if (!"http".equals(target.getScheme()) || target.getPort() < 0 || rate < 1 || seconds < 1 || connections < 1) {
      System.err.println("OpenModelLoad: need an http://host:port/path URL and positive RATE, SECONDS, CONNECTIONS");
      System.exit(2);
    }
    OpenModelLoad load = new OpenModelLoad(target, token, Math.multiplyExact(rate, seconds));
    try {
      System.out.println(load.run(rate, warmupSeconds, seconds, connections));
    } finally {
      load.group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  private String run(int rate, int warmupSeconds, int seconds, int connections) throws InterruptedException {
    for (int i = 0; i < connections; i++) {
      Channel channel = bootstrap.connect(target.getHost(), target.getPort()).sync().channel();
      loop.execute(() -> idle.add(channel));
    }
    long total = (long) rate * (warmupSeconds + seconds);
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
    loop.execute(() -> recordFrom = start + TimeUnit.SECONDS.toNanos(warmupSeconds));
    long handedOver = 0;
    while (handedOver < total) {
      long next = start + handedOver * 1_000_000_000L / rate;
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
        continue;
      }
      long now = System.nanoTime();
      long upTo = Math.min(total, (now - start) * rate / 1_000_000_000L + 1);
      long[] batch = new long[(int) (upTo - handedOver)];
      for (int i = 0; i < batch.length; i++) {
        batch[i] = start + (handedOver + i) * 1_000_000_000L / rate;
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
    boolean drained = allAnswered.await(lastDue + DRAIN_NANOS - System.nanoTime(), TimeUnit.NANOSECONDS);
    CountDownLatch summarised = new CountDownLatch(1);
    String[] summary = new String[1];
    loop.execute(
        () -> {
          summary[0] = summary(drained ? 0 : outstanding + due.size(), lastDue);
          summarised.countDown();
        });
    summarised.await();
    return summary[0];
  }

  private void enqueue(long[] batch) {
    long now = System.nanoTime();
    for (long instant : batch) {
      due.add(instant);
      outstanding++;
      if (instant >= recordFrom && paced < pacerLateness.length) {
        pacerLateness[paced++] = now - instant;
      }
    }
    dispatch();
  }

  private void dispatch() {
    while (!due.isEmpty() && !idle.isEmpty()) {
      Channel channel = idle.poll();
      Connection connection = channel.pipeline().get(Connection.class);
      connection.dueAt = due.poll();
      connection.sentAt = System.nanoTime();
      channel.writeAndFlush(request.retainedDuplicate());
    }
  }

  private void answered(Connection connection, boolean success, long now) {
    outstanding--;
    answeredInAll++;
    lastAnswer = now;
    if (connection.dueAt >= recordFrom && recorded < latencies.length) {
      latencies[recorded] = now - connection.dueAt;
      connectionWaits[recorded] = connection.sentAt - connection.dueAt;
      recorded++;
      if (success) {
        ok++;
      } else {
        otherStatus++;
      }
    }
    countDownWhenAnswered();
  }

  private void countDownWhenAnswered() {
    if (allHandedOver && outstanding == 0 && due.isEmpty()) {
      allAnswered.countDown();
    }
  }

  private String summary(long unanswered, long lastDue) {
    long[] sorted = Arrays.copyOf(latencies, recorded);
    long[] late = Arrays.copyOf(pacerLateness, paced);
    long[] waits = Arrays.copyOf(connectionWaits, recorded);
    Arrays.sort(sorted);
    Arrays.sort(late);
    Arrays.sort(waits);
    double measuredSeconds = Math.max(1, Math.max(lastAnswer, lastDue) - recordFrom) / 1e9;
    return String.format(
        Locale.ROOT,
        "OPEN requests=%d seconds=%.2f ok=%d non2xx=%d errors=%d unanswered=%d answered=%d rate=%.1f p50_us=%d"
            + " p99_us=%d p999_us=%d pacing_p50_us=%d pacing_p99_us=%d send_wait_p50_us=%d send_wait_p99_us=%d",
        recorded, measuredSeconds, ok, otherStatus, errors, unanswered, answeredInAll, recorded / measuredSeconds,
        micros(sorted, 50), micros(sorted, 99), micros(sorted, 99.9), micros(late, 50), micros(late, 99),
        micros(waits, 50), micros(waits, 99));
  }

  private static long micros(long[] sorted, double percentile) {
    if (sorted.length == 0) {
      return -1;
    }
    int index = (int) Math.ceil(percentile / 100 * sorted.length) - 1;
    return sorted[Math.max(0, index)] / 1000;
  }

  /** One keep-alive connection: at most one request in flight, back to the idle pool when answered. */
  private final class Connection extends SimpleChannelInboundHandler<FullHttpResponse> {
    long dueAt = -1;
    long sentAt;

    @Override
    protected void channelRead0(ChannelHandlerContext context, FullHttpResponse response) {
      long now = System.nanoTime();
      int status = response.status().code();
      answered(this, status >= 200 && status < 300, now);
      dueAt = -1;
      idle.add(context.channel());
      dispatch();
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
      errors++;
      idle.remove(context.channel());
      if (dueAt >= 0) {
        due.addFirst(dueAt);
        dueAt = -1;
      }
      bootstrap
          .connect(target.getHost(), target.getPort())
          .addListener(
              future -> {
                if (future.isSuccess()) {
                  idle.add(((io.netty.channel.ChannelFuture) future).channel());
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
