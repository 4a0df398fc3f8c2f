#!/usr/bin/env bash
# Side-by-side throughput: the same upstream measured directly and through the MFA Gateway, interleaved.
#
#   ./mvnw -B -q package -DskipTests          # builds gateway/target/mfa-gateway.jar
#   loadtest/side-by-side.sh                  # about 4 minutes with the defaults
#
# What it starts, all on 127.0.0.1 and all stopped again on exit, Ctrl-C or error:
#   - nginx (Debian's nginx-light or nginx) in the foreground with a generated config: 1 worker, keep-alive,
#     access log off, `return 200` with a small JSON body -- an upstream that is not the bottleneck;
#   - loadtest/BenchIssuer.java (source launch on the gateway jar): the product's DemoIssuer serving its JWKS, and
#     one MFA user token of the allowed tenant;
#   - the gateway jar in `serve` mode (-Xmx$GATEWAY_HEAP) with a generated config: one route `/` to nginx, jwks-uri
#     at the issuer, allowed-tenants = the token's tenant, access log off.
# Before measuring it checks that the gateway forwards the token (200 with nginx's body) and refuses a request
# without it (401), and aborts otherwise. Then it runs wrk: a warm-up pair first (WARMUP_DURATION each, not counted:
# the gateway's JIT needs it), then ROUNDS pairs direct, gateway, direct, gateway, ... with the same Authorization
# header on both sides. It prints each run's requests/s, p50/p99 latency and CPU time per request (gateway process,
# all threads; nginx worker), then the median of the per-pair ratios gateway/direct. During the whole measurement
# (both sides alike) it samples the gateway's heap (jstat -gc, 1 s) and RSS (/proc/PID/status VmRSS, 1 s) and
# reports the maxima inside the gateway runs, plus VmHWM; and it counts nginx's accepted connections during the
# gateway runs (stub_status) to show that upstream connections are reused.
# The summary goes to stdout and to loadtest/results/side-by-side-<UTC date-time>.txt.
#
# Needs: java 17 (with jstat), wrk, curl, nginx (`apt-get install -y wrk nginx-light`; the script installs
# nginx-light itself when it is missing and it runs as root).
# Environment overrides (defaults in brackets):
#   WRK_THREADS [2]  WRK_CONNECTIONS [50]  WRK_DURATION [10s]  WARMUP_DURATION [60s]  ROUNDS [3]
#   GATEWAY_HEAP [512m]  GATEWAY_EXTRA_OPTIONS [none; e.g. -Dgateway.server.event-loop-threads=2]
#   JAR [gateway/target/mfa-gateway.jar]  RESULTS_DIR [loadtest/results]  NOTE [free text put in the results]
# wrk runs under `timeout --foreground` so that Ctrl-C reaches it at once.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JAR=${JAR:-$ROOT/gateway/target/mfa-gateway.jar}
WRK_THREADS=${WRK_THREADS:-2}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-50}
WRK_DURATION=${WRK_DURATION:-10s}
WARMUP_DURATION=${WARMUP_DURATION:-60s}
ROUNDS=${ROUNDS:-3}
GATEWAY_HEAP=${GATEWAY_HEAP:-512m}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/loadtest/results}
NOTE=${NOTE:-}
TENANT=7e5a3c1d-0b6f-4d2a-9c3e-1f2a3b4c5d6e
REQUEST_PATH=/v1/customers
STARTUP_TIMEOUT_S=60

die() { echo "side-by-side: $*" >&2; exit 1; }

