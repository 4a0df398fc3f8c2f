#!/usr/bin/env bash
# Soak: the real gateway under mixed traffic at a fixed, moderate rate for a long time, with a JWKS key rotation and a
# configuration reload in the middle; its memory, threads and file descriptors sampled every 10 s and judged flat.
#
#   loadtest/soak.sh [--minutes 30] [--rate 500]
#
# Not part of `./mvnw verify`. It builds only the gateway jar, and only when it is missing (./mvnw -B -q package
# -DskipTests); it installs nothing (a missing tool stops it with the apt-get line to run). Everything listens on
# 127.0.0.1 and is stopped on exit, Ctrl-C or error.
#
# Parts: loadtest/SoakIssuer.java (two RSA keys `old` and `new`, the JWKS served over HTTP from a file, so a rotation
# is a rename), an upstream (nginx, 1 worker, `return 200`; the gateway's StandInUpstream when nginx is not
# installed), the gateway (`serve --config FILE`, the file written here, access log = refusals as by default, GC log
# on) and loadtest/SoakLoad.java (open model: RATE requests/s due at fixed instants, CONNECTIONS keep-alive
# connections, NEW_CONNECTION_PERCENT of the requests each on a new connection; the token kinds are listed in it),
# run under `nice -n $LOAD_NICE`; the gateway is not niced.
#
# Timeline (fractions of the run): 0.30 the new key is published (JWKS = old + new); once the gateway holds both,
# scripts get tokens signed by the new key; 0.50 the configuration file is edited (route `arm`: enforce ->
# report-only) and the reload is awaited (mfa_gateway_config_reloads_total{outcome="applied"} and the audit line
# `config_reload`); 0.65 the old key is removed (JWKS = new), the gateway drops it at its next refresh
# (auth.jwks-refresh-interval = 30s here) and old-key tokens, cached ones included, are refused from then on.
#
# Every SAMPLE_SECONDS: heap after GC (the GC log's occupancy after the last collection), Micrometer's
# jvm_gc_live_data_size_bytes, heap used, direct buffers, the Netty allocators' direct and heap memory, live threads,
# open file descriptors (/proc and process_files_open_files), RSS, client connections, the gateway's CPU, and the
# load tool's answers/s, errors (no answer: refused connection, lost, 10 s timeout) and 5xx.
# Output: loadtest/results/soak-<UTC>.csv (the samples), .png (gnuplot), .txt (start/end figures, flatness, the
# outcomes per token kind and route, the gateway's log check). Exit status 1 when an outcome was unexpected, the log
# has an unexpected ERROR, or a figure is not flat.
#
# Environment (defaults in brackets): CONNECTIONS [40]  NEW_CONNECTION_PERCENT [5]  JAVA_HEAP [256m]
#   SAMPLE_SECONDS [10]  LOAD_NICE [10]  ADMIN_TOKEN_FILE [unset: /metrics is open; set: the gateway gets
#   admin.token-file, the sampler sends the token and checks /metrics refuses a request without it]
#   JAR [gateway/target/mfa-gateway.jar]  RESULTS_DIR [loadtest/results]  NOTE [free text put in the results]
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MINUTES=30
RATE=500
while [ $# -gt 0 ]; do
  case $1 in
    --minutes) MINUTES=${2:-}; shift 2 ;;
    --rate) RATE=${2:-}; shift 2 ;;
    -h|--help) sed -n '2,/^set -E/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "soak: unknown argument $1 (usage: loadtest/soak.sh [--minutes 30] [--rate 500])" >&2; exit 2 ;;
  esac
done
JAR=${JAR:-$ROOT/gateway/target/mfa-gateway.jar}
CONNECTIONS=${CONNECTIONS:-40}
NEW_CONNECTION_PERCENT=${NEW_CONNECTION_PERCENT:-5}
JAVA_HEAP=${JAVA_HEAP:-256m}
SAMPLE_SECONDS=${SAMPLE_SECONDS:-10}
LOAD_NICE=${LOAD_NICE:-10}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/loadtest/results}
NOTE=${NOTE:-}
TENANT=7e5a3c1d-0b6f-4d2a-9c3e-1f2a3b4c5d6e
CPV_APP_ID=6b0f3c2e-cafe-4000-8000-00000000c0de
AUDIENCE=https://api.partnercenter.microsoft.com
STARTUP_TIMEOUT_S=180

