package dev.mfagateway.telemetry;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import java.util.function.ToDoubleFunction;

/**
 * Netty's buffer memory: heap and direct memory held by the default allocator (adaptive in Netty 4.2) and by the
 * pooled one, and Netty's own direct-memory counter when Netty tracks it (it does when it allocates without cleaners).
 * Micrometer's {@code NettyAllocatorMetrics} is not used: it gives no help texts and labels by identity hash.
 */
final class NettyMemoryMetrics implements MeterBinder {
  static final String ALLOCATOR_USED = "mfa.gateway.netty.allocator.memory.used";
  static final String DIRECT_USED = "mfa.gateway.netty.direct.memory.used";
  static final String DIRECT_MAX = "mfa.gateway.netty.direct.memory.max";

  @Override
  public void bindTo(MeterRegistry registry) {
    bindAllocator(registry, ByteBufAllocator.DEFAULT);
    if (ByteBufAllocator.DEFAULT != PooledByteBufAllocator.DEFAULT) {
      bindAllocator(registry, PooledByteBufAllocator.DEFAULT);
    }
    if (PlatformDependent.usedDirectMemory() >= 0) {
      Gauge.builder(DIRECT_USED, PlatformDependent::usedDirectMemory)
          .description("Direct memory Netty has allocated outside the JVM's own buffer accounting")
          .baseUnit("bytes")
          .register(registry);
    }
    Gauge.builder(DIRECT_MAX, PlatformDependent::maxDirectMemory)
        .description("The direct-memory limit Netty works with")
        .baseUnit("bytes")
        .register(registry);
  }

  private static void bindAllocator(MeterRegistry registry, ByteBufAllocator allocator) {
    if (!(allocator instanceof ByteBufAllocatorMetricProvider provider)) {
      return;
    }
    ByteBufAllocatorMetric metric = provider.metric();
    String name = allocator instanceof AdaptiveByteBufAllocator ? "adaptive"
        : allocator instanceof PooledByteBufAllocator ? "pooled" : "unpooled";
    used(registry, metric, name, "heap", ByteBufAllocatorMetric::usedHeapMemory);
    used(registry, metric, name, "direct", ByteBufAllocatorMetric::usedDirectMemory);
  }

  private static void used(MeterRegistry registry, ByteBufAllocatorMetric metric, String allocator, String memory,
      ToDoubleFunction<ByteBufAllocatorMetric> value) {
    Gauge.builder(ALLOCATOR_USED, metric, value)
        .description("Memory held by a Netty buffer allocator, by allocator and memory kind (heap, direct)")
        .baseUnit("bytes")
        .tags("allocator", allocator, "memory", memory)
        .register(registry);
  }
}