WORK=$(mktemp -d /tmp/side-by-side.XXXXXX)
STARTED_PIDS=()
SAMPLER_PIDS=()
cleanup() {
  local pid
  exec 3>&- # closes the issuer's standard input
  for pid in "${SAMPLER_PIDS[@]}" "${STARTED_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${SAMPLER_PIDS[@]}" "${STARTED_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'echo "side-by-side: failed at line $LINENO" >&2' ERR

for tool in java jstat wrk curl awk ss; do command -v "$tool" >/dev/null || die "$tool is missing"; done
if ! command -v nginx >/dev/null && [ -x /usr/sbin/nginx ]; then PATH=$PATH:/usr/sbin; fi
if ! command -v nginx >/dev/null; then
  [ "$(id -u)" = 0 ] || die "nginx is missing: apt-get install -y nginx-light"
  echo "installing nginx-light…"
  (apt-get install -y nginx-light || { apt-get update && apt-get install -y nginx-light; }) >"$WORK/apt.log" 2>&1 \
    || die "could not install nginx-light (see apt-get output above)"
  PATH=$PATH:/usr/sbin
fi
[ -f "$JAR" ] || die "no gateway jar at $JAR: run ./mvnw -B -q package -DskipTests first"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
[[ "$WRK_DURATION" =~ ^[1-9][0-9]*s$ ]] || die "WRK_DURATION must be whole seconds like 10s"
[[ "$WARMUP_DURATION" =~ ^[1-9][0-9]*s$ ]] || die "WARMUP_DURATION must be whole seconds like 60s"
RUN_SECONDS=${WRK_DURATION%s}

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORTS=()
pick_free_ports() { # pick_free_ports N: N distinct free loopback ports into PORTS
  local port
  for _ in $(seq 500); do
    [ "${#PORTS[@]}" -lt "$1" ] || return 0
    port=$((20000 + RANDOM % 40000))
    if [[ " ${PORTS[*]} " != *" $port "* ]] && port_is_free "$port"; then PORTS+=("$port"); fi
  done
  die "no free loopback ports found"
}
wait_until() { # wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s, bounded
  local deadline=$((SECONDS + $1)) what=$2
  shift 2
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || die "timed out waiting for $what"
    sleep 0.2
  done
}
status_of() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true; }
alive() { kill -0 "$1" 2>/dev/null; }

pick_free_ports 3
UPSTREAM_PORT=${PORTS[0]}
GATEWAY_PORT=${PORTS[1]}
ADMIN_PORT=${PORTS[2]}
UPSTREAM=http://127.0.0.1:$UPSTREAM_PORT
GATEWAY=http://127.0.0.1:$GATEWAY_PORT
BODY='{"value":[{"id":"1b3e7c52-2f8a-4d51-9d3c-0c6a4f1e9b20","companyProfile":{"domain":"contoso.example"}}]}'

# --- upstream: nginx, 1 worker, keep-alive, no access log --------------------------------------------------------
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  keepalive_timeout 120s;
  keepalive_requests 100000000;
  server {
    listen 127.0.0.1:$UPSTREAM_PORT;
    location = /nginx-status { stub_status; }
    location / { default_type application/json; return 200 '$BODY'; }
  }
}
EOF
nginx -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" &
STARTED_PIDS+=($!)
NGINX_PID=$!

# --- token issuer: the product's DemoIssuer, alive while fd 3 (its standard input) is open ---------------------------
mkfifo "$WORK/issuer.stdin"
MAX_LIFETIME=$((STARTUP_TIMEOUT_S * 3 + 2 * (${WARMUP_DURATION%s} + 45) + ROUNDS * 2 * (RUN_SECONDS + 45) + 60))
java -cp "$JAR" "$ROOT/loadtest/BenchIssuer.java" "$WORK" "$TENANT" "$MAX_LIFETIME" <"$WORK/issuer.stdin" \
  >"$WORK/issuer.log" 2>&1 &
STARTED_PIDS+=($!)
ISSUER_PID=$!
exec 3>"$WORK/issuer.stdin"

wait_until "$STARTUP_TIMEOUT_S" "nginx on $UPSTREAM" \
  eval 'alive $NGINX_PID || die "nginx exited: $(cat "$WORK/nginx/error.log")"; [ "$(status_of "$UPSTREAM/")" = 200 ]'
NGINX_WORKER_PID=$(pgrep -P "$NGINX_PID" | head -1)
wait_until "$STARTUP_TIMEOUT_S" "the token issuer" \
  eval 'alive $ISSUER_PID || die "the issuer exited: $(cat "$WORK/issuer.log")"; [ -s "$WORK/jwks-uri" ]'
TOKEN=$(cat "$WORK/token")
JWKS_URI=$(cat "$WORK/jwks-uri")