SCRIPT_NAME=soak
# shellcheck source=loadtest/lib.sh
source "$ROOT/loadtest/lib.sh"
# The commit the run starts from (the summary is written half an hour later).
COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (uncommitted changes)')"
[[ "$MINUTES" =~ ^[1-9][0-9]*$ ]] || die "--minutes must be a positive whole number"
[[ "$RATE" =~ ^[1-9][0-9]*$ ]] || die "--rate must be a positive whole number of requests per second"
[[ "$SAMPLE_SECONDS" =~ ^[1-9][0-9]*$ ]] || die "SAMPLE_SECONDS must be a positive whole number"
DURATION=$((MINUTES * 60))
WARMUP=$((DURATION / 10 > 30 ? DURATION / 10 : 30))
AT_PUBLISH=$((DURATION * 30 / 100))
AT_RELOAD=$((DURATION * 50 / 100))
AT_REMOVE=$((DURATION * 65 / 100))

# --- what is needed; nothing is installed here ----------------------------------------------------------------------
if ! command -v nginx >/dev/null && [ -x /usr/sbin/nginx ]; then PATH=$PATH:/usr/sbin; fi
MISSING=()
for tool_package in gnuplot:gnuplot-nox curl:curl java:openjdk-17-jdk-headless javac:openjdk-17-jdk-headless; do
  command -v "${tool_package%%:*}" >/dev/null || MISSING+=("${tool_package#*:}")
done
[ "${#MISSING[@]}" -eq 0 ] || die "missing: ${MISSING[*]}. Install with: apt-get install -y $(printf '%s\n' "${MISSING[@]}" | sort -u | tr '\n' ' ')"
if [ ! -f "$JAR" ]; then
  echo "soak: no gateway jar at $JAR, building it: ./mvnw -B -q package -DskipTests"
  (cd "$ROOT" && ./mvnw -B -q package -DskipTests) || die "the build failed"
fi
if [ -n "${ADMIN_TOKEN_FILE:-}" ]; then
  [ -s "$ADMIN_TOKEN_FILE" ] || die "ADMIN_TOKEN_FILE=$ADMIN_TOKEN_FILE is not a readable, non-empty file"
  ADMIN_TOKEN_FILE=$(cd "$(dirname "$ADMIN_TOKEN_FILE")" && pwd)/$(basename "$ADMIN_TOKEN_FILE")
fi


pick_free_ports 3
GATEWAY_PORT=${PORTS[0]}
ADMIN_PORT=${PORTS[1]}
NGINX_PORT=${PORTS[2]}
ADMIN=http://127.0.0.1:$ADMIN_PORT
ADMIN_AUTH=()
[ -z "${ADMIN_TOKEN_FILE:-}" ] || ADMIN_AUTH=(-H "Authorization: Bearer $(tr -d '[:space:]' <"$ADMIN_TOKEN_FILE")")

# --- keys (and the stand-in upstream when there is no nginx) ---------------------------------------------------------
mkdir -p "$WORK/classes"
javac -nowarn -cp "$JAR" -d "$WORK/classes" "$ROOT/loadtest/SoakIssuer.java" "$ROOT/loadtest/SoakLoad.java" \
  "$ROOT/loadtest/TestTokens.java" "$ROOT/loadtest/ScriptIo.java" "$ROOT/loadtest/LoadClient.java" \
  2>"$WORK/javac.log" || die "could not compile loadtest/SoakIssuer.java and SoakLoad.java: $(cat "$WORK/javac.log")"
ISSUER_ARGS=()
command -v nginx >/dev/null || ISSUER_ARGS=(--stand-in-upstream)
mkfifo "$WORK/issuer.stdin"
nice -n "$LOAD_NICE" java -Xmx128m -cp "$JAR:$WORK/classes" SoakIssuer "$WORK" $((DURATION + 600)) "${ISSUER_ARGS[@]}" \
  <"$WORK/issuer.stdin" >"$WORK/issuer.log" 2>&1 &
STARTED_PIDS+=($!)
ISSUER_PID=$!
exec 3>"$WORK/issuer.stdin"

