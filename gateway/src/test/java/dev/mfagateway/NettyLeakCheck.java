package dev.mfagateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Makes a Netty leak fail the build. Registered for every test class through JUnit's extension auto-detection, so its
 * factory is installed before any Netty buffer class exists. With `io.netty.leakDetection.level=paranoid` (surefire)
 * every buffer is tracked; after each test class, garbage is collected and the detectors are made to look for
 * collected-but-unreleased buffers, and any leak found fails that class.
 */
public final class NettyLeakCheck implements AfterAllCallback {
  private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
  private static final int GC_ROUNDS = 5;

  static {
    ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(
        new ResourceLeakDetectorFactory() {
          @Override
          @SuppressWarnings("deprecation")
          public <T> ResourceLeakDetector<T> newResourceLeakDetector(
              Class<T> resource, int samplingInterval, long maxActive) {
            ResourceLeakDetector<T> detector =
                new ResourceLeakDetector<>(resource, samplingInterval, maxActive) {
                  @Override
                  protected boolean needReport() {
                    return true;
                  }
                };
            detector.setLeakListener((type, records) -> LEAKS.add("LEAK: " + type + "\n" + records));
            return detector;
          }
        });
  }

  @Override
  public void afterAll(ExtensionContext context) {
    for (int round = 0; round < GC_ROUNDS; round++) {
      System.gc();
      // Allocating a tracked buffer makes the detector drain its queue of collected, unreleased buffers.
      List<ByteBuf> probes = new ArrayList<>();
      probes.add(PooledByteBufAllocator.DEFAULT.directBuffer(1));
      probes.add(PooledByteBufAllocator.DEFAULT.heapBuffer(1));
      probes.add(UnpooledByteBufAllocator.DEFAULT.directBuffer(1));
      probes.forEach(ByteBuf::release);
    }
    List<String> found = new ArrayList<>(LEAKS);
    LEAKS.clear();
    assertThat(found).as("Netty buffer leaks detected after %s", context.getDisplayName()).isEmpty();
  }
}
