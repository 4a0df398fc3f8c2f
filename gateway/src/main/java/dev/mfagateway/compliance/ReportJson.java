package dev.mfagateway.compliance;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.mfagateway.compliance.ReportView.AppView;
import dev.mfagateway.compliance.ReportView.Figures;
import dev.mfagateway.compliance.ReportView.TenantView;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;

/** `GET /compliance`: the report as JSON, in SPEC §7's shape (each entry's figures also carry its refusals). */
public final class ReportJson {
  private static final JsonFactory JSON = new JsonFactory();

  private ReportJson() {}

  public static byte[] render(ReportView report, String replica) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField("since", report.since().toString());
      json.writeStringField("window", report.window().parameter());
      json.writeStringField("generated_at", report.generatedAt().toString());
      json.writeStringField("replica", replica);
      json.writeArrayFieldStart("tenants");
      for (TenantView tenant : report.tenants()) {
        json.writeStartObject();
        json.writeStringField("tid", tenant.tenantId());
        figures(json, tenant.totals());
        json.writeArrayFieldStart("apps");
        for (AppView app : tenant.apps()) {
          json.writeStartObject();
          json.writeStringField("app_id", app.appId());
          figures(json, app.figures());
          if (report.usersHashed()) {
            json.writeArrayFieldStart("users_without_mfa");
            for (ReportView.UserView user : app.usersWithoutMfa()) {
              json.writeStartObject();
              json.writeStringField("user_hash", user.userHash());
              json.writeNumberField("calls", user.calls());
              json.writeEndObject();
            }
            json.writeEndArray();
            json.writeNumberField("other_users_without_mfa_calls", app.otherUsersWithoutMfaCalls());
          }
          json.writeEndObject();
        }
        json.writeEndArray();
        json.writeObjectFieldStart("other");
        figures(json, tenant.otherApps());
        json.writeEndObject();
        json.writeEndObject();
      }
      json.writeEndArray();
      json.writeObjectFieldStart("other");
      figures(json, report.other());
      json.writeEndObject();
      counts(json, "unattributed", report.unattributed());
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void figures(JsonGenerator json, Figures figures) throws IOException {
    json.writeNumberField("calls", figures.calls());
    json.writeNumberField("allowed", figures.allowed());
    json.writeNumberField("app_only", figures.appOnly());
    json.writeNumberField("cpv_app_only", figures.cpvAppOnly());
    json.writeNumberField("user_calls", figures.userCalls());
    json.writeNumberField("user_calls_without_mfa", figures.userWithoutMfa());
    Double share = figures.mfaShare();
    if (share == null) {
      json.writeNullField("mfa_share");
    } else {
      json.writeNumberField("mfa_share", Math.round(share * 10_000) / 10_000.0);
    }
    counts(json, "denied", figures.denied());
    counts(json, "would_deny", figures.wouldDeny());
    instant(json, "first_seen", figures.firstSeen());
    instant(json, "last_seen", figures.lastSeen());
  }

  private static void counts(JsonGenerator json, String name, Map<String, Long> counts) throws IOException {
    json.writeObjectFieldStart(name);
    for (Map.Entry<String, Long> count : counts.entrySet()) {
      json.writeNumberField(count.getKey(), count.getValue());
    }
    json.writeEndObject();
  }

  private static void instant(JsonGenerator json, String name, Instant instant) throws IOException {
    if (instant == null) {
      json.writeNullField(name);
    } else {
      json.writeStringField(name, instant.toString());
    }
  }
}