if command -v nginx >/dev/null; then
  UPSTREAM_KIND="$(nginx -v 2>&1 | sed 's/.*: //'), 1 worker, return 200 + small JSON"
  start_nginx "$NGINX_PORT" '{"served_by":"nginx"}'
  UPSTREAM=http://127.0.0.1:$NGINX_PORT
  wait_until "$STARTUP_TIMEOUT_S" "nginx on $UPSTREAM" \
    eval 'alive $NGINX_PID || die "nginx exited: $(cat "$WORK/nginx/error.log")"; [ "$(status_of "$UPSTREAM/")" = 200 ]'
else
  UPSTREAM_KIND="the gateway's StandInUpstream (no nginx installed)"
  wait_until "$STARTUP_TIMEOUT_S" "the stand-in upstream" \
    eval 'alive $ISSUER_PID || die "the issuer exited: $(cat "$WORK/issuer.log")"; [ -s "$WORK/upstream-uri" ]'
  UPSTREAM=$(cat "$WORK/upstream-uri")
fi
wait_until "$STARTUP_TIMEOUT_S" "the token issuer" \
  eval 'alive $ISSUER_PID || die "the issuer exited: $(cat "$WORK/issuer.log")"; [ -s "$WORK/jwks-uri" ]'
JWKS_URI=$(cat "$WORK/jwks-uri")

