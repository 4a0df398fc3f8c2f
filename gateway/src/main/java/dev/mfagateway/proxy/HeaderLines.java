package dev.mfagateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * A message's header lines, written as Netty's HTTP encoders write them (`name: value` CRLF, a character above U+00FF
 * as `?`), except that a long `String` is copied in one go: Netty writes a `String` a character at a time (about a
 * nanosecond per byte here), and every forwarded request carries a bearer token of a kilobyte or more. The values were
 * validated when they entered the headers; nothing here checks them again.
 */
final class HeaderLines {
  /**
   * Below this length the per-character copy costs less than making the bytes (measured into a pooled direct buffer:
   * 64 characters 12 ns per character against 18 ns, 128 characters 14.5 ns against 12.7 ns).
   */
  private static final int BULK_FROM = 128;
  private static final int COLON_SPACE = (':' << 8) | ' ';
  private static final int CRLF = ('\r' << 8) | '\n';

  private HeaderLines() {}

  static void write(HttpHeaders headers, ByteBuf buf) {
    Iterator<Map.Entry<CharSequence, CharSequence>> lines = headers.iteratorCharSequence();
    while (lines.hasNext()) {
      Map.Entry<CharSequence, CharSequence> line = lines.next();
      writeAscii(line.getKey(), buf);
      buf.writeShort(COLON_SPACE);
      writeAscii(line.getValue(), buf);
      buf.writeShort(CRLF);
    }
  }

  private static void writeAscii(CharSequence text, ByteBuf buf) {
    if (text instanceof AsciiString ascii) {
      ByteBufUtil.copy(ascii, 0, buf, ascii.length());
    } else if (text instanceof String string && string.length() >= BULK_FROM) {
      buf.writeBytes(string.getBytes(StandardCharsets.ISO_8859_1)); // unmappable characters become '?', as in Netty
    } else {
      buf.writeCharSequence(text, StandardCharsets.US_ASCII);
    }
  }
}
