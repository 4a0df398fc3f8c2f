import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import java.util.function.Supplier;

/** The HTTP/1.1 client connections of the load injectors (OpenModelLoad, SoakLoad). */
final class LoadClient {
  private LoadClient() {}

  /**
   * A bootstrap for NIO connections on {@code group}, TCP_NODELAY on, each answer aggregated (up to 1 MiB) into a
   * {@code FullHttpResponse} and passed to a handler of its own, made by {@code responses} for each connection.
   */
  static Bootstrap bootstrap(EventLoopGroup group, Supplier<ChannelHandler> responses) {
    return new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel channel) {
                channel.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20), responses.get());
              }
            });
  }
}