# --- the gateway -----------------------------------------------------------------------------------------------------
CONFIG=$WORK/gateway.conf
write_config() { # write_config ARM_MODE: the configuration, written whole and renamed into place
  cat >"$CONFIG.partial" <<EOF
gateway {
  listen { host = "127.0.0.1", port = $GATEWAY_PORT }
  admin { host = "127.0.0.1", port = $ADMIN_PORT${ADMIN_TOKEN_FILE:+, token-file = \"$ADMIN_TOKEN_FILE\"} }
  mode = enforce
  routes = [
    { name = partner-center, path-prefix = "/v1/", upstream = "$UPSTREAM", audiences = ["$AUDIENCE"] }
    { name = arm, path-prefix = "/subscriptions/", upstream = "$UPSTREAM", audiences = ["$AUDIENCE"],
      allow-app-only = false, mode = $1 }
  ]
  auth {
    jwks-uri = "$JWKS_URI"
    allowed-tenants = ["$TENANT"]
    cpv-app-ids = ["$CPV_APP_ID"]
    jwks-refresh-interval = 30s
  }
}
EOF
  mv "$CONFIG.partial" "$CONFIG"
}
write_config enforce
GC_LOG=$WORK/gc.log
java "-Xms$JAVA_HEAP" "-Xmx$JAVA_HEAP" -XX:+AlwaysPreTouch "-Xlog:gc:file=$GC_LOG:uptime" -jar "$JAR" serve --config "$CONFIG" \
  >"$WORK/gateway.log" 2>&1 3>&- &
STARTED_PIDS+=($!)
GATEWAY_PID=$!
GATEWAY=http://127.0.0.1:$GATEWAY_PORT
wait_until "$STARTUP_TIMEOUT_S" "the gateway's /readyz" \
  eval 'alive $GATEWAY_PID || die "the gateway exited: $(tail -20 "$WORK/gateway.log")"; [ "$(status_of "$ADMIN/readyz")" = 200 ]'
if [ -n "${ADMIN_TOKEN_FILE:-}" ]; then
  [ "$(status_of "$ADMIN/metrics")" = 401 ] || die "/metrics answered without the admin token"
  [ "$(status_of "${ADMIN_AUTH[@]}" "$ADMIN/metrics")" = 200 ] || die "/metrics refused the admin token"
else
  [ "$(status_of "$ADMIN/metrics")" = 200 ] || die "/metrics did not answer (no admin token is configured)"
fi

# --- sampling --------------------------------------------------------------------------------------------------------
METRICS=$WORK/metrics.txt
scrape() { curl -s --max-time 5 "${ADMIN_AUTH[@]}" -o "$METRICS" "$ADMIN/metrics" || : >"$METRICS"; }
metric() { # metric NAME [LABEL_FILTER]: the sum of NAME's series whose labels contain LABEL_FILTER; empty if none
  awk -v name="$1" -v filter="${2:-}" '
    $1 !~ /^#/ { base = $1; sub(/\{.*/, "", base)
      if (base == name && index($0, filter) > 0) { sum += $NF; found = 1 } }
    END { if (found) printf "%.0f", sum }' "$METRICS"
}
mib() { awk -v b="${1:-}" 'BEGIN { if (b == "") print ""; else printf "%.1f", b / 1048576 }'; }
heap_after_gc() { # the heap occupancy after the latest collection in the GC log, in MiB
  awk 'match($0, /->[0-9.]+[KMG]\(/) { v = substr($0, RSTART + 2, RLENGTH - 4); u = substr($0, RSTART + RLENGTH - 2, 1)
         last = (u == "K" ? v / 1024 : (u == "G" ? v * 1024 : v)) }
       END { if (last != "") printf "%.1f", last }' "$GC_LOG" 2>/dev/null
}
gc_count() { grep -c -- '->' "$GC_LOG" 2>/dev/null || echo 0; }
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
CSV=$WORK/samples.csv
echo "utc,elapsed_s,stage,heap_after_gc_mib,live_data_mib,heap_used_mib,direct_buffers_mib,netty_direct_mib,netty_heap_mib,rss_mib,threads,fds,fds_metric,client_connections,gateway_cpu_pct,answers_per_s,errors,status_5xx,load_backlog,gcs" >"$CSV"
STAGE=warm-up
PREVIOUS_COUNTERS=""
PREVIOUS_TICKS=""
PREVIOUS_SAMPLE_AT=""
HZ=$(getconf CLK_TCK)
sample() {
  [ -n "$PREVIOUS_TICKS" ] || { PREVIOUS_TICKS=$(cpu_ticks "$GATEWAY_PID"); PREVIOUS_SAMPLE_AT=$(date +%s.%N); sleep 1; }
  local now ticks counters rps errors s5xx backlog
  scrape
  now=$(date +%s.%N)
  ticks=$(cpu_ticks "$GATEWAY_PID")
  counters=$(cat "$WORK/load-counters" 2>/dev/null || echo "")
  read -r rps errors s5xx backlog < <(awk -v now="$counters" -v before="$PREVIOUS_COUNTERS" 'BEGIN {
    split(now, n, " "); split(before, b, " ")
    if (now == "") { print "0 0 0 0"; exit }
    if (before == "") { b[1] = n[1]; b[3] = n[3]; b[4] = 0; b[5] = 0 }
    seconds = (n[1] - b[1]) / 1000
    printf "%.0f %d %d %d\n", (seconds > 0 ? (n[3] - b[3]) / seconds : 0), n[4] - b[4], n[5] - b[5], n[6] }')
  [ -z "$counters" ] || PREVIOUS_COUNTERS=$counters
  printf '%s,%d,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' \
    "$(date -u +%H:%M:%S)" $((SECONDS - STARTED_AT)) "$STAGE" "$(heap_after_gc)" \
    "$(mib "$(metric jvm_gc_live_data_size_bytes)")" "$(mib "$(metric jvm_memory_used_bytes 'area="heap"')")" \
    "$(mib "$(metric jvm_buffer_memory_used_bytes 'id="direct"')")" \
    "$(mib "$(metric mfa_gateway_netty_allocator_memory_used_bytes 'memory="direct"')")" \
    "$(mib "$(metric mfa_gateway_netty_allocator_memory_used_bytes 'memory="heap"')")" \
    "$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$GATEWAY_PID/status")" \
    "$(metric jvm_threads_live_threads)" "$(find "/proc/$GATEWAY_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)" \
    "$(metric process_files_open_files)" "$(metric mfa_gateway_connections 'side="client"')" \
    "$(awk -v t="$ticks" -v p="$PREVIOUS_TICKS" -v hz="$HZ" -v a="$PREVIOUS_SAMPLE_AT" -v b="$now" 'BEGIN { printf "%.0f", (t - p) / hz / (b - a) * 100 }')" \
    "$rps" "$errors" "$s5xx" "$backlog" "$(gc_count)" >>"$CSV"
  PREVIOUS_TICKS=$ticks
  PREVIOUS_SAMPLE_AT=$now
}
EVENTS=$WORK/events.txt
: >"$EVENTS"
event() { # event NAME: the time (epoch seconds, elapsed seconds) of a step of the timeline
  echo "$(date +%s) $((SECONDS - STARTED_AT)) $1" >>"$EVENTS"
  echo "soak: $(date -u +%H:%M:%S) +$((SECONDS - STARTED_AT))s $1"
}
jwks_keys() { scrape; metric mfa_gateway_jwks_keys; }
reloads_applied() { scrape; metric mfa_gateway_config_reloads_total 'outcome="applied"'; }

