package dev.mfagateway.telemetry;

import dev.mfagateway.config.LoggingConfig.AccessLog;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.message.MapMessage;

/**
 * The audit line of every refusal and of every configuration reload (logger {@value #AUDIT_LOGGER}), and the access line of a request (logger
 * {@value #ACCESS_LOGGER}), as Log4j2 {@link MapMessage}s whose entries a JSON layout writes as JSON fields
 * (JsonTemplateLayout: {@code {"$resolver": "map", "flatten": true}}).
 *
 * <p>Only the fields named here are written: the audit line carries the `tid`, `appid`/`azp` and `oid` claims and
 * nothing else from the token; the access line carries the path without its query string (queries can hold secrets).
 * Text from the client (user agent, path) is cut to {@value #MAX_CLIENT_TEXT} characters.
 */
public final class AuditLog {
  public static final String AUDIT_LOGGER = "audit";
  public static final String ACCESS_LOGGER = "access";
  static final int MAX_CLIENT_TEXT = 512;

  private final Logger audit = LogManager.getLogger(AUDIT_LOGGER);
  private final Logger access = LogManager.getLogger(ACCESS_LOGGER);
  private final AccessLog accessLog;

  public AuditLog(AccessLog accessLog) {
    this.accessLog = accessLog;
  }

  /** The audit line of a refusal (SPEC §8). Any argument may be null when unknown (e.g. no token). */
  public void refusal(String requestId, String route, String decision, String reason, String tenantId,
      String appId, String objectId, String client, String userAgent) {
    // Values go in as Object: MapMessage's with(String, String) throws on null, and unknown values are null.
    audit.info(new EventMessage("refusal")
        .with("request_id", (Object) requestId)
        .with("route", (Object) route)
        .with("decision", (Object) decision)
        .with("reason", (Object) reason)
        .with("tid", (Object) tenantId)
        .with("app_id", (Object) appId)
        .with("oid", (Object) objectId)
        .with("client", (Object) client)
        .with("user_agent", (Object) clip(userAgent)));
  }

  /**
   * The audit line of an applied configuration reload (`event` = `config_reload`): {@code changes} are its fields by
   * name, values strings, lists or null. The caller keeps secrets out of them.
   */
  public void configReload(Map<String, Object> changes) {
    EventMessage line = new EventMessage("config_reload");
    changes.forEach(line::with);
    audit.info(line);
  }

  /** The audit line of a rejected reload (`event` = `config_reload_rejected`): one entry per problem found. */
  public void configReloadRejected(List<String> problems) {
    audit.info(new EventMessage("config_reload_rejected").with("problems", (Object) List.copyOf(problems)));
  }

  /**
   * The access line of a finished request, if the access-log setting asks for it. {@code target} is the request
   * target as received; only its path is written.
   */
  public void access(String requestId, String method, String target, int status, long durationNanos,
      long bytesIn, long bytesOut, String route, String decision, String reason, String client) {
    if (!logsAccess(decision)) {
      return;
    }
    access.info(new EventMessage("access")
        .with("request_id", (Object) requestId)
        .with("method", (Object) method)
        .with("path", (Object) clip(pathOf(target)))
        .with("status", status)
        .with("duration_ms", TimeUnit.NANOSECONDS.toMicros(durationNanos) / 1000.0)
        .with("bytes_in", bytesIn)
        .with("bytes_out", bytesOut)
        .with("route", (Object) route)
        .with("decision", (Object) decision)
        .with("reason", (Object) reason)
        .with("client", (Object) client));
  }

  /** Whether a request with this decision gets an access line (callers may skip gathering its fields if not). */
  private boolean logsAccess(String decision) {
    return accessLog == AccessLog.ALL || (accessLog == AccessLog.REFUSALS && "deny".equals(decision));
  }

  /**
   * A map message whose text is only its event name: the layout writes the entries as JSON fields, so repeating them
   * as `key="value"` text in `message` would double every line.
   */
  private static final class EventMessage extends MapMessage<EventMessage, Object> {
    private final String event;

    EventMessage(String event) {
      this.event = event;
      with("event", (Object) event);
    }

    @Override
    public String getFormattedMessage() {
      return event;
    }

    @Override
    public void formatTo(StringBuilder buffer) {
      buffer.append(event);
    }
  }

  private static String pathOf(String target) {
    if (target == null) {
      return null;
    }
    int query = target.indexOf('?');
    return query < 0 ? target : target.substring(0, query);
  }

  private static String clip(String text) {
    return text == null || text.length() <= MAX_CLIENT_TEXT ? text : text.substring(0, MAX_CLIENT_TEXT);
  }
}
