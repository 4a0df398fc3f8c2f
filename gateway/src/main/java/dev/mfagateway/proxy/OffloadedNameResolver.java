package dev.mfagateway.proxy;

import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.InetNameResolver;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * The JDK's resolver (hosts file, system DNS, its cache), called on a separate executor so that a slow lookup never
 * blocks an event loop.
 */
final class OffloadedNameResolver extends InetNameResolver {
  private final Executor blocking;

  private OffloadedNameResolver(EventExecutor executor, Executor blocking) {
    super(executor);
    this.blocking = blocking;
  }

  static AddressResolverGroup<InetSocketAddress> group(Executor blocking) {
    return new AddressResolverGroup<>() {
      @Override
      protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
        return new OffloadedNameResolver(executor, blocking).asAddressResolver();
      }
    };
  }

  @Override
  protected void doResolve(String host, Promise<InetAddress> promise) {
    blocking.execute(
        () -> {
          try {
            promise.trySuccess(InetAddress.getByName(host));
          } catch (Exception e) {
            promise.tryFailure(e);
          }
        });
  }

  @Override
  protected void doResolveAll(String host, Promise<List<InetAddress>> promise) {
    blocking.execute(
        () -> {
          try {
            promise.trySuccess(Arrays.asList(InetAddress.getAllByName(host)));
          } catch (Exception e) {
            promise.tryFailure(e);
          }
        });
  }
}