# --- the gateway -----------------------------------------------------------------------------------------------------
cat >"$WORK/gateway.conf" <<EOF
gateway {
  listen { host = "127.0.0.1", port = $GATEWAY_PORT }
  admin { host = "127.0.0.1", port = $ADMIN_PORT }
  mode = enforce
  routes = [{ name = bench, path-prefix = "/", upstream = "$UPSTREAM", audiences = ["https://api.partnercenter.microsoft.com"] }]
  auth { jwks-uri = "$JWKS_URI", allowed-tenants = ["$TENANT"] }
  logging { access-log = off }
}
EOF
GATEWAY_JVM_OPTIONS="-Xmx$GATEWAY_HEAP${GATEWAY_EXTRA_OPTIONS:+ $GATEWAY_EXTRA_OPTIONS}"
java $GATEWAY_JVM_OPTIONS -jar "$JAR" serve --config "$WORK/gateway.conf" >"$WORK/gateway.log" 2>&1 &
STARTED_PIDS+=($!)
GATEWAY_PID=$!
wait_until "$STARTUP_TIMEOUT_S" "the gateway's /readyz" \
  eval 'alive $GATEWAY_PID || die "the gateway exited: $(tail -20 "$WORK/gateway.log")"; [ "$(status_of "http://127.0.0.1:$ADMIN_PORT/readyz")" = 200 ]'

# --- refuse to benchmark refusals --------------------------------------------------------------------------------------
THROUGH=$(curl -s --max-time 5 -w '\n%{http_code}' -H "Authorization: Bearer $TOKEN" "$GATEWAY$REQUEST_PATH" || true)
[ "$THROUGH" = "$BODY"$'\n'200 ] \
  || die "the gateway did not forward the MFA token to nginx (expected 200 and nginx's body, got: $THROUGH)"
WITHOUT=$(status_of "$GATEWAY$REQUEST_PATH")
[ "$WITHOUT" = 401 ] || die "a request without a token got $WITHOUT from the gateway, expected 401"
DIRECT=$(status_of -H "Authorization: Bearer $TOKEN" "$UPSTREAM$REQUEST_PATH")
[ "$DIRECT" = 200 ] || die "nginx answered $DIRECT directly, expected 200"

# --- measuring -------------------------------------------------------------------------------------------------------
to_ms() { # wrk latency like 812.00us, 1.53ms, 1.02s -> milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /m$/) n *= 60000;
                         else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}
nginx_counters() { # "accepts requests" from stub_status; the probe counts itself once in each
  curl -s --max-time 5 "$UPSTREAM/nginx-status" | awk 'NR == 3 { print $1, $3 }'
}
process_start_epoch() { # when PID started, in seconds since the epoch (what jstat -t counts from)
  awk -v boot="$(awk '/^btime/ { print $2 }' /proc/stat)" -v hz="$(getconf CLK_TCK)" \
    '{ sub(/.*\) /, ""); printf "%.2f", boot + $20 / hz }' "/proc/$1/stat"
}
cpu_seconds() { # user + system CPU time of PID so far
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"
}
start_sampling() { # the gateway's heap (jstat) and RSS once a second, for the whole measurement, both sides alike
  jstat -gc -t "$GATEWAY_PID" 1000 >"$WORK/jstat" 2>&1 &
  SAMPLER_PIDS+=($!)
  (while alive "$GATEWAY_PID"; do
     printf '%s %s\n' "$(date +%s.%N)" "$(awk '/^VmRSS/ { print $2 }' "/proc/$GATEWAY_PID/status")"
     sleep 1
   done) >"$WORK/rss" 2>/dev/null &
  SAMPLER_PIDS+=($!)
}
stop_sampling() {
  local pid
  for pid in "${SAMPLER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  SAMPLER_PIDS=()
}
max_heap_used_mib() { # largest S0U + S1U + EU + OU of the jstat samples inside the measured gateway runs
  awk -v start="$(process_start_epoch "$GATEWAY_PID")" 'FNR == NR { from[NR] = $1; to[NR] = $2; n = NR; next }
       /Timestamp/ { for (i = 1; i <= NF; i++) col[$i] = i; next }
       $1 ~ /^[0-9.]+$/ { t = start + $1; used = $col["S0U"] + $col["S1U"] + $col["EU"] + $col["OU"]
                          for (w = 1; w <= n; w++) if (t >= from[w] && t <= to[w] && used > max) max = used }
       END { printf "%d", max / 1024 }' "$WORK/gateway-windows" "$WORK/jstat"
}
max_rss_mib() { # largest VmRSS sampled inside the measured gateway runs
  awk 'FNR == NR { from[NR] = $1; to[NR] = $2; n = NR; next }
       { for (w = 1; w <= n; w++) if ($1 >= from[w] && $1 <= to[w] && $2 > max) max = $2 }
       END { printf "%d", max / 1024 }' "$WORK/gateway-windows" "$WORK/rss"
}

