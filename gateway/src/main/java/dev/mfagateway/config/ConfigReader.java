package dev.mfagateway.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.net.URI;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Typed reads of one HOCON object that never throw: each failure becomes a problem line naming the key path, and
 * the read returns {@code null} so the loader can go on and find every other problem too.
 */
final class ConfigReader {
  private static final long KIB = 1024;
  private static final long MIB = 1024 * KIB;

  private final Config config;
  private final String displayPrefix;
  private final ConfigProblems problems;

  ConfigReader(Config config, String displayPrefix, ConfigProblems problems) {
    this.config = config;
    this.displayPrefix = displayPrefix;
    this.problems = problems;
  }

  /** Where a key appears in problem lines, e.g. {@code gateway.routes[1].upstream}. */
  String display(String path) {
    return displayPrefix + path;
  }

  void problem(String path, String message) {
    problems.add(display(path), message);
  }

  /** A mark for {@link #failedSince}: did any read fail after this point? */
  int mark() {
    return problems.failures();
  }

  boolean failedSince(int mark) {
    return problems.failures() != mark;
  }

  String string(String path) {
    String value = read(path, "a string", config::getString);
    if (value != null && value.isBlank()) {
      problem(path, "must not be blank");
      return null;
    }
    return value;
  }

  Boolean bool(String path) {
    return read(path, "true or false", config::getBoolean);
  }

  Integer integer(String path, int min, int max) {
    return inRange(path, read(path, "an integer", config::getInt), min, max);
  }

  Long longInteger(String path, long min, long max) {
    return inRange(path, read(path, "an integer", config::getLong), min, max);
  }

  private <T extends Comparable<T>> T inRange(String path, T value, T min, T max) {
    if (value != null && (value.compareTo(min) < 0 || value.compareTo(max) > 0)) {
      problem(path, "must be between " + min + " and " + max + ", got " + value);
      return null;
    }
    return value;
  }

  Duration duration(String path, Duration min, Duration max) {
    Duration value = read(path, "a duration like 60s", config::getDuration);
    if (value != null && (value.compareTo(min) < 0 || value.compareTo(max) > 0)) {
      problem(path, "must be between " + show(min) + " and " + show(max) + ", got " + rendered(path));
      return null;
    }
    return value;
  }

  Long bytes(String path, long min, long max) {
    Long value = read(path, "a size like 32KiB", config::getBytes);
    if (value != null && (value < min || value > max)) {
      problem(path, "must be between " + showBytes(min) + " and " + showBytes(max) + ", got " + rendered(path));
      return null;
    }
    return value;
  }

  /** One of {@code choices} (keyed by their config name), e.g. {@code enforce | report-only}. */
  <T> T choice(String path, Map<String, T> choices) {
    String name = read(path, "a string", config::getString);
    if (name == null) {
      return null;
    }
    T value = choices.get(name);
    if (value == null) {
      problem(path, "must be one of " + String.join(", ", choices.keySet()) + ", got " + rendered(path));
    }
    return value;
  }

  /** A list of non-blank strings; each bad element is reported by its index. */
  List<String> strings(String path) {
    List<String> values = read(path, "a list of strings", config::getStringList);
    if (values == null) {
      return null;
    }
    boolean valid = true;
    for (int i = 0; i < values.size(); i++) {
      if (values.get(i).isBlank()) {
        problem(path + "[" + i + "]", "must not be blank");
        valid = false;
      }
    }
    return valid ? values : null;
  }

