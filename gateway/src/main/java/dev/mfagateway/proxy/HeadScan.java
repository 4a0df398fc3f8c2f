package dev.mfagateway.proxy;

import io.netty.buffer.ByteBuf;

/**
 * One pass over the raw bytes of a request head, however they are split across reads, for what Netty's decoder does
 * not refuse or refuses a character at a time:
 *
 * <ul>
 *   <li>obs-fold (RFC 9112 §5.2): a header line that starts with a space or a tab continues the previous one, which
 *       Netty silently joins to it;
 *   <li>a control character in a header line: any byte below 0x20 but a tab, and DEL; a CR only just before its LF.
 *       These are the values Netty's header validation refuses (a name holding one is not a token either), checked
 *       here eight bytes at a time in the line's own buffer, so the header maps the decoder fills need not check
 *       every value again ({@link Forwarding#REQUEST_HEADERS}).
 * </ul>
 *
 * The request line is left to Netty, which refuses a control character in it, and to the request checks.
 */
final class HeadScan {
  enum Finding { NONE, OBS_FOLD, CONTROL_CHARACTER }

  private enum State { BEFORE_REQUEST_LINE, REQUEST_LINE, LINE_START, CR_AT_LINE_START, HEADER_LINE, DONE }

  private State state = State.BEFORE_REQUEST_LINE;
  /** Bytes after the reader index that the scan has already seen. */
  private int seenAhead;

  /** Scans what has arrived of the head since the last call, up to the head's end. */
  Finding scan(ByteBuf buffer) {
    int end = buffer.writerIndex();
    for (int i = buffer.readerIndex() + seenAhead; i < end && state != State.DONE; i++) {
      if (state == State.REQUEST_LINE || state == State.HEADER_LINE) {
        // Inside a line only its end and its control characters matter: jump to the next of them.
        int stop = state == State.REQUEST_LINE ? buffer.indexOf(i, end, (byte) '\n') : nextControl(buffer, i, end);
        if (stop < 0 || stop == end) {
          seenAhead += end - i;
          return Finding.NONE;
        }
        seenAhead += stop - i;
        i = stop;
      }
      byte b = buffer.getByte(i);
      switch (state) {
        case BEFORE_REQUEST_LINE -> state = (b == '\r' || b == '\n') ? state : State.REQUEST_LINE;
        case REQUEST_LINE -> state = State.LINE_START;
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

  /** {@code consumed} bytes of the buffer were read since the last scan. */
  void consumed(int consumed) {
    seenAhead = Math.max(0, seenAhead - consumed);
  }

  /** The next head starts: scan from its first byte. */
  void reset() {
    state = State.BEFORE_REQUEST_LINE;
    seenAhead = 0;
  }

  /** The index of the first byte from {@code from} that is below 0x20 or DEL, or {@code end} if there is none. */
  static int nextControl(ByteBuf buffer, int from, int end) {
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