per_request_us() { awk -v cpu="$1" -v n="$2" 'BEGIN { printf "%.1f", cpu * 1e6 / n }'; }
RESULTS=$WORK/runs.tsv
: >"$RESULTS"
GATEWAY_ACCEPTS=0
GATEWAY_REQUESTS=0
run_wrk() { # run_wrk ROUND SIDE URL
  local round=$1 side=$2 url=$3 out=$WORK/wrk.$1.$2 before after
  before=($(nginx_counters))
  local duration=$WRK_DURATION started gateway_cpu_before nginx_cpu_before
  [ "$round" != warmup ] || duration=$WARMUP_DURATION
  gateway_cpu_before=$(cpu_seconds "$GATEWAY_PID")
  nginx_cpu_before=$(cpu_seconds "$NGINX_WORKER_PID")
  started=$(date +%s.%N)
  timeout --foreground $((${duration%s} + 30)) wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$duration" --latency \
    -H "Authorization: Bearer $TOKEN" "$url$REQUEST_PATH" >"$out" 2>&1 || die "wrk failed: $(cat "$out")"
  local rps p50 p99 non2xx errors requests gateway_cpu nginx_cpu
  gateway_cpu=$(awk -v a="$gateway_cpu_before" -v b="$(cpu_seconds "$GATEWAY_PID")" 'BEGIN { printf "%.2f", b - a }')
  nginx_cpu=$(awk -v a="$nginx_cpu_before" -v b="$(cpu_seconds "$NGINX_WORKER_PID")" 'BEGIN { printf "%.2f", b - a }')
  requests=$(awk '/ requests in / { print $1 }' "$out")
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
  errors=$(awk '/Socket errors:/ { sub(/.*Socket errors: /, ""); print }' "$out")
  [ -n "$rps" ] || die "could not read wrk's output: $(cat "$out")"
  [ -z "$non2xx" ] || die "$side run $round had $non2xx responses that were not 2xx: $(cat "$out")"
  if [ "$side" = gateway ] && [ "$round" != warmup ]; then
    echo "$started $(date +%s.%N)" >>"$WORK/gateway-windows"
    after=($(nginx_counters))
    GATEWAY_ACCEPTS=$((GATEWAY_ACCEPTS + after[0] - before[0] - 1))
    GATEWAY_REQUESTS=$((GATEWAY_REQUESTS + after[1] - before[1] - 1))
  fi
  local gateway_us=- nginx_us
  [ "$side" = direct ] || gateway_us=$(per_request_us "$gateway_cpu" "$requests")
  nginx_us=$(per_request_us "$nginx_cpu" "$requests")
  printf '%-7s %-8s %11s %9s %9s %16s %14s  %s\n' "$round" "$side" "$rps" "$p50" "$p99" "$gateway_us" "$nginx_us" \
    "${errors:+socket errors: $errors}" | tee -a "$WORK/table.txt"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$side" "$rps" "$p50" "$p99" "$gateway_us" "$nginx_us" >>"$RESULTS"
}

STAMP=$(date -u +%Y-%m-%dT%H%MZ)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
printf '%-7s %-8s %11s %9s %9s %16s %14s\n' round side requests/s p50_ms p99_ms gateway_cpu_us/req nginx_cpu_us/req \
  | tee "$WORK/table.txt"
: >"$WORK/gateway-windows"
start_sampling
run_wrk warmup direct "$UPSTREAM"
run_wrk warmup gateway "$GATEWAY"
for round in $(seq "$ROUNDS"); do
  run_wrk "$round" direct "$UPSTREAM"
  run_wrk "$round" gateway "$GATEWAY"
  UPSTREAM_CONNECTIONS=$(ss -Htn state established "( dport = :$UPSTREAM_PORT )" | wc -l)