# --- the run ---------------------------------------------------------------------------------------------------------
STAMP=$(date -u +%Y-%m-%dT%H%MZ)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
echo "soak: ${MINUTES} min at $RATE requests/s; warm-up ${WARMUP}s; new key at +${AT_PUBLISH}s, reload at +${AT_RELOAD}s, old key removed at +${AT_REMOVE}s"
nice -n "$LOAD_NICE" java -Xmx256m -cp "$JAR:$WORK/classes" SoakLoad "$GATEWAY" "$RATE" "$DURATION" "$CONNECTIONS" \
  "$NEW_CONNECTION_PERCENT" "$WORK" "$TENANT" "$CPV_APP_ID" >"$WORK/load.log" 2>&1 3>&- &
STARTED_PIDS+=($!)
LOAD_PID=$!
# The clock starts when the load tool has minted its tokens and connected (its first counters).
STARTED_AT=$SECONDS
wait_until "$STARTUP_TIMEOUT_S" "the load tool to start" \
  eval 'alive $LOAD_PID || die "the load tool exited: $(tail -20 "$WORK/load.log")"; [ -s "$WORK/load-counters" ]'
STARTED_AT=$SECONDS
event load-started
NEXT_SAMPLE=$SECONDS
STEP=publish
RELOADS_BEFORE=""
while alive "$LOAD_PID"; do
  alive "$GATEWAY_PID" || die "the gateway exited: $(tail -20 "$WORK/gateway.log")"
  elapsed=$((SECONDS - STARTED_AT))
  [ "$STAGE" != warm-up ] || [ "$elapsed" -lt "$WARMUP" ] || STAGE=steady
  case $STEP in
    publish) if [ "$elapsed" -ge "$AT_PUBLISH" ]; then
               cp "$WORK/jwks-both.json" "$WORK/jwks.next" && mv "$WORK/jwks.next" "$WORK/jwks.json"
               event new-key-published; STAGE=rotating; STEP=sign-new; fi ;;
    sign-new) if [ "$(jwks_keys)" = 2 ]; then
                echo new >"$WORK/signing-key.next" && mv "$WORK/signing-key.next" "$WORK/signing-key"
                event gateway-holds-both-keys; STEP=reload; fi ;;
    reload) if [ "$elapsed" -ge "$AT_RELOAD" ]; then
              RELOADS_BEFORE=$(reloads_applied)
              write_config report-only
              event config-edited; STAGE=reloading; STEP=reloaded; fi ;;
    reloaded) if [ "$(reloads_applied)" -gt "${RELOADS_BEFORE:-0}" ]; then
                event config-reload-applied; STAGE=reloaded; STEP=remove; fi ;;
    remove) if [ "$elapsed" -ge "$AT_REMOVE" ]; then
              cp "$WORK/jwks-new.json" "$WORK/jwks.next" && mv "$WORK/jwks.next" "$WORK/jwks.json"
              event old-key-removed; STAGE=removing; STEP=removed; fi ;;
    removed) if [ "$(jwks_keys)" = 1 ]; then event gateway-dropped-old-key; STAGE=rotated; STEP=done; fi ;;
  esac
  if [ "$SECONDS" -ge "$NEXT_SAMPLE" ]; then
    sample
    NEXT_SAMPLE=$((NEXT_SAMPLE + SAMPLE_SECONDS))
  fi
  sleep 1
done
wait "$LOAD_PID" || die "the load tool failed: $(tail -20 "$WORK/load.log")"
event load-finished
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
LOAD_LINE=$(grep '^SOAK ' "$WORK/load.log") || die "could not read the load tool's summary: $(tail -20 "$WORK/load.log")"
[ "$STEP" = done ] || die "the timeline did not finish (stuck before step $STEP); events: $(cat "$EVENTS")"
DECISIONS=$(scrape; awk '/^mfa_gateway_decisions_total/ && $NF + 0 > 0 { sub(/^mfa_gateway_decisions_total/, ""); print }' "$METRICS" | sort)
kill -TERM "$GATEWAY_PID"
wait "$GATEWAY_PID" || true

