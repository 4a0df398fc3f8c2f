package dev.mfagateway.proxy;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/** Native epoll when its natives load (Linux x86_64 and aarch64), NIO otherwise. */
final class Transport {
  private Transport() {}

  static boolean isNative() {
    return Epoll.isAvailable();
  }

  /** Why epoll is not used (its natives missing, another OS, or turned off with -Dio.netty.transport.noNative). */
  static String unavailabilityCause() {
    Throwable cause = Epoll.unavailabilityCause();
    return cause == null ? "unknown" : cause.toString();
  }

  static String name() {
    return isNative() ? "epoll" : "nio";
  }

  /** An event-loop group; {@code threads} 0 means one per core (Netty's own default would be two per core). */
  static MultiThreadIoEventLoopGroup group(int threads, String name) {
    IoHandlerFactory factory = isNative() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    int loops = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    return new MultiThreadIoEventLoopGroup(loops, new DefaultThreadFactory(name, true), factory);
  }

  static Class<? extends ServerChannel> serverChannel() {
    return isNative() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  static Class<? extends Channel> clientChannel() {
    return isNative() ? EpollSocketChannel.class : NioSocketChannel.class;
  }
}
