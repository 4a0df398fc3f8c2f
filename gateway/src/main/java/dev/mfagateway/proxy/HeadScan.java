package dev.mfagateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;

/**
 * One pass over the raw bytes of a message head (a client's request, an upstream's response), however they are split
 * across reads, for what Netty's decoder does not refuse or refuses a character at a time:
 *
 * <ul>
 *   <li>obs-fold (RFC 9112 §5.2): a header line that starts with a space or a tab continues the previous one, which
 *       Netty silently joins to it;
 *   <li>a control character in a header line: any byte below 0x20 but a tab, and DEL; a CR only just before its LF.
 *       These are the values Netty's header validation refuses (a name holding one is not a token either), checked
 *       here eight bytes at a time in the line's own buffer, so the header maps the decoders fill need not check
 *       every value again ({@link Forwarding#DECODED_HEADERS}).
 * </ul>
 *
 * The start line (request line, status line) is left to Netty, which refuses a control character in a request line,
 * and to the request checks.
 */
final class HeadScan {
  enum Finding { NONE, OBS_FOLD, CONTROL_CHARACTER }

  private enum State { BEFORE_START_LINE, START_LINE, LINE_START, CR_AT_LINE_START, HEADER_LINE, DONE }

  private boolean awaitingHead = true;
  private State state = State.BEFORE_START_LINE;
  /** Bytes after the reader index that the scan has already seen. */
  private int seenAhead;

  /** Scans what has arrived of the head since the last call, up to the head's end; nothing while a body is read. */
  Finding scan(ByteBuf buffer) {
    if (!awaitingHead) {
      return Finding.NONE;
    }
    int end = buffer.writerIndex();
    for (int i = buffer.readerIndex() + seenAhead; i < end && state != State.DONE; i++) {
      if (state == State.START_LINE || state == State.HEADER_LINE) {
        // Inside a line only its end and its control characters matter: jump to the next of them.
        int stop = state == State.START_LINE ? buffer.indexOf(i, end, (byte) '\n') : nextControl(buffer, i, end);
        if (stop < 0 || stop == end) {
          seenAhead += end - i;
          return Finding.NONE;
        }
        seenAhead += stop - i;
        i = stop;
      }
      byte b = buffer.getByte(i);
      switch (state) {
        case BEFORE_START_LINE -> state = (b == '\r' || b == '\n') ? state : State.START_LINE;
        case START_LINE -> state = State.LINE_START;
        case LINE_START -> {
          if (b == ' ' || b == '\t') {
            return Finding.OBS_FOLD;
          }
          if (b == '\r') {
            state = State.CR_AT_LINE_START;
          } else if (b == '\n') {
            state = State.DONE;
          } else if (ControlBytes.isControl(b)) {
            return Finding.CONTROL_CHARACTER;
          } else {
            state = State.HEADER_LINE;
          }
        }
        case CR_AT_LINE_START -> {
          if (b != '\n') {
            return Finding.CONTROL_CHARACTER;
          }
          state = State.DONE;
        }
        case HEADER_LINE -> {
          if (b == '\n') {
            state = State.LINE_START;
          } else if (b == '\r') {
            if (i + 1 == end) {
              return Finding.NONE; // whether an LF follows is decided when the next byte arrives
            }
            if (buffer.getByte(i + 1) != '\n') {
              return Finding.CONTROL_CHARACTER;
            }
          } else if (b != '\t') {
            return Finding.CONTROL_CHARACTER;
          }
        }
        default -> throw new IllegalStateException(state.name());
      }
      seenAhead++;
    }
    return Finding.NONE;
  }

  /** Whether the scan has reached the empty line that ends the head. */
  boolean headComplete() {
    return state == State.DONE;
  }

  /** Whether the bytes that come next belong to a head, not to a body. */
  boolean awaitingHead() {
    return awaitingHead;
  }

  /**
   * The decoder read {@code consumed} bytes since the last scan and added the messages of {@code out} from index
   * {@code from}: a message's head ends the wait for a head, a message's last part starts the next one.
   */
  void decoded(int consumed, List<Object> out, int from) {
    seenAhead = Math.max(0, seenAhead - consumed);
    for (int i = from; i < out.size(); i++) {
      if (out.get(i) instanceof HttpMessage) {
        awaitingHead = false;
      }
      if (out.get(i) instanceof LastHttpContent) {
        awaitingHead = true;
        state = State.BEFORE_START_LINE;
        seenAhead = 0;
      }
    }
  }

  /** The index of the first byte from {@code from} that is below 0x20 or DEL, or {@code end} if there is none. */
  private static int nextControl(ByteBuf buffer, int from, int end) {
    int i = from;
    for (; i + Long.BYTES <= end; i += Long.BYTES) {
      long word = buffer.getLongLE(i);
      if (ControlBytes.holdsControl(word)) {
        break;
      }
    }
    for (; i < end; i++) {
      if (ControlBytes.isControl(buffer.getByte(i))) {
        return i;
      }
    }
    return end;
  }
}