# --- judging ---------------------------------------------------------------------------------------------------------
at() { awk -v name="$1" '$3 == name { print $1 }' "$EVENTS"; }
# Expected statuses per token kind and route, by the timeline. Between a change and the moment the gateway was seen
# to apply it (plus 2 s for answers in flight), both the old and the new outcome are right.
OUTCOMES=$WORK/outcomes-judged.txt
awk -F, -v published="$(at new-key-published)" -v both="$(at gateway-holds-both-keys)" \
    -v edited="$(at config-edited)" -v applied="$(at config-reload-applied)" \
    -v removed="$(at old-key-removed)" -v dropped="$(at gateway-dropped-old-key)" '
  function phase(t, change, seen) { return t < change ? "before" : (t > seen + 2 ? "after" : "between") }
  function pick(p, before, after) { return p == "before" ? before : (p == "after" ? after : before " " after) }
  function expected(kind, route, t,    arm) {
    if (kind == "new-key") return pick(phase(t, published, both), "401", "200")
    if (kind == "old-key") return pick(phase(t, removed, dropped), "200", "401")
    arm = (route == "arm") ? phase(t, edited, applied) : "before"
    if (kind == "mfa" || kind == "mfa-fresh") return "200"
    if (kind == "no-mfa") return route == "arm" ? pick(arm, "401", "200") : "401"
    if (kind == "app-only") return route == "arm" ? pick(arm, "403", "200") : "200"
    if (kind == "cpv-app-only" || kind == "foreign-tenant") return "403"
    if (kind == "bad-signature" || kind == "missing") return route == "arm" ? pick(arm, "401", "200") : "401"
    return "401" # expired, wrong-audience, malformed
  }
  { key = $2 " / " $3; total[key] += $5; seen[key, $4] += $5; statuses[key] = statuses[key] (index(statuses[key], " " $4 " ") ? "" : " " $4 " ")
    if (index(" " expected($2, $3, $1) " ", " " $4 " ") == 0) { bad[key, $4] += $5; unexpected += $5 } }
  END {
    for (key in total) {
      line = sprintf("  %-28s %9d:", key, total[key])
      m = split(statuses[key], list, " ")
      for (i = 2; i <= m; i++) { x = list[i]; for (j = i - 1; j >= 1 && list[j] + 0 > x + 0; j--) list[j + 1] = list[j]; list[j + 1] = x }
      for (j = 1; j <= m; j++) { s = list[j]; line = line sprintf("  %s x %d%s", s, seen[key, s], ((key, s) in bad) ? " (" bad[key, s] " UNEXPECTED)" : "") }
      print line | "sort"
    }
    close("sort")
    printf "unexpected outcomes: %d\n", unexpected
  }' "$WORK/outcomes.csv" >"$OUTCOMES"
UNEXPECTED=$(awk '/^unexpected outcomes:/ { print $3 }' "$OUTCOMES")
RELOAD_AUDIT=$(grep -c '"event":"config_reload"' "$WORK/gateway.log" || true)
ERROR_LINES=$(grep -E '"level":"(ERROR|FATAL)"' "$WORK/gateway.log" || true)
WARN_LINES=$(grep '"level":"WARN"' "$WORK/gateway.log" | sed -E 's/.*"message":"([^"]{0,160}).*/\1/' | sort | uniq -c | sort -rn | head -10 || true)