done
stop_sampling
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# --- summary -----------------------------------------------------------------------------------------------------------
median_ratio() { # median_ratio COLUMN: median over rounds of gateway/direct
  awk -F'\t' -v c="$1" '$1 != "warmup" { v[$1, $2] = $c; r[$1] = 1 }
       END { n = 0; for (k in r) ratio[++n] = v[k, "gateway"] / v[k, "direct"];
             for (i = 2; i <= n; i++) { x = ratio[i]; for (j = i - 1; j >= 1 && ratio[j] > x; j--) ratio[j + 1] = ratio[j]; ratio[j + 1] = x }
             printf "%.3f", (n % 2 ? ratio[(n + 1) / 2] : (ratio[n / 2] + ratio[n / 2 + 1]) / 2) }' "$RESULTS"
}
median_of() { # median_of COLUMN SIDE over the measured rounds
  awk -F'\t' -v c="$1" -v side="$2" '$1 != "warmup" && $2 == side { v[++n] = $c }
       END { for (i = 2; i <= n; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
             printf "%.1f", (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) }' "$RESULTS"
}
HEAP_MAX_MIB=$(max_heap_used_mib)
RSS_MAX_MIB=$(max_rss_mib)
HWM_KIB=$(awk '/^VmHWM/ { print $2 }' "/proc/$GATEWAY_PID/status")
GC=$(jcmd "$GATEWAY_PID" VM.flags 2>/dev/null | grep -o -- '-XX:+Use[A-Za-z0-9]*GC' | head -1 || true)
REUSE="$GATEWAY_ACCEPTS new upstream connections for $GATEWAY_REQUESTS upstream requests in the measured gateway runs"
REUSE+="; $UPSTREAM_CONNECTIONS established to nginx after the last run (pool max-connections 64)"

SUMMARY=$WORK/summary.txt
{
  echo "MFA Gateway side-by-side: nginx direct vs. through the gateway (loadtest/side-by-side.sh), $STAMP"
  echo "commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (uncommitted changes)')"
  echo "machine: $(nproc) cores, load average before $LOAD_BEFORE, after $LOAD_AFTER${NOTE:+; $NOTE}"
  echo "wrk $({ wrk -v 2>&1 || true; } | awk 'NR == 1 { print $2 }') -t$WRK_THREADS -c$WRK_CONNECTIONS -d$WRK_DURATION --latency, GET $REQUEST_PATH with a valid MFA bearer token on both sides"
  echo "upstream: $(nginx -v 2>&1 | sed 's/.*: //'), 1 worker, keep-alive, ${#BODY}-byte JSON body"
  echo "gateway: java $(java -version 2>&1 | awk -F'"' 'NR == 1 { print $2 }') $GATEWAY_JVM_OPTIONS ${GC#-XX:+}, serve, enforce, signature verified, access log off"
  echo "checked first: token through the gateway -> 200 with nginx's body; no token -> 401"
  echo "rounds: a warm-up pair of $WARMUP_DURATION each (not counted), then $ROUNDS interleaved pairs direct/gateway of $WRK_DURATION each"
  echo
  cat "$WORK/table.txt"
  echo
  echo "median of per-round ratios gateway/direct: throughput $(median_ratio 3), p50 latency $(median_ratio 4), p99 latency $(median_ratio 5)"
  echo "gateway during the measured runs: max heap used $HEAP_MAX_MIB MiB (jstat -gc, 1 s samples, -Xmx$GATEWAY_HEAP), max RSS $RSS_MAX_MIB MiB (VmRSS, 1 s samples); VmHWM over the whole run $((HWM_KIB / 1024)) MiB"
  echo "CPU per request (median, all threads incl. JIT and GC): gateway $(median_of 6 gateway) us; nginx $(median_of 7 direct) us direct, $(median_of 7 gateway) us behind the gateway"
  echo "connection reuse: $REUSE"
  echo "all processes (wrk, nginx, gateway) share the same $(nproc) cores, so the gateway runs also pay for a third busy process: compare ratios, not absolute numbers."
} >"$SUMMARY"
mkdir -p "$RESULTS_DIR"
cp "$SUMMARY" "$RESULTS_DIR/side-by-side-$STAMP.txt"
echo
cat "$SUMMARY"
echo
echo "written to $RESULTS_DIR/side-by-side-$STAMP.txt"
