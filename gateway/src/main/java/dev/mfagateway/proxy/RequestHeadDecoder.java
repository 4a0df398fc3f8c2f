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
 * Netty's request decoder plus two guards on each request head that it cannot give:
 *
 * <ul>
 *   <li>obs-fold: Netty silently joins a continuation line to the previous header; here the raw head bytes are scanned
 *       first and a continuation line turns the request into a failed message ({@link ObsFoldException});
 *   <li>header deadline: from the first byte of a head, the head must be complete within {@code headerTimeout}
 *       (slowloris), or {@link HeadTimeout} is fired up the pipeline.
 * </ul>
 */
final class RequestHeadDecoder extends HttpRequestDecoder {
  /** User event: a request head was not complete in time. */
  enum HeadTimeout { INSTANCE }

  /** A header line continued on the next line (RFC 9112 §5.2 obs-fold). */
  static final class ObsFoldException extends DecoderException {
    private static final long serialVersionUID = 1L;

    ObsFoldException() {
      super("obs-fold");
    }
  }

  private enum Scan { BEFORE_REQUEST_LINE, REQUEST_LINE, LINE_START, CR_AT_LINE_START, HEADER_LINE, DONE }

  private final HttpDecoderConfig config;
  private final Duration headerTimeout;
  private boolean awaitingHead = true;
  private boolean discarding;
  private Scan scan = Scan.BEFORE_REQUEST_LINE;
  /** Bytes after the reader index that the scan has already seen. */
  private int scannedAhead;
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
      armDeadline(ctx);
      if (scanFindsObsFold(buffer)) {
        discarding = true;
        stopDeadline();
        buffer.skipBytes(buffer.readableBytes());
        DefaultFullHttpRequest invalid =
            new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", Unpooled.EMPTY_BUFFER);
        invalid.setDecoderResult(DecoderResult.failure(new ObsFoldException()));
        out.add(invalid);
        return;
      }
    }
    int readerBefore = buffer.readerIndex();
    int outBefore = out.size();
    super.decode(ctx, buffer, out);
    scannedAhead = Math.max(0, scannedAhead - (buffer.readerIndex() - readerBefore));
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
        scan = Scan.BEFORE_REQUEST_LINE;
        scannedAhead = 0;
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

  private boolean scanFindsObsFold(ByteBuf buffer) {
    int end = buffer.writerIndex();
    for (int i = buffer.readerIndex() + scannedAhead; i < end && scan != Scan.DONE; i++) {
      if (scan == Scan.REQUEST_LINE || scan == Scan.HEADER_LINE) {
        // Inside a line only its end matters: jump there in one search instead of a step per byte.
        int newline = buffer.indexOf(i, end, (byte) '\n');
        if (newline < 0) {
          scannedAhead += end - i;
          return false;
        }
        scannedAhead += newline - i;
        i = newline;
      }
      byte b = buffer.getByte(i);
      switch (scan) {
        case BEFORE_REQUEST_LINE -> scan = (b == '\r' || b == '\n') ? Scan.BEFORE_REQUEST_LINE : Scan.REQUEST_LINE;
        case REQUEST_LINE, HEADER_LINE -> scan = b == '\n' ? Scan.LINE_START : scan;
        case LINE_START -> {
          if (b == ' ' || b == '\t') {
            return true;
          }
          scan = b == '\r' ? Scan.CR_AT_LINE_START : b == '\n' ? Scan.DONE : Scan.HEADER_LINE;
        }
        case CR_AT_LINE_START -> scan = b == '\n' ? Scan.DONE : Scan.HEADER_LINE;
        default -> throw new IllegalStateException(scan.name());
      }
      scannedAhead++;
    }
    return false;
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
