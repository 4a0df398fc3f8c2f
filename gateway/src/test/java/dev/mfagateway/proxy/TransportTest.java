package dev.mfagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TransportTest {
  @Test
  void linuxServesWithNativeEpollUnlessItIsTurnedOff() {
    boolean linux = System.getProperty("os.name").equals("Linux")
        && Set.of("amd64", "aarch64").contains(System.getProperty("os.arch"));
    boolean turnedOff = Boolean.getBoolean("io.netty.transport.noNative");

    assertThat(Transport.name()).isEqualTo(linux && !turnedOff ? "epoll" : "nio");
    if (turnedOff) {
      assertThat(Transport.unavailabilityCause()).contains("io.netty.transport.noNative");
    }
  }

  @Test
  void zeroEventLoopThreadsMeansOnePerCoreNotNettysTwoPerCore() {
    MultiThreadIoEventLoopGroup group = Transport.group(0, "transport-test");
    try {
      assertThat(group.executorCount()).isEqualTo(Runtime.getRuntime().availableProcessors());
    } finally {
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }
  }

  @Test
  void anExplicitCountIsKept() {
    MultiThreadIoEventLoopGroup group = Transport.group(3, "transport-test");
    try {
      assertThat(group.executorCount()).isEqualTo(3);
    } finally {
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }
  }
}