  /** The elements of a list of objects, each with a reader whose problem lines name {@code path[i]}. */
  List<ConfigReader> objects(String path) {
    ConfigList list = read(path, "a list of objects", config::getList);
    if (list == null) {
      return null;
    }
    List<ConfigReader> readers = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      ConfigValue element = list.get(i);
      String elementPath = display(path) + "[" + i + "]";
      if (element.valueType() == ConfigValueType.OBJECT) {
        readers.add(new ConfigReader(((ConfigObject) element).toConfig(), elementPath + ".", problems));
      } else {
        problems.add(elementPath, "expected an object, got " + render(element));
        readers.add(null);
      }
    }
    return readers;
  }

  /** A URI that must be absolute http or https with a host; {@code originOnly} also refuses a path or query. */
  URI uri(String path, boolean originOnly) {
    String text = string(path);
    return text == null ? null : checkUri(path, text, text, originOnly);
  }

  /**
   * Checks {@code text} as {@link #uri}; {@code shown} is what the problem line quotes (an issuer's template rather
   * than the URI it was checked as).
   */
  URI checkUri(String path, String text, String shown, boolean originOnly) {
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      problem(path, "not a valid URI (" + e.getReason() + "), got \"" + shown + "\"");
      return null;
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !scheme.equals("http")) {
      problem(path, "must be an absolute https or http URI, got \"" + shown + "\"");
    } else if (uri.getHost() == null) {
      problem(path, "must name a host, got \"" + shown + "\"");
    } else if (uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
      problem(path, "must not carry user info or a fragment, got \"" + shown + "\"");
    } else if (originOnly && (uri.getRawQuery() != null || !(uri.getRawPath().isEmpty() || uri.getRawPath().equals("/")))) {
      problem(path, "must be scheme://host[:port] with no path or query (requests keep their own path), got \""
          + shown + "\"");
    } else {
      return uri;
    }
    return null;
  }

  /** A file that exists and is readable (relative paths resolve against the working directory). */
  Path readableFile(String path) {
    String name = string(path);
    if (name == null) {
      return null;
    }
    Path file;
    try {
      file = Path.of(name).toAbsolutePath();
    } catch (InvalidPathException e) {
      problem(path, "not a valid file name: " + e.getReason());
      return null;
    }
    if (!Files.isRegularFile(file)) {
      problem(path, "file not found: " + file);
    } else if (!Files.isReadable(file)) {
      problem(path, "file not readable: " + file);
    } else {
      return file;
    }
    return null;
  }

  /** A {@link #readableFile} holding one or more PEM certificates (an extra trusted CA). */
  Path caFile(String path) {
    Path file = readableFile(path);
    if (file == null) {
      return null;
    }
    try {
      ExtraTrust.certificates(file);
      return file;
    } catch (IOException e) {
      problem(path, "file not readable: " + file + " (" + e.getClass().getSimpleName() + ")");
    } catch (CertificateException e) {
      problem(path, "not a PEM certificate file: " + file);
    }
    return null;
  }

  /**
   * The content of a {@link #readableFile}, trimmed of surrounding whitespace, as a secret. Problem lines name the
   * file, never its content.
   */
  Secret secretFile(String path) {
    Path file = readableFile(path);
    if (file == null) {
      return null;
    }
    String text;
    try {
      text = Files.readString(file).strip();
    } catch (CharacterCodingException e) {
      problem(path, "not UTF-8 text: " + file);
      return null;
    } catch (IOException e) {
      problem(path, "file not readable: " + file + " (" + e.getClass().getSimpleName() + ")");
      return null;
    }
    if (text.isEmpty()) {
      problem(path, "file is empty: " + file);
    } else if (!text.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      problem(path, "must hold one word of visible ASCII (it travels in an HTTP header): " + file);
    } else {
      return new Secret(text);
    }
    return null;
  }

  /** Optional value: absent or {@code null} gives empty; otherwise read as usual. */
  <T> Optional<T> optional(String path, Function<String, T> reader) {
    try {
      if (!config.hasPath(path)) {
        return Optional.empty();
      }
    } catch (ConfigException.WrongType e) {
      // a parent is not an object: the read below reports it
    }
    return Optional.ofNullable(reader.apply(path));
  }

  private <T> T read(String path, String expected, Function<String, T> getter) {
    try {
      return getter.apply(path);
    } catch (ConfigException.Null e) {
      problem(path, "must not be null");
    } catch (ConfigException.Missing e) {
      problem(path, "is required");
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      problem(path, "expected " + expected + ", got " + rendered(path));
    }
    return null;
  }

  private String rendered(String path) {
    try {
      return render(config.getValue(path));
    } catch (ConfigException e) {
      return "a value of the wrong type (" + e.getMessage() + ")";
    }
  }

  private static String render(ConfigValue value) {
    return value.render(ConfigRenderOptions.concise());
  }

  private static String show(Duration duration) {
    long millis = duration.toMillis();
    if (millis == 0) {
      return "0s";
    }
    if (millis % 3_600_000 == 0) {
      return millis / 3_600_000 + "h";
    }
    if (millis % 60_000 == 0) {
      return millis / 60_000 + "m";
    }
    return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
  }

  private static String showBytes(long bytes) {
    if (bytes >= MIB && bytes % MIB == 0) {
      return bytes / MIB + "MiB";
    }
    if (bytes >= KIB && bytes % KIB == 0) {
      return bytes / KIB + "KiB";
    }
    return bytes + "B";
  }
}
