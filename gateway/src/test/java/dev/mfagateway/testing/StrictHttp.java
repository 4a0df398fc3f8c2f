package dev.mfagateway.testing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A strict HTTP/1.1 message reader written from RFC 9112 alone (no Netty), for checking what the gateway sends: CRLF
 * line ends only, token header names, no control characters in values, one `Host`, a single plain `Content-Length` or
 * exactly `Transfer-Encoding: chunked` (never both), and chunked bodies with hexadecimal sizes. It reads one message at
 * an offset and says where it ends, or that the bytes stop before it does.
 */
public final class StrictHttp {
  private static final int MAX_CHUNK_SIZE_DIGITS = 8;

  /** The bytes break the grammar; {@code getMessage()} says where and how. */
  public static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    Malformed(String problem, int at) {
      super(problem + " at byte " + at);
    }
  }

  /** A header field as sent. */
  public record Field(String name, String value) {}

  /**
   * One message: its start line's parts ({@code method} and {@code target} for a request, {@code status} for a
   * response), its fields, where its head and the whole message end ({@code end} is -1 while the body is incomplete),
   * and {@code headComplete} false when the bytes stop inside the head.
   */
  public record Message(
      String method, String target, int status, List<Field> fields, boolean headComplete, int end) {
    public boolean complete() {
      return end >= 0;
    }

    /** The values of the fields named {@code name}, case-insensitively. */
    public List<String> values(String name) {
      return fields.stream().filter(f -> f.name().equalsIgnoreCase(name)).map(Field::value).toList();
    }

    public String value(String name) {
      List<String> values = values(name);
      return values.isEmpty() ? null : values.get(0);
    }
  }

  private final byte[] bytes;
  private int at;

  private StrictHttp(byte[] bytes, int from) {
    this.bytes = bytes;
    this.at = from;
  }

  /** The request starting at {@code from}: origin-form target, HTTP/1.1, exactly one `Host`. */
  public static Message request(byte[] bytes, int from) throws Malformed {
    StrictHttp reader = new StrictHttp(bytes, from);
    String line = reader.line();
    if (line == null) {
      return new Message(null, null, 0, List.of(), false, -1);
    }
    String[] parts = line.split(" ", -1);
    if (parts.length != 3) {
      throw new Malformed("request line is not 'method SP target SP version'", from);
    }
    reader.requireToken(parts[0], "method");
    if (!parts[1].startsWith("/") || !parts[1].chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '#')) {
      throw new Malformed("request target not in origin form: " + parts[1], from);
    }
    if (!parts[2].equals("HTTP/1.1")) {
      throw new Malformed("version " + parts[2], from);
    }
    List<Field> fields = reader.fields();
    if (fields == null) {
      return new Message(parts[0], parts[1], 0, List.of(), false, -1);
    }
    long hosts = fields.stream().filter(f -> f.name().equalsIgnoreCase("host")).count();
    if (hosts != 1) {
      throw new Malformed(hosts + " Host fields", from);
    }
    return new Message(parts[0], parts[1], 0, fields, true, reader.body(fields, false));
  }

  /** The response starting at {@code from}; {@code bodiless} for one that answers HEAD. */
  public static Message response(byte[] bytes, int from, boolean bodiless) throws Malformed {
    StrictHttp reader = new StrictHttp(bytes, from);
    String line = reader.line();
    if (line == null) {
      return new Message(null, null, 0, List.of(), false, -1);
    }
    if (!line.matches("HTTP/1\\.1 [1-5][0-9][0-9] [\\x20-\\x7e]*")) {
      throw new Malformed("status line: " + line, from);
    }
    int status = Integer.parseInt(line.substring(9, 12));
    List<Field> fields = reader.fields();
    if (fields == null) {
      return new Message(null, null, status, List.of(), false, -1);
    }
    boolean noBody = bodiless || status < 200 || status == 204 || status == 304;
    return new Message(null, null, status, fields, true, reader.body(fields, noBody));
  }

  /** The next line without its CRLF, or null when the bytes end first; a bare CR or LF is malformed. */
  private String line() throws Malformed {
    for (int i = at; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        throw new Malformed("bare LF", i);
      }
      if (bytes[i] == '\r') {
        if (i + 1 >= bytes.length) {
          return null;
        }
        if (bytes[i + 1] != '\n') {
          throw new Malformed("bare CR", i);
        }
        String line = new String(bytes, at, i - at, StandardCharsets.ISO_8859_1);
        at = i + 2;
        return line;
      }
    }
    return null;
  }

  /** Header (or trailer) fields up to the empty line, or null when the bytes end first. */
  private List<Field> fields() throws Malformed {
    List<Field> fields = new ArrayList<>();
    for (String line = line(); line != null; line = line()) {
      if (line.isEmpty()) {
        return fields;
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new Malformed("field without a name and colon: " + line, at);
      }
      String name = line.substring(0, colon);
      requireToken(name, "field name");
      String value = line.substring(colon + 1).replaceAll("^[ \t]+|[ \t]+$", "");
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
          throw new Malformed("control character in field " + name, at);
        }
      }
      fields.add(new Field(name, value));
    }
    return null;
  }

  /** Where the body ends, or -1 when the bytes end first. */
  private int body(List<Field> fields, boolean none) throws Malformed {
    List<String> lengths = fields.stream().filter(f -> f.name().equalsIgnoreCase("content-length"))
        .map(Field::value).toList();
    List<String> codings = fields.stream().filter(f -> f.name().equalsIgnoreCase("transfer-encoding"))
        .map(Field::value).toList();
    if (lengths.size() > 1 || (!lengths.isEmpty() && !lengths.get(0).matches("[0-9]{1,12}"))) {
      throw new Malformed("Content-Length " + lengths, at);
    }
    if (!codings.isEmpty() && (codings.size() > 1 || !codings.get(0).toLowerCase(Locale.ROOT).equals("chunked"))) {
      throw new Malformed("Transfer-Encoding " + codings, at);
    }
    if (!codings.isEmpty() && !lengths.isEmpty()) {
      throw new Malformed("both Content-Length and Transfer-Encoding", at);
    }
    if (none) {
      return at;
    }
    if (!lengths.isEmpty()) {
      long length = Long.parseLong(lengths.get(0));
      return bytes.length - at >= length ? (int) (at + length) : -1;
    }
    return codings.isEmpty() ? at : chunks();
  }

  private int chunks() throws Malformed {
    while (true) {
      String line = line();
      if (line == null) {
        return -1;
      }
      int semicolon = line.indexOf(';');
      String size = semicolon < 0 ? line : line.substring(0, semicolon);
      if (!size.matches("[0-9A-Fa-f]{1," + MAX_CHUNK_SIZE_DIGITS + "}")) {
        throw new Malformed("chunk size '" + line + "'", at);
      }
      long length = Long.parseLong(size, 16);
      if (length == 0) {
        return fields() == null ? -1 : at;
      }
      if (bytes.length - at < length + 2) {
        return -1;
      }
      at += (int) length;
      if (bytes[at] != '\r' || bytes[at + 1] != '\n') {
        throw new Malformed("chunk data not followed by CRLF", at);
      }
      at += 2;
    }
  }

  private void requireToken(String text, String what) throws Malformed {
    if (text.isEmpty() || !text.chars().allMatch(StrictHttp::tchar)) {
      throw new Malformed(what + " is not a token: " + text, at);
    }
  }

  private static boolean tchar(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }
}
