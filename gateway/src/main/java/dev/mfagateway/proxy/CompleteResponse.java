package dev.mfagateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;

/**
 * An upstream response that arrived whole in one read and in the plainest form, passed to the client from its own bytes
 * instead of through Netty's decoder and encoder: most responses, and about half of the data path's HTTP codec work.
 *
 * <p>The plain form: `HTTP/1.1`, a final status with a body framed by one `Content-Length` (not 1xx, 204 or 304), every
 * header line `name: value` with a token for a name, exactly one space after the colon, a value that neither starts nor
 * ends with whitespace, holds no control character (not even a tab) and no DEL, and CRLF line ends; a `Connection`
 * header that says only `keep-alive` or `close`; no `Transfer-Encoding`; the head within the decoder's limits and the
 * whole body in the buffer. Anything else is left to Netty's decoder ({@link UpstreamCodec}), whose verdicts this
 * form is a subset of. What reaches the client is what {@link Forwarding#clientResponse} and the response encoder
 * make of the same bytes: the status line and the header lines as received but the hop-by-hop ones and the upstream's
 * own `x-request-id`, then the request id and, when needed, `connection`.
 */
final class CompleteResponse extends DefaultByteBufHolder implements HttpObject {
  private static final long HTTP_1_1 = 0x485454502f312e31L; // "HTTP/1.1", big-endian
  private static final int MAX_LENGTH_DIGITS = 9;
  /** Bodies up to this size are copied after the new head; larger ones go out as they are, a second buffer. */
  private static final int COPY_BODY_UP_TO = 4096;
  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] REQUEST_ID_LINE_START = lineStart(Refusal.REQUEST_ID);
  private static final byte[] CONNECTION_LINE_START = lineStart(HttpHeaderNames.CONNECTION);

  /** The names of the header lines that are not passed on: the hop-by-hop ones and the request id, lower case. */
  private static final byte[][] DROPPED =
      Stream.concat(Forwarding.HOP_BY_HOP.stream(), Stream.of(Refusal.REQUEST_ID))
          .map(CompleteResponse::bytes)
          .toArray(byte[][]::new);
  private static final byte[] CONTENT_LENGTH = bytes(HttpHeaderNames.CONTENT_LENGTH);
  private static final byte[] TRANSFER_ENCODING = bytes(HttpHeaderNames.TRANSFER_ENCODING);
  private static final byte[] CONNECTION = bytes(HttpHeaderNames.CONNECTION);
  private static final byte[] CLOSE = bytes(HttpHeaderValues.CLOSE);
  private static final byte[] KEEP_ALIVE = bytes(HttpHeaderValues.KEEP_ALIVE);
  private static final boolean[] TOKEN = new boolean[256];

  static {
    for (char c : "!#$%&'*+-.^_`|~0123456789".toCharArray()) {
      TOKEN[c] = true;
    }
    for (char c = 'a'; c <= 'z'; c++) {
      TOKEN[c] = true;
      TOKEN[Character.toUpperCase(c)] = true;
    }
  }

  private final int status;
  /** Where the head's final CRLF starts, in the content. */
  private final int headEnd;
  /** The start and end (after its CRLF) of each header line that is not passed on, in pairs, in the content. */
  private final int[] dropped;
  private final int droppedCount;
  private final boolean upstreamKeepAlive;

  private CompleteResponse(
      ByteBuf content, int status, int headEnd, int[] dropped, int droppedCount, boolean upstreamKeepAlive) {
    super(content);
    this.status = status;
    this.headEnd = headEnd;
    this.dropped = dropped;
    this.droppedCount = droppedCount;
    this.upstreamKeepAlive = upstreamKeepAlive;
  }

  /**
   * The response at {@code in}'s reader index, taken out of it, if it is in the plain form and its head is at most
   * {@code maxHead} bytes long; otherwise null, and {@code in} is left as it was.
   */
  static CompleteResponse read(ByteBuf in, int maxHead) {
    int start = in.readerIndex();
    int limit = Math.min(in.writerIndex(), start + maxHead);
    if (limit - start < 16 || in.getLong(start) != HTTP_1_1 || in.getByte(start + 8) != ' '
        || in.getByte(start + 12) != ' ') {
      return null;
    }
    int status = digits(in, start + 9, 3);
    if (status < 200 || status > 599 || status == 204 || status == 304) {
      return null;
    }
    int pos = lineEnd(in, start + 13, limit);
    if (pos < 0) {
      return null;
    }
    pos += 2;
    long contentLength = -1;
    boolean keepAlive = true;
    int[] dropped = null;
    int droppedCount = 0;
    while (true) {
      if (pos + 1 >= limit) {
        return null;
      }
      if (in.getByte(pos) == '\r') {
        if (in.getByte(pos + 1) != '\n') {
          return null;
        }
        break;
      }
      int nameEnd = pos;
      while (nameEnd < limit && TOKEN[in.getByte(nameEnd) & 0xFF]) {
        nameEnd++;
      }
      int valueStart = nameEnd + 2;
      if (nameEnd == pos || valueStart >= limit || in.getByte(nameEnd) != ':' || in.getByte(nameEnd + 1) != ' ') {
        return null;
      }
      int valueEnd = lineEnd(in, valueStart, limit);
      if (valueEnd <= valueStart || in.getByte(valueStart) == ' ' || in.getByte(valueEnd - 1) == ' ') {
        return null;
      }
      if (named(in, pos, nameEnd, CONTENT_LENGTH)) {
        if (contentLength >= 0) {
          return null;
        }
        contentLength = digits(in, valueStart, valueEnd - valueStart);
        if (contentLength < 0) {
          return null;
        }
      } else if (named(in, pos, nameEnd, TRANSFER_ENCODING)) {
        return null;
      } else if (named(in, pos, nameEnd, CONNECTION)) {
        if (named(in, valueStart, valueEnd, CLOSE)) {
          keepAlive = false;
        } else if (!named(in, valueStart, valueEnd, KEEP_ALIVE)) {
          return null; // it may nominate headers to remove: Netty's decoder and Forwarding see to it
        }
      }
      if (isDropped(in, pos, nameEnd)) {
        if (dropped == null) {
          dropped = new int[4];
        } else if (droppedCount * 2 == dropped.length) {
          dropped = Arrays.copyOf(dropped, dropped.length * 2);
        }
        dropped[droppedCount * 2] = pos - start;
        dropped[droppedCount * 2 + 1] = valueEnd + 2 - start;
        droppedCount++;
      }
      pos = valueEnd + 2;
    }
    long length = pos + 2 - start + contentLength;
    if (contentLength < 0 || length > in.readableBytes()) {
      return null;
    }
    ByteBuf whole = in.readRetainedSlice((int) length);
    return new CompleteResponse(whole, status, pos - start, dropped, droppedCount, keepAlive);
  }

  int status() {
    return status;
  }

  int bodyLength() {
    return content().readableBytes() - headEnd - CRLF.length;
  }

  /** Whether the upstream connection may carry another request after this response. */
  boolean upstreamKeepAlive() {
    return upstreamKeepAlive;
  }

  /**
   * The response as the client gets it: the request id added, and the `connection` header {@link
   * Forwarding#clientConnection} calls for. The holder keeps its own reference.
   */
  ByteBuf forClient(ByteBufAllocator alloc, String requestId, HttpVersion clientVersion, boolean keepClientOpen) {
    ByteBuf raw = content();
    int base = raw.readerIndex();
    int bodyLength = bodyLength();
    boolean copyBody = bodyLength <= COPY_BODY_UP_TO;
    ByteBuf head = alloc.buffer(headEnd + requestId.length() + 48 + (copyBody ? bodyLength : 0));
    int from = 0;
    for (int i = 0; i < droppedCount; i++) {
      head.writeBytes(raw, base + from, dropped[i * 2] - from);
      from = dropped[i * 2 + 1];
    }
    head.writeBytes(raw, base + from, headEnd - from);
    head.writeBytes(REQUEST_ID_LINE_START);
    head.writeCharSequence(requestId, StandardCharsets.US_ASCII);
    head.writeBytes(CRLF);
    AsciiString connection = Forwarding.clientConnection(clientVersion, keepClientOpen);
    if (connection != null) {
      head.writeBytes(CONNECTION_LINE_START);
      ByteBufUtil.copy(connection, head);
      head.writeBytes(CRLF);
    }
    head.writeBytes(CRLF);
    int bodyStart = base + headEnd + CRLF.length;
    if (copyBody) {
      return head.writeBytes(raw, bodyStart, bodyLength);
    }
    CompositeByteBuf both = alloc.compositeBuffer(2);
    return both.addComponents(true, head, raw.retainedSlice(bodyStart, bodyLength));
  }

  @Override
  public DecoderResult decoderResult() {
    return DecoderResult.SUCCESS;
  }

  @Override
  public void setDecoderResult(DecoderResult result) {
    throw new UnsupportedOperationException("a complete response was decoded with success");
  }

  @Override
  @Deprecated
  public DecoderResult getDecoderResult() {
    return decoderResult();
  }

  /** Where the CRLF that ends the line from {@code from} starts, or -1 for a control character or no line end. */
  private static int lineEnd(ByteBuf in, int from, int limit) {
    int at = HeadScan.nextControl(in, from, limit);
    return at + 1 < limit && in.getByte(at) == '\r' && in.getByte(at + 1) == '\n' ? at : -1;
  }

  /** The decimal number of {@code count} digits (at most nine, no leading zero) at {@code from}, or -1. */
  private static int digits(ByteBuf in, int from, int count) {
    if (count < 1 || count > MAX_LENGTH_DIGITS || (count > 1 && in.getByte(from) == '0')) {
      return -1;
    }
    int value = 0;
    for (int i = from; i < from + count; i++) {
      int digit = in.getByte(i) - '0';
      if (digit < 0 || digit > 9) {
        return -1;
      }
      value = value * 10 + digit;
    }
    return value;
  }

  private static boolean isDropped(ByteBuf in, int from, int to) {
    for (byte[] name : DROPPED) {
      if (named(in, from, to, name)) {
        return true;
      }
    }
    return false;
  }

  /** Whether the bytes from {@code from} to {@code to} are {@code lower}, ignoring the case of letters. */
  private static boolean named(ByteBuf in, int from, int to, byte[] lower) {
    if (to - from != lower.length) {
      return false;
    }
    for (int i = 0; i < lower.length; i++) {
      byte b = in.getByte(from + i);
      if (b != lower[i] && (b | 0x20) != lower[i]) {
        return false;
      }
    }
    return true;
  }

  private static byte[] bytes(CharSequence lower) {
    return lower.toString().getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] lineStart(AsciiString name) {
    return (name + ": ").getBytes(StandardCharsets.US_ASCII);
  }
}
