package dev.mfagateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Duration;
import java.util.List;

/**
 * Netty's request decoder plus guards on each request head that it cannot give:
 *
 * <ul>
 *   <li>the raw head bytes are scanned first ({@link HeadScan}): a continuation line (obs-fold, which Netty silently
 *       joins to the previous header) or a control character in a header line turns the request into a failed message
 *       ({@link ScanRefusal});
 *   <li>header deadline: from the first byte of a head, the head must be complete within {@code headerTimeout}
 *       (slowloris), or {@link HeadTimeout} is fired up the pipeline.
 * </ul>
 */
final class RequestHeadDecoder extends HttpRequestDecoder {
  /** User event: a request head was not complete in time. */
  enum HeadTimeout { INSTANCE }

  /**
   * What the scan found in a head, before Netty read its request line (whose method and target in the failed message
   * are placeholders): obs-fold (RFC 9112 §5.2) or a control character in a header line.
   */
  static final class ScanRefusal extends DecoderException {
    private static final long serialVersionUID = 1L;
    final HeadScan.Finding finding;

    ScanRefusal(HeadScan.Finding finding) {
      super(finding.name());
      this.finding = finding;
    }
  }

  private final HttpDecoderConfig config;
  private final Duration headerTimeout;
  private boolean awaitingHead = true;
  private boolean discarding;
  private final HeadScan scan = new HeadScan();
  private Deadline deadline;

  RequestHeadDecoder(HttpDecoderConfig config, Duration headerTimeout) {
    super(config);
    this.config = config;
    this.headerTimeout = headerTimeout;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
    if (discarding) {
      buffer.skipBytes(buffer.readableBytes());
      return;
    }
    if (awaitingHead && buffer.isReadable()) {
      HeadScan.Finding finding = scan.scan(buffer);
      if (finding != HeadScan.Finding.NONE) {
        discarding = true;
        stopDeadline();
        buffer.skipBytes(buffer.readableBytes());
        DefaultFullHttpRequest invalid =
            new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", Unpooled.EMPTY_BUFFER);
        invalid.setDecoderResult(DecoderResult.failure(new ScanRefusal(finding)));
        out.add(invalid);
        return;
      }
      if (!scan.headComplete()) {
        armDeadline(ctx); // a head that arrived whole has nothing to wait for
      }
    }
    int readerBefore = buffer.readerIndex();
    int outBefore = out.size();
    super.decode(ctx, buffer, out);
    scan.consumed(buffer.readerIndex() - readerBefore);
    for (int i = outBefore; i < out.size(); i++) {
      if (out.get(i) instanceof HttpRequest head && i + 1 < out.size()
          && out.get(i + 1) == LastHttpContent.EMPTY_LAST_CONTENT) {
        out.set(i, bodiless(head));
        out.remove(i + 1);
      }
      HttpObject message = (HttpObject) out.get(i);
      if (message.decoderResult().isFailure()) {
        discarding = true;
        stopDeadline();
      }
      if (message instanceof HttpMessage) {
        awaitingHead = false;
        stopDeadline();
      }
      if (message instanceof LastHttpContent) {
        awaitingHead = true;
        scan.reset();
      }
    }
  }

  /**
   * A request without a body as one message (Netty's decoder gives its head and then an empty last part): it goes
   * through the front end and out to the upstream in one step instead of two.
   */
  private static FullHttpRequest bodiless(HttpRequest head) {
    FullHttpRequest request =
        new DefaultFullHttpRequest(
            head.protocolVersion(), head.method(), head.uri(), Unpooled.EMPTY_BUFFER, head.headers(),
            EmptyHttpHeaders.INSTANCE);
    request.setDecoderResult(head.decoderResult());
    return request;
  }

  /**
   * Between requests (nothing of the next one received), hands its place in {@code pipeline} to a new decoder, whose
   * scratch buffer starts small again: Netty's grows to the longest header line read and never shrinks.
   */
  void renewIfBetweenRequests(ChannelPipeline pipeline) {
    if (awaitingHead && !discarding && actualReadableBytes() == 0) {
      pipeline.replace(this, pipeline.context(this).name(), new RequestHeadDecoder(config, headerTimeout));
    }
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
    dropDeadline();
    super.handlerRemoved0(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    dropDeadline();
    super.channelInactive(ctx);
  }

  private void armDeadline(ChannelHandlerContext ctx) {
    if (deadline == null) {
      deadline = new Deadline(ctx.executor(), headerTimeout.toNanos(), unused -> headTimedOut(ctx));
    }
    if (!deadline.armed()) {
      deadline.start(0);
    }
  }

  private void headTimedOut(ChannelHandlerContext ctx) {
    if (awaitingHead && !discarding) {
      discarding = true;
      ctx.fireUserEventTriggered(HeadTimeout.INSTANCE);
    }
  }

  /** The head arrived (or failed): no deadline until the next one starts. */
  private void stopDeadline() {
    if (deadline != null) {
      deadline.stop();
    }
  }

  private void dropDeadline() {
    if (deadline != null) {
      deadline.cancel();
    }
  }
}
