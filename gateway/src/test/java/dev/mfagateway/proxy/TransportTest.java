package dev.mfagateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TransportTest {
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