# Flatness: the median of the first 6 samples after warm-up (a minute) against the median of the last 6. Flat when
# the end is at most 10 % plus a small absolute band above the start (see loadtest/README.md for why).
FLAT=$WORK/flat.txt
awk -F, -v warmup="$WARMUP" '
  function median(list,    n, v, i, j, x) {
    n = split(list, v, " "); if (n == 0) return ""
    for (i = 2; i <= n; i++) { x = v[i] + 0; for (j = i - 1; j >= 1 && v[j] + 0 > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  NR == 1 { for (c = 1; c <= NF; c++) column[$c] = c; next }
  $2 >= warmup { rows++; for (c = 1; c <= NF; c++) value[rows, c] = $c }
  END {
    split("heap_after_gc_mib:16 heap_used_mib:- direct_buffers_mib:4 netty_direct_mib:4 rss_mib:32 threads:2 fds:10", judged, " ")
    printf "%-20s %10s %10s %10s  %s\n", "figure", "start", "end", "limit", "verdict"
    for (k = 1; k in judged; k++) {
      split(judged[k], pair, ":"); name = pair[1]; band = pair[2]; c = column[name]
      first = ""; last = ""
      for (r = 1; r <= rows && r <= 6; r++) if (value[r, c] != "") first = first " " value[r, c]
      for (r = (rows > 6 ? rows - 5 : 1); r <= rows; r++) if (value[r, c] != "") last = last " " value[r, c]
      start = median(first); end = median(last)
      if (start == "" || end == "") { printf "%-20s %10s %10s %10s  no data\n", name, start, end, "-"; missing++; continue }
      if (band == "-") { printf "%-20s %10.1f %10.1f %10s  not judged (a sawtooth between collections)\n", name, start, end, "-"; continue }
      limit = start * 1.10 + band
      verdict = (end <= limit ? "flat" : "NOT FLAT")
      if (end > limit) grown++
      printf "%-20s %10.1f %10.1f %10.1f  %s\n", name, start, end, limit, verdict
    }
    printf "figures not flat: %d\n", grown + missing
  }' "$CSV" >"$FLAT"
NOT_FLAT=$(awk '/^figures not flat:/ { print $4 }' "$FLAT")

# --- results ---------------------------------------------------------------------------------------------------------
mkdir -p "$RESULTS_DIR"
BASE=$RESULTS_DIR/soak-$STAMP
FAILED=()
cp "$CSV" "$BASE.csv"
MARKERS=$(awk '$3 ~ /published|reload-applied|removed/ { printf "set arrow from %f, graph 0 to %f, graph 1 nohead dt 2 lc rgb \"#777777\"\n", $2 / 60, $2 / 60
                 printf "set label \"%s\" at %f, graph 0.97 rotate by 90 right font \",9\" tc rgb \"#555555\" offset -0.6,0\n", $3, $2 / 60 }' "$EVENTS")
gnuplot <<EOF >"$WORK/gnuplot.log" 2>&1 || FAILED+=("gnuplot failed: $(cat "$WORK/gnuplot.log")")
set terminal pngcairo size 1400,1100 font "DejaVu Sans,10"
set output "$BASE.png"
set datafile separator ","
set datafile missing ""
set key outside right top
set grid
set xlabel "minutes"
set xrange [0:*]
set yrange [0:*]
$MARKERS
set arrow from $WARMUP / 60., graph 0 to $WARMUP / 60., graph 1 nohead lc rgb "#bbbbbb"
set label "end of warm-up" at $WARMUP / 60., graph 0.97 rotate by 90 right font ",9" tc rgb "#999999" offset -0.6,0
set lmargin at screen 0.06
set rmargin at screen 0.80
set multiplot layout 4,1 title "MFA Gateway soak $STAMP: $MINUTES min at $RATE req/s (mixed tokens, $CONNECTIONS keep-alive connections + $NEW_CONNECTION_PERCENT % new), -Xmx$JAVA_HEAP"
set title "Heap (MiB)"
plot "$CSV" using (\$2/60):6 every ::1 with lines lc rgb "#cccccc" title "heap used", \
     '' using (\$2/60):4 every ::1 with linespoints pt 7 ps 0.4 lc rgb "#4477aa" title "heap after GC (GC log)"
set title "Off-heap (MiB, left) and RSS (MiB, right)"
set y2tics
set y2range [0:*]
set ytics nomirror
plot "$CSV" using (\$2/60):10 every ::1 axes x1y2 with lines lw 2 lc rgb "#cc3311" title "RSS (right)", \
     '' using (\$2/60):7 every ::1 with lines lw 2 lc rgb "#ee7733" title "direct buffers (JVM)", \
     '' using (\$2/60):8 every ::1 with lines lc rgb "#aa3377" title "Netty allocator, direct", \
     '' using (\$2/60):9 every ::1 with lines lc rgb "#66ccee" title "Netty allocator, heap"
set title "Threads, file descriptors, client connections"
unset y2tics
set ytics mirror
plot "$CSV" using (\$2/60):11 every ::1 with lines lw 2 lc rgb "#4477aa" title "live threads", \
     '' using (\$2/60):12 every ::1 with lines lw 2 lc rgb "#ee7733" title "open fds (/proc)", \
     '' using (\$2/60):14 every ::1 with lines lc rgb "#228833" title "client connections"
set title "Load"
set y2tics
set y2range [0:*]
set ytics nomirror
plot "$CSV" using (\$2/60):16 every ::1 with lines lw 2 lc rgb "#4477aa" title "answers/s", \
     '' using (\$2/60):15 every ::1 with lines lc rgb "#228833" title "gateway CPU %", \
     '' using (\$2/60):17 every ::1 axes x1y2 with impulses lw 2 lc rgb "#cc3311" title "errors per sample (right)"
unset multiplot
EOF

SUMMARY=$WORK/summary.txt
{
  echo "MFA Gateway soak (loadtest/soak.sh), $STAMP"
  echo "commit $COMMIT"
  echo "machine: $(nproc) cores ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), load average before $LOAD_BEFORE, after $LOAD_AFTER${NOTE:+; $NOTE}"
  echo "run: $MINUTES min at $RATE requests/s (open model, loadtest/SoakLoad.java under nice -n $LOAD_NICE), $CONNECTIONS keep-alive connections, $NEW_CONNECTION_PERCENT % of requests on a new connection; warm-up ${WARMUP}s; a sample every ${SAMPLE_SECONDS}s"
  echo "gateway: java $(java -version 2>&1 | awk -F'"' 'NR == 1 { print $2 }') -Xms$JAVA_HEAP -Xmx$JAVA_HEAP (GC log on), serve, enforce, token cache on, access log = refusals, jwks-refresh-interval 30s, admin token $([ -n "${ADMIN_TOKEN_FILE:-}" ] && echo "set (checked: /metrics refuses a request without it)" || echo "unset (/metrics open)")"
  echo "upstream: $UPSTREAM_KIND"
  echo
  echo "timeline (epoch, seconds since the load started, step):"
  sed 's/^/  /' "$EVENTS"
  echo
  echo "load tool: $LOAD_LINE"
  echo
  echo "figures: start = median of the first 6 samples after warm-up, end = median of the last 6; flat when end <= start x 1.10 + band"
  echo "(bands: heap after GC 16 MiB, direct and Netty direct 4 MiB, RSS 32 MiB, threads 2, fds 10):"
  sed 's/^/  /' "$FLAT"
  echo
  echo "outcomes per token kind / route (status x count; checked against the timeline):"
  cat "$OUTCOMES"
  echo
  echo "gateway decisions at the end (mfa_gateway_decisions_total):"
  sed 's/^/  /' <<<"$DECISIONS"
  echo
  echo "gateway log: $(wc -l <"$WORK/gateway.log") lines; config_reload audit lines: $RELOAD_AUDIT; ERROR/FATAL lines: $(grep -c . <<<"$ERROR_LINES" || true)"
  [ -z "$ERROR_LINES" ] || sed 's/^/  /' <<<"$ERROR_LINES" | head -20
  [ -z "$WARN_LINES" ] || { echo "WARN lines by message:"; sed 's/^/  /' <<<"$WARN_LINES"; }
  echo "Micrometer's jvm_gc_live_data_size_bytes at the end: $(awk -F, 'END { print $5 }' "$CSV") MiB (on JDK 17 G1 sets it only after a full GC, so heap after GC is read from the GC log)"
  echo "GC: $(gc_count) collections logged; $(grep -c 'Pause Full' "$GC_LOG" || true) full, $(grep -c 'Concurrent Mark Cycle' "$GC_LOG" || true) concurrent-mark lines, $(grep -c 'Mixed' "$GC_LOG" || true) mixed"
} >"$SUMMARY"
cp "$SUMMARY" "$BASE.txt"
echo
cat "$SUMMARY"
echo
echo "written: $BASE.txt, $BASE.csv, $BASE.png"
[ "$UNEXPECTED" = 0 ] || FAILED+=("$UNEXPECTED unexpected outcomes")
[ -z "$ERROR_LINES" ] || FAILED+=("ERROR lines in the gateway's log")
[ "$RELOAD_AUDIT" -ge 1 ] || FAILED+=("no config_reload audit line")
[ "$NOT_FLAT" = 0 ] || FAILED+=("$NOT_FLAT figures not flat")
[ "$(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^unanswered=/) print substr($i, 12) }' <<<"$LOAD_LINE")" = 0 ] \
  || FAILED+=("requests left unanswered")
[ "${#FAILED[@]}" -eq 0 ] || die "$(IFS=';'; echo "${FAILED[*]}")"
echo "soak: passed"
