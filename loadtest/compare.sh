#!/usr/bin/env bash
# The MFA Gateway's data path next to HAProxy and Spring Cloud Gateway: same upstream, same keys, same tokens.
#
#   ./mvnw -B -q package -DskipTests                                  # gateway/target/mfa-gateway.jar
#   ./mvnw -B -q -Pcompare -pl loadtest/scg package -DskipTests       # loadtest/scg/target/scg-bench.jar
#   loadtest/compare.sh                                               # about 20 minutes with the defaults
#
# It installs nothing: a missing tool stops it with the apt-get line to run. Everything listens on 127.0.0.1 and is
# stopped again on exit, Ctrl-C or error. Targets (TARGETS picks some; haproxy-pass and haproxy-jwt are always in):
#   nginx-direct         the upstream itself (reference row): nginx, 1 worker, keep-alive, `return 200` + small JSON
#   haproxy-pass         HAProxy as a plain reverse proxy to it
#   haproxy-jwt          HAProxy enforcing the gateway's rules with jwt_verify (RS256 public key), issuer, audience,
#                        exp/nbf (60 s skew), tenant allowlist, CPV app-only refusal, `amr` containing `mfa` (HAProxy
#                        2.6 cannot search a JSON array, so amr[0]..amr[7] are tested by index)
#   scg                  Spring Cloud Gateway + Spring Security's OAuth2 resource server with the same rules
#                        (loadtest/scg; keys from the issuer's JWKS URL)
#   mfa-gateway          this gateway, `serve`, enforce, token cache on (default size)
#   mfa-gateway-nocache  a second instance with auth.token-cache.max-entries = 0
# Keys and tokens come from loadtest/BenchIssuer.java (JWKS over HTTP and as a file, the PEM public key HAProxy
# reads, one token per refusal case, a pool of 1,000 valid tokens).
#
# 1. Checks: every target answers a valid MFA token with 200 and nginx's body; every enforcing target refuses (401
#    or 403, and nginx sees no request) a missing token, non-MFA, bad signature, expired, foreign tenant, wrong
#    audience, CPV app-only, alg=none and HS256 (HMAC keyed with the public key). Any surprise aborts the run.
# 2. Warm-up of the JVM targets (WARMUP_DURATION each, not counted), cut into WARMUP_RUNS wrk runs alternating one
#    token and the pool: each run opens and closes its connections, and the JIT throws away and recompiles the hot
#    path the first few times it meets a path it had not seen (connections closing, new ones accepted). Measured:
#    after one long warm-up run the C2 compiler still took 6.9 us of CPU per request in the next 10 s; after five
#    shorter ones, 0.3 us.
# 3. One interleaved round of every target, not recorded (round 0: see there), then
#    ROUNDS interleaved rounds (A B C … A B C …, the order rotating each round) of wrk runs of WRK_DURATION, in two
#    token mixes: `single` (one token reused on every request) and `pool` (each request the next of the 1,000
#    tokens; nginx-direct is left out). Median of the rounds; ratios are taken within a round, then the median.
# 4. Open model: OPEN_ROUNDS interleaved rounds of OPEN_DURATION (after OPEN_WARMUP) at a fixed OPEN_RATE per target
#    with one token, after OPEN_JVM_WARMUP of the same traffic for each JVM target, through loadtest/OpenModelLoad.java
#    (Debian has no wrk2): latency counted from when each request was due, so queueing counts. OPEN_RATE=auto is
#    half of the lower single-mix throughput of mfa-gateway and haproxy-jwt (the rate both must sustain to be
#    compared; half of the gateway's own peak is beyond jwt_verify's peak, and beyond what the injector can offer from
#    the shared load core); a target whose own single-mix throughput is below 1.1x the rate is left out of this pass
#    (it would only measure a queue that keeps growing).
# While one target is measured (warm-up, rounds, open pass) every other proxy process is paused (SIGSTOP, SIGCONT
# after): their JIT compilers, collectors and timers would otherwise run on the same core in the middle of another
# target's run.
# Pinning: each proxy runs under `taskset -c $PROXY_CPUS`, wrk, nginx, the issuer and the open-model injector under
# `taskset -c $LOAD_CPUS` (both empty: no pinning). CPU per request is the proxy process's user+system time (all
# threads, /proc/PID/stat) over the requests of the run; for nginx-direct it is nginx's worker. For the JVM targets
# the runs also show how much of it went to the JIT compiler threads and to the GC and VM threads.
# Output: one table (req/s, p50, p99, p99.9, CPU µs/request, each also as ratio to haproxy-pass and to haproxy-jwt
# of the same mix), written with the runs, the checks and the settings to loadtest/results/compare-<UTC>.txt, the
# table as compare-<UTC>.csv, every run as compare-<UTC>-runs.csv, and a chart compare-<UTC>.png (gnuplot).
#
# Environment overrides (defaults in brackets):
#   WRK_THREADS [1]  WRK_CONNECTIONS [50]  WRK_DURATION [10s]  WARMUP_DURATION [60s]  WARMUP_RUNS [6]  ROUNDS [3]
#   OPEN_RATE [auto]  OPEN_DURATION [30s]  OPEN_WARMUP [5s]  OPEN_ROUNDS [3]  OPEN_JVM_WARMUP [20s]  OPEN_CONNECTIONS [50]
#   PROXY_CPUS [0]  LOAD_CPUS [1]  JVM_OPTIONS [as in the chart's default pod, below]  TARGETS [all six]
#   STEAL_MAX [5]  STEAL_REPEATS [2]  (a measured run during which the hypervisor took more than STEAL_MAX % of the
#   proxy core or of the load core is run again, at most STEAL_REPEATS times; the repeated one stays in the runs,
#   marked `-stolen`)
#   NOTE [free text put in the results]
#   JAR [gateway/target/mfa-gateway.jar]  SCG_JAR [loadtest/scg/target/scg-bench.jar]  RESULTS_DIR [loadtest/results]
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JAR=${JAR:-$ROOT/gateway/target/mfa-gateway.jar}
SCG_JAR=${SCG_JAR:-$ROOT/loadtest/scg/target/scg-bench.jar}
WRK_THREADS=${WRK_THREADS:-1}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-50}
WRK_DURATION=${WRK_DURATION:-10s}
WARMUP_DURATION=${WARMUP_DURATION:-60s}
WARMUP_RUNS=${WARMUP_RUNS:-6}
ROUNDS=${ROUNDS:-3}
OPEN_RATE=${OPEN_RATE:-auto}
OPEN_DURATION=${OPEN_DURATION:-30s}
OPEN_WARMUP=${OPEN_WARMUP:-5s}
OPEN_ROUNDS=${OPEN_ROUNDS:-3}
OPEN_JVM_WARMUP=${OPEN_JVM_WARMUP:-20s}
OPEN_CONNECTIONS=${OPEN_CONNECTIONS:-50}
STEAL_MAX=${STEAL_MAX:-5}
STEAL_REPEATS=${STEAL_REPEATS:-2}
PROXY_CPUS=${PROXY_CPUS-0}
LOAD_CPUS=${LOAD_CPUS-1}
# The JVM targets run as the Helm chart's default pod runs the gateway: a 512 MiB memory limit the JVM sees
# (-XX:MaxRAM), half of it for the heap (-XX:MaxRAMPercentage=50, the Dockerfile's and values.yaml's default), and the
# collector the JVM picks by itself in such a pod (Serial: under 1792 MiB it does not count the machine as a server),
# with the young generation the image and chart start it at (-XX:NewSize=24m, jvm.newSize); the same options as
# IdleConnectionsMemoryTest.POD_JVM.
JVM_OPTIONS=${JVM_OPTIONS:--XX:MaxRAM=512m -XX:MaxRAMPercentage=50 -XX:+UseSerialGC -XX:NewSize=24m -XX:+ExitOnOutOfMemoryError}
ALL_TARGETS="nginx-direct haproxy-pass haproxy-jwt scg mfa-gateway mfa-gateway-nocache"
TARGETS=${TARGETS:-$ALL_TARGETS}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/loadtest/results}
NOTE=${NOTE:-}
TENANT=7e5a3c1d-0b6f-4d2a-9c3e-1f2a3b4c5d6e
CPV_APP_ID=6b0f3c2e-cafe-4000-8000-00000000c0de
AUDIENCE=https://api.partnercenter.microsoft.com
REQUEST_PATH=/v1/customers
STARTUP_TIMEOUT_S=180
JVM_TARGETS=" scg mfa-gateway mfa-gateway-nocache "
REFUSAL_CASES="missing non-mfa bad-signature expired foreign-tenant wrong-audience cpv-app-only alg-none hs256"

SCRIPT_NAME=compare
# shellcheck source=loadtest/lib.sh
source "$ROOT/loadtest/lib.sh"

# --- what is needed; nothing is installed here ----------------------------------------------------------------------
if ! command -v nginx >/dev/null && [ -x /usr/sbin/nginx ]; then PATH=$PATH:/usr/sbin; fi
if ! command -v haproxy >/dev/null && [ -x /usr/sbin/haproxy ]; then PATH=$PATH:/usr/sbin; fi
MISSING=()
for tool_package in wrk:wrk nginx:nginx-light haproxy:haproxy gnuplot:gnuplot-nox curl:curl taskset:util-linux \
                    java:openjdk-17-jdk-headless javac:openjdk-17-jdk-headless; do
  command -v "${tool_package%%:*}" >/dev/null || MISSING+=("${tool_package#*:}")
done
if [ "${#MISSING[@]}" -gt 0 ]; then
  die "missing: ${MISSING[*]}. Install with: apt-get install -y $(printf '%s\n' "${MISSING[@]}" | sort -u | tr '\n' ' ')"
fi
HAPROXY_VERSION=$(haproxy -v | awk 'NR == 1 { print $3 }')
awk -v v="$HAPROXY_VERSION" 'BEGIN { split(v, p, "."); exit !(p[1] > 2 || (p[1] == 2 && p[2] >= 5)) }' \
  || die "HAProxy $HAPROXY_VERSION has no jwt_verify; 2.5 or newer is needed (Debian 12: apt-get install -y haproxy)"
[ -f "$JAR" ] || die "no gateway jar at $JAR: run ./mvnw -B -q package -DskipTests first"
for target in $TARGETS; do
  [[ " $ALL_TARGETS " == *" $target "* ]] || die "unknown target $target in TARGETS (known: $ALL_TARGETS)"
done
[[ " $TARGETS " == *" haproxy-pass "* && " $TARGETS " == *" haproxy-jwt "* ]] \
  || die "TARGETS must include haproxy-pass and haproxy-jwt (the ratios are taken to them)"
if [[ " $TARGETS " == *" scg "* ]] && [ ! -f "$SCG_JAR" ]; then
  die "no Spring Cloud Gateway jar at $SCG_JAR: run ./mvnw -B -q -Pcompare -pl loadtest/scg package -DskipTests first"
fi
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
for setting in WRK_DURATION WARMUP_DURATION OPEN_DURATION OPEN_WARMUP OPEN_JVM_WARMUP; do
  [[ "${!setting}" =~ ^[0-9]+s$ ]] || die "$setting must be whole seconds like 10s"
done
[[ "$OPEN_RATE" == auto || "$OPEN_RATE" =~ ^[1-9][0-9]*$ ]] || die "OPEN_RATE must be auto or requests per second"
for cpus in PROXY_CPUS LOAD_CPUS; do
  [ -z "${!cpus}" ] || taskset -c "${!cpus}" true 2>/dev/null || die "$cpus=${!cpus} is not a usable CPU list here"
done
# Command prefixes (taskset execs the command, so $! is the process itself).
PROXY_PIN=()
LOAD_PIN=()
[ -z "$PROXY_CPUS" ] || PROXY_PIN=(taskset -c "$PROXY_CPUS")
[ -z "$LOAD_CPUS" ] || LOAD_PIN=(taskset -c "$LOAD_CPUS")
seconds_of() { echo "${1%s}"; }


pick_free_ports 8
UPSTREAM_PORT=${PORTS[0]}
declare -A PORT_OF=([nginx-direct]=${PORTS[0]} [haproxy-pass]=${PORTS[1]} [haproxy-jwt]=${PORTS[2]} [scg]=${PORTS[3]}
                    [mfa-gateway]=${PORTS[4]} [mfa-gateway-nocache]=${PORTS[5]})
ADMIN_PORT_CACHE=${PORTS[6]}
ADMIN_PORT_NOCACHE=${PORTS[7]}
UPSTREAM=http://127.0.0.1:$UPSTREAM_PORT
BODY='{"value":[{"id":"1b3e7c52-2f8a-4d51-9d3c-0c6a4f1e9b20","companyProfile":{"domain":"contoso.example"}}]}'
declare -A PID_OF=()

# --- upstream: nginx, 1 worker, keep-alive, no access log ----------------------------------------------------------
start_nginx "$UPSTREAM_PORT" "$BODY" "${LOAD_PIN[@]}"

# --- the issuer and the open-model injector, compiled once with the parts they share -------------------------------
mkdir -p "$WORK/classes"
javac -nowarn -cp "$JAR" -d "$WORK/classes" "$ROOT/loadtest/BenchIssuer.java" "$ROOT/loadtest/OpenModelLoad.java" \
  "$ROOT/loadtest/TestTokens.java" "$ROOT/loadtest/ScriptIo.java" "$ROOT/loadtest/LoadClient.java" 2>"$WORK/javac.log" \
  || die "could not compile loadtest/BenchIssuer.java and OpenModelLoad.java: $(cat "$WORK/javac.log")"

# --- keys and tokens: BenchIssuer, alive while fd 3 (its standard input) is open -------------------------------------
mkfifo "$WORK/issuer.stdin"
"${LOAD_PIN[@]}" java -cp "$JAR:$WORK/classes" BenchIssuer "$WORK" "$TENANT" "$CPV_APP_ID" 7200 \
  <"$WORK/issuer.stdin" >"$WORK/issuer.log" 2>&1 &
STARTED_PIDS+=($!)
ISSUER_PID=$!
exec 3>"$WORK/issuer.stdin"

wait_until "$STARTUP_TIMEOUT_S" "nginx on $UPSTREAM" \
  eval 'alive $NGINX_PID || die "nginx exited: $(cat "$WORK/nginx/error.log")"; [ "$(status_of "$UPSTREAM/")" = 200 ]'
NGINX_WORKER_PID=$(pgrep -P "$NGINX_PID" | head -1)
PID_OF[nginx-direct]=$NGINX_WORKER_PID
wait_until "$STARTUP_TIMEOUT_S" "the token issuer" \
  eval 'alive $ISSUER_PID || die "the issuer exited: $(cat "$WORK/issuer.log")"; [ -s "$WORK/jwks-uri" ]'
JWKS_URI=$(cat "$WORK/jwks-uri")
TOKEN=$(cat "$WORK/tokens/valid")

# --- HAProxy: both frontends in one process, one thread ---------------------------------------------------------------
{
  cat <<EOF
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option forwardfor
  http-reuse always
backend nginx
  server nginx 127.0.0.1:$UPSTREAM_PORT
frontend haproxy-pass
  bind 127.0.0.1:${PORT_OF[haproxy-pass]}
  default_backend nginx
frontend haproxy-jwt
  bind 127.0.0.1:${PORT_OF[haproxy-jwt]}
  default_backend nginx
  http-request set-var(txn.bearer) http_auth_bearer
  http-request set-var(txn.alg) var(txn.bearer),jwt_header_query('\$.alg')
  http-request deny deny_status 401 unless { var(txn.alg) -m str RS256 }
  http-request deny deny_status 401 unless { var(txn.bearer),jwt_verify("RS256","$WORK/public-key.pem") -m int 1 }
  http-request set-var(txn.now) date()
  http-request set-var(txn.exp) var(txn.bearer),jwt_payload_query('\$.exp','int')
  http-request set-var(txn.nbf) var(txn.bearer),jwt_payload_query('\$.nbf','int')
  http-request set-var(txn.tid) var(txn.bearer),jwt_payload_query('\$.tid')
  http-request set-var(txn.iss) var(txn.bearer),jwt_payload_query('\$.iss')
  http-request set-var(txn.iss_v1) str(https://sts.windows.net/),concat(,txn.tid,/)
  http-request set-var(txn.iss_v2) str(https://login.microsoftonline.com/),concat(,txn.tid,/v2.0)
  http-request set-var(txn.aud) var(txn.bearer),jwt_payload_query('\$.aud')
  http-request set-var(txn.idtyp) var(txn.bearer),jwt_payload_query('\$.idtyp')
  http-request set-var(txn.scp) var(txn.bearer),jwt_payload_query('\$.scp')
  http-request set-var(txn.appid) var(txn.bearer),jwt_payload_query('\$.appid')
  http-request set-var(txn.azp) var(txn.bearer),jwt_payload_query('\$.azp')
  acl unexpired var(txn.exp),add(60),sub(txn.now) -m int gt 0
  acl early var(txn.nbf),sub(txn.now) -m int gt 60
  acl issuer_ok var(txn.iss),strcmp(txn.iss_v1) -m int eq 0
  acl issuer_ok var(txn.iss),strcmp(txn.iss_v2) -m int eq 0
  acl audience_ok var(txn.aud) -m str $AUDIENCE
  acl tenant_ok var(txn.tid) -m str -i $TENANT
  acl app_only var(txn.idtyp) -m str app
  acl has_scope var(txn.scp) -m reg \S
  acl cpv var(txn.appid) -m str -i $CPV_APP_ID
  acl cpv var(txn.azp) -m str -i $CPV_APP_ID
EOF
  for index in 0 1 2 3 4 5 6 7; do
    echo "  acl mfa var(txn.bearer),jwt_payload_query('\$.amr[$index]') -m str mfa"
  done
  cat <<EOF
  http-request deny deny_status 401 unless unexpired
  http-request deny deny_status 401 if early
  http-request deny deny_status 401 unless issuer_ok
  http-request deny deny_status 401 unless audience_ok
  http-request deny deny_status 403 unless tenant_ok
  http-request deny deny_status 403 if app_only cpv || !has_scope cpv
  http-request deny deny_status 401 unless app_only || !has_scope || mfa
EOF
} >"$WORK/haproxy.cfg"
haproxy -c -q -f "$WORK/haproxy.cfg" >"$WORK/haproxy-check.log" 2>&1 \
  || die "HAProxy rejected the generated configuration: $(cat "$WORK/haproxy-check.log")"
"${PROXY_PIN[@]}" haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 3>&- &
STARTED_PIDS+=($!)
PID_OF[haproxy-pass]=$!
PID_OF[haproxy-jwt]=$!

# --- the JVM targets, started together ----------------------------------------------------------------------------
start_gateway() { # start_gateway TARGET ADMIN_PORT CACHE_ENTRIES
  cat >"$WORK/$1.conf" <<EOF
gateway {
  listen { host = "127.0.0.1", port = ${PORT_OF[$1]} }
  admin { host = "127.0.0.1", port = $2 }
  mode = enforce
  routes = [{ name = compare, path-prefix = "/", upstream = "$UPSTREAM", audiences = ["$AUDIENCE"] }]
  auth {
    jwks-uri = "$JWKS_URI"
    allowed-tenants = ["$TENANT"]
    cpv-app-ids = ["$CPV_APP_ID"]
    token-cache { max-entries = $3 }
  }
}
EOF
  "${PROXY_PIN[@]}" java $JVM_OPTIONS -jar "$JAR" serve --config "$WORK/$1.conf" >"$WORK/$1.log" 2>&1 3>&- &
  STARTED_PIDS+=($!)
  PID_OF[$1]=$!
}
if [[ " $TARGETS " == *" mfa-gateway "* ]]; then start_gateway mfa-gateway "$ADMIN_PORT_CACHE" 100000; fi
if [[ " $TARGETS " == *" mfa-gateway-nocache "* ]]; then start_gateway mfa-gateway-nocache "$ADMIN_PORT_NOCACHE" 0; fi
if [[ " $TARGETS " == *" scg "* ]]; then
  "${PROXY_PIN[@]}" java $JVM_OPTIONS -jar "$SCG_JAR" --server.address=127.0.0.1 --server.port="${PORT_OF[scg]}" \
    --compare.upstream="$UPSTREAM" --compare.jwks-uri="$JWKS_URI" --compare.allowed-tenants="$TENANT" \
    --compare.cpv-app-ids="$CPV_APP_ID" >"$WORK/scg.log" 2>&1 3>&- &
  STARTED_PIDS+=($!)
  PID_OF[scg]=$!
fi
url_of() { echo "http://127.0.0.1:${PORT_OF[$1]}"; }
target_answers() { # target_answers TARGET: the process lives and its port answers HTTP
  alive "${PID_OF[$1]}" || die "$1 exited: $(tail -20 "$WORK/$1.log" 2>/dev/null || true)"
  [ "$(status_of "$(url_of "$1")/")" != 000 ]
}
for target in $TARGETS; do
  wait_until "$STARTUP_TIMEOUT_S" "$target on $(url_of "$target")" target_answers "$target"
done
gateway_ready() { [ "$(status_of "http://127.0.0.1:$1/readyz")" = 200 ]; }
if [[ " $TARGETS " == *" mfa-gateway "* ]]; then
  wait_until "$STARTUP_TIMEOUT_S" "mfa-gateway's /readyz" gateway_ready "$ADMIN_PORT_CACHE"
fi
if [[ " $TARGETS " == *" mfa-gateway-nocache "* ]]; then
  wait_until "$STARTUP_TIMEOUT_S" "mfa-gateway-nocache's /readyz" gateway_ready "$ADMIN_PORT_NOCACHE"
fi

# --- 1. refuse to measure refusals ---------------------------------------------------------------------------------
nginx_requests() { curl -s --max-time 5 "$UPSTREAM/nginx-status" | awk 'NR == 3 { print $3 }'; }
CHECKS=$WORK/checks.txt
printf '%-20s %-6s %-14s' target valid other-app-only >"$CHECKS"
for case_name in $REFUSAL_CASES; do printf ' %-14s' "$case_name" >>"$CHECKS"; done
echo >>"$CHECKS"
for target in $TARGETS; do
  url=$(url_of "$target")$REQUEST_PATH
  answer=$(curl -s --max-time 5 -w '\n%{http_code}' -H "Authorization: Bearer $TOKEN" "$url" || true)
  [ "$answer" = "$BODY"$'\n'200 ] || die "$target did not forward a valid MFA token to nginx (expected 200 and nginx's body, got: $answer)"
  printf '%-20s %-6s' "$target" 200 >>"$CHECKS"
  if [ "$target" = nginx-direct ] || [ "$target" = haproxy-pass ]; then
    echo "  (not enforcing: the other cases are not sent)" >>"$CHECKS"
    continue
  fi
  answer=$(curl -s --max-time 5 -w '\n%{http_code}' -H "Authorization: Bearer $(cat "$WORK/tokens/other-app-only")" "$url" || true)
  [ "$answer" = "$BODY"$'\n'200 ] || die "$target did not forward an app-only token of a non-CPV app (expected 200 and nginx's body, got: $answer)"
  printf ' %-14s' 200 >>"$CHECKS"
  for case_name in $REFUSAL_CASES; do
    before=$(nginx_requests)
    if [ "$case_name" = missing ]; then
      status=$(status_of "$url")
    else
      status=$(status_of -H "Authorization: Bearer $(cat "$WORK/tokens/$case_name")" "$url")
    fi
    forwarded=$(($(nginx_requests) - before - 1)) # the probe counts itself once
    [[ "$status" == 401 || "$status" == 403 ]] || die "$target answered $status to the $case_name case, expected 401 or 403"
    [ "$forwarded" = 0 ] || die "$target forwarded the $case_name case to nginx"
    printf ' %-14s' "$status" >>"$CHECKS"
  done
  echo >>"$CHECKS"
done
echo "checks passed:"
cat "$CHECKS"

# --- measuring -------------------------------------------------------------------------------------------------------
cpu_seconds() { # user + system CPU time of PID so far
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"
}
jvm_side_cpu() { # jvm_side_cpu PID: "JIT GC" — CPU seconds so far of the JVM's compiler threads and of its GC and VM
  # threads (with the Notification Thread, which runs the listeners of each collection's JMX notification: Micrometer's)
  local task
  for task in /proc/"$1"/task/*; do
    printf '%s\t%s\n' "$(cat "$task/comm" 2>/dev/null)" "$(sed 's/.*) //' "$task/stat" 2>/dev/null | awk '{ print $12 + $13 }')"
  done | awk -F'\t' -v hz="$(getconf CLK_TCK)" '
    $1 ~ /Compiler/ { jit += $2 } $1 ~ /^(GC |G1 |VM Thread|VM Periodic|Notification)/ { gc += $2 }
    END { printf "%.2f %.2f", jit / hz, gc / hz }'
}
steal_ticks() { # steal_ticks CPUS: the hypervisor's steal time so far on core CPUS (all cores unless one), in ticks
  local line=cpu
  [[ ! "$1" =~ ^[0-9]+$ ]] || line=cpu$1
  awk -v line="$line" '$1 == line { print $9 }' /proc/stat
}
steal_pct() { # steal_pct CPUS BEFORE AFTER SECONDS: the share of core CPUS' time the hypervisor took, in %
  local cores=1
  [[ "$1" =~ ^[0-9]+$ ]] || cores=$(nproc)
  shift
  awk -v a="$1" -v b="$2" -v s="$3" -v hz="$(getconf CLK_TCK)" -v cores="$cores" \
    'BEGIN { printf "%.1f", (s > 0 ? (b - a) * 100 / (s * hz * cores) : 0) }'
}
per_request_us() { # per_request_us BEFORE AFTER REQUESTS: a CPU-seconds difference per request, in us (0 if negative:
  # the JVM stops compiler threads it no longer needs, and their time leaves with them)
  awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { d = b - a; printf "%.1f", (d < 0 ? 0 : d) * 1e6 / n }'
}
nginx_accepts() { curl -s --max-time 5 "$UPSTREAM/nginx-status" | awk 'NR == 3 { print $1 }'; }
field() { # field KEY LINE: the value of KEY=value in LINE
  awk -v key="$1" '{ for (i = 1; i <= NF; i++) if (index($i, key "=") == 1) print substr($i, length(key) + 2) }' <<<"$2"
}
RUNS=$WORK/runs.tsv
printf 'phase\tmix\ttarget\tseconds\trequests\trequests_per_s\tp50_ms\tp99_ms\tp999_ms\tcpu_us_per_request\tnginx_cpu_us_per_request\tnew_upstream_connections\tsocket_errors\tnon_2xx\tjit_cpu_us_per_request\tgc_vm_cpu_us_per_request\tproxy_core_steal_pct\tload_core_steal_pct\n' >"$RUNS"
record_run() { # record_run PHASE MIX TARGET SECONDS REQUESTS P50_US P99_US P999_US CPU_S NGINX_CPU_S ACCEPTS ERRORS NON_2XX JIT_US GC_US STEAL_PCT LOAD_STEAL_PCT
  awk -v OFS='\t' -v phase="$1" -v mix="$2" -v target="$3" -v s="$4" -v n="$5" -v p50="$6" -v p99="$7" -v p999="$8" \
      -v cpu="$9" -v ncpu="${10}" -v accepts="${11}" -v errors="${12}" -v non2xx="${13}" -v jit="${14}" -v gc="${15}" -v steal="${16}" -v load_steal="${17}" 'BEGIN {
    printf "%s\t%s\t%s\t%.2f\t%d\t%.0f\t%.3f\t%.3f\t%.3f\t%.1f\t%.1f\t%d\t%d\t%d\t%s\t%s\t%s\t%s\n", phase, mix, target, s, n, n / s,
      p50 / 1000, p99 / 1000, p999 / 1000, cpu * 1e6 / n, ncpu * 1e6 / n, accepts, errors, non2xx, jit, gc, steal, load_steal }' >>"$RUNS"
  tail -1 "$RUNS" | awk -F'\t' '{ printf "%-8s %-7s %-20s %9s req/s  p50 %7s ms  p99 %7s ms  p99.9 %7s ms  %7s us/req\n", $1, $2, $3, $6, $7, $8, $9, $10 }'
}
check_statuses() { # check_statuses TARGET RUN NON_2XX REQUESTS: more than 1 in 1,000 not 2xx is no measurement
  if [ $(($3 * 1000)) -gt "$4" ] && [[ "$2" != *warmup ]]; then
    die "$1 ($2) answered $3 of $4 requests with a status other than 2xx; its log ends with:
$(tail -20 "$WORK/$1.log" 2>/dev/null || true)"
  fi
  [ "$3" = 0 ] || echo "compare: $1 ($2) answered $3 of $4 requests with a status other than 2xx (kept in the runs)" >&2
}
pause_others() { # pause_others TARGET: every other proxy process stopped (never nginx, the upstream of all)
  local pid
  for pid in $(printf '%s\n' "${PID_OF[@]}" | sort -u); do
    [ "$pid" = "${PID_OF[$1]}" ] || [ "$pid" = "$NGINX_WORKER_PID" ] || kill -STOP "$pid" 2>/dev/null || true
  done
}
resume_all() {
  local pid
  for pid in $(printf '%s\n' "${PID_OF[@]}" | sort -u); do kill -CONT "$pid" 2>/dev/null || true; done
}
start_measuring() { # start_measuring TARGET: every other proxy paused, then the counters the run is measured from
  local pid=${PID_OF[$1]}
  pause_others "$1"
  BEFORE_SIDE=$(jvm_side_cpu "$pid")
  BEFORE_STEAL=$(steal_ticks "$PROXY_CPUS")
  BEFORE_LOAD_STEAL=$(steal_ticks "$LOAD_CPUS")
  BEFORE_CPU=$(cpu_seconds "$pid")
  BEFORE_NGINX_CPU=$(cpu_seconds "$NGINX_WORKER_PID")
  BEFORE_ACCEPTS=$(nginx_accepts)
}
finish_measuring() { # finish_measuring PHASE MIX TARGET SECONDS REQUESTS ANSWERED P50_US P99_US P999_US ERRORS NON_2XX STEAL_S
  # Records the run against start_measuring's counters. CPU is divided over ANSWERED, every request answered while
  # measured; REQUESTS, those whose latency is recorded, are fewer when the injector had a warm-up of its own.
  local pid=${PID_OF[$3]} side_after
  side_after=$(jvm_side_cpu "$pid")
  record_run "$1" "$2" "$3" "$4" "$5" "$7" "$8" "$9" \
    "$(awk -v a="$BEFORE_CPU" -v b="$(cpu_seconds "$pid")" -v all="$6" -v n="$5" 'BEGIN { print (b - a) * n / all }')" \
    "$(awk -v a="$BEFORE_NGINX_CPU" -v b="$(cpu_seconds "$NGINX_WORKER_PID")" -v all="$6" -v n="$5" 'BEGIN { print (b - a) * n / all }')" \
    "$(($(nginx_accepts) - BEFORE_ACCEPTS - 1))" "${10}" "${11}" \
    "$(jvm_side "$3" "${BEFORE_SIDE% *}" "${side_after% *}" "$6")" \
    "$(jvm_side "$3" "${BEFORE_SIDE#* }" "${side_after#* }" "$6")" \
    "$(steal_pct "$PROXY_CPUS" "$BEFORE_STEAL" "$(steal_ticks "$PROXY_CPUS")" "${12}")" \
    "$(steal_pct "$LOAD_CPUS" "$BEFORE_LOAD_STEAL" "$(steal_ticks "$LOAD_CPUS")" "${12}")"
}
jvm_side() { # jvm_side TARGET BEFORE AFTER REQUESTS: per_request_us for a JVM target, "-" for the others
  if [[ "$JVM_TARGETS" == *" $1 "* ]]; then per_request_us "$2" "$3" "$4"; else echo -; fi
}
run_wrk() { # run_wrk PHASE MIX TARGET DURATION
  local phase=$1 mix=$2 target=$3 duration=$4 out=$WORK/wrk.$1.$2.$3 line requests seconds tokens=
  [ "$mix" = single ] || tokens=$WORK/token-pool
  start_measuring "$target"
  WRK_TOKENS=$tokens "${LOAD_PIN[@]}" timeout --foreground $(($(seconds_of "$duration") + 30)) \
    wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"$duration" -s "$ROOT/loadtest/compare.lua" \
    -H "Authorization: Bearer $TOKEN" "$(url_of "$target")$REQUEST_PATH" >"$out" 2>&1 || die "wrk failed: $(cat "$out")"
  resume_all
  line=$(grep '^COMPARE ' "$out") || die "could not read wrk's output: $(cat "$out")"
  requests=$(field requests "$line")
  check_statuses "$target" "$mix, $phase" "$(field non2xx "$line")" "$requests"
  [ "$requests" -gt 0 ] || die "$target ($mix, $phase) answered no request"
  [ "$phase" != warmup ] || return 0
  seconds=$(awk -v d="$(field duration_us "$line")" 'BEGIN { print d / 1e6 }')
  finish_measuring "$phase" "$mix" "$target" "$seconds" "$requests" "$requests" \
    "$(field p50_us "$line")" "$(field p99_us "$line")" "$(field p999_us "$line")" \
    "$(field socket_errors "$line")" "$(field non2xx "$line")" "$seconds"
}
run_open() { # run_open PHASE TARGET RATE: PHASE is warmup (not recorded) or open<round>
  local phase=$1 target=$2 rate=$3 out=$WORK/open.$1.$2 line warmup=$OPEN_WARMUP duration=$OPEN_DURATION
  [ "$phase" != warmup ] || { warmup=1s; duration=$OPEN_JVM_WARMUP; }
  start_measuring "$target"
  "${LOAD_PIN[@]}" java -Xmx256m -cp "$JAR:$WORK/classes" OpenModelLoad "$(url_of "$target")$REQUEST_PATH" "$rate" \
    "$(seconds_of "$warmup")" "$(seconds_of "$duration")" "$OPEN_CONNECTIONS" "$WORK/tokens/valid" \
    >"$out" 2>&1 || die "the open-model injector failed: $(cat "$out")"
  resume_all
  line=$(grep '^OPEN ' "$out") || die "could not read the injector's output: $(cat "$out")"
  check_statuses "$target" "open model" "$(field non2xx "$line")" "$(field requests "$line")"
  [ "$(field unanswered "$line")" = 0 ] || die "$target left $(field unanswered "$line") requests unanswered (open model)"
  [ "$phase" != warmup ] || return 0
  echo "$target ${phase#open} $line" >>"$WORK/open-lines"
  finish_measuring "$phase" single "$target" "$(field seconds "$line")" "$(field requests "$line")" \
    "$(field answered "$line")" "$(field p50_us "$line")" "$(field p99_us "$line")" "$(field p999_us "$line")" \
    "$(field errors "$line")" "$(field non2xx "$line")" "$(($(seconds_of "$warmup") + $(seconds_of "$duration")))"
}
unless_stolen() { # unless_stolen RUN PHASE ARGS...: RUN, repeated while the hypervisor took more than STEAL_MAX % of
  # the proxy core or of the load core (wrk, the injector, nginx), at most STEAL_REPEATS times; the last try counts
  # whatever its steal. A repeated run stays in the runs as PHASE-stolen and is left out of the table: a run that lost
  # its core for part of the time measures the neighbours, and would be compared with a target measured in a quiet
  # moment of the same round.
  local repeat steal target
  for repeat in $(seq 0 "$STEAL_REPEATS"); do
    "$@"
    read -r target steal < <(tail -1 "$RUNS" | awk -F'\t' '{ print $3, ($17 > $18 ? $17 : $18) }')
    awk -v s="$steal" -v max="$STEAL_MAX" 'BEGIN { exit !(s > max) }' && [ "$repeat" -lt "$STEAL_REPEATS" ] || return 0
    sed -i "\$ s/^$2\t/$2-stolen\t/" "$RUNS"
    [ "$1" != run_open ] || sed -i '$ s/^\([^ ]* [^ ]*\)/\1-stolen/' "$WORK/open-lines"
    echo "compare: $target ($2) lost ${steal}% of the proxy or the load core to the hypervisor (over ${STEAL_MAX}%): run again" >&2
  done
}
rotated() { # rotated N WORDS...: WORDS starting at the Nth (mod count)
  local n=$1
  shift
  local words=("$@")
  local i
  for i in "${!words[@]}"; do echo -n "${words[$(((i + n) % ${#words[@]}))]} "; done
}

STAMP=$(date -u +%Y-%m-%dT%H%MZ)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
STARTED_AT=$SECONDS
WARMUP_RUN=$(($(seconds_of "$WARMUP_DURATION") / WARMUP_RUNS))
[ "$WARMUP_RUN" -ge 1 ] || WARMUP_RUN=1
for target in $TARGETS; do
  [[ "$JVM_TARGETS" == *" $target "* ]] || continue
  echo "warming up $target ($WARMUP_RUNS runs of ${WARMUP_RUN}s, one token and the pool in turn)"
  for run in $(seq "$WARMUP_RUNS"); do
    if ((run % 2)); then run_wrk warmup single "$target" "${WARMUP_RUN}s"; else run_wrk warmup pool "$target" "${WARMUP_RUN}s"; fi
  done
done
read -r -a TARGET_LIST <<<"$TARGETS"
# Round 0, not recorded: every target once per mix, so that each comes to round 1 after the other targets' runs, as it
# comes to every later round, and not after the other JVMs' warm-ups (over a minute, long enough for the gateway's
# pool to close its idle upstream connections and for the JIT to recompile its event loop when traffic returns).
echo "round 0 (not recorded): every target once per mix"
for mix in single pool; do
  for target in "${TARGET_LIST[@]}"; do
    [ "$mix" = single ] || [ "$target" != nginx-direct ] || continue
    run_wrk warmup "$mix" "$target" "$WRK_DURATION"
  done
done
for round in $(seq "$ROUNDS"); do
  for mix in single pool; do
    for target in $(rotated "$((round - 1))" "${TARGET_LIST[@]}"); do
      [ "$mix" = single ] || [ "$target" != nginx-direct ] || continue
      unless_stolen run_wrk "$round" "$mix" "$target" "$WRK_DURATION"
    done
  done
done
single_mix_rate() { # single_mix_rate TARGET: its mean single-mix requests/s over the rounds
  awk -F'\t' -v target="$1" '$1 ~ /^[0-9]+$/ && $2 == "single" && $3 == target { n++; sum += $6 }
    END { printf "%d", n ? sum / n : 0 }' "$RUNS"
}
if [ "$OPEN_RATE" = auto ]; then
  if [[ " $TARGETS " == *" mfa-gateway "* ]]; then
    OPEN_RATE=$(printf '%s\n' "$(single_mix_rate mfa-gateway)" "$(single_mix_rate haproxy-jwt)" | sort -n | head -1)
    OPEN_RATE=$((OPEN_RATE / 2 / 100 * 100))
    OPEN_RATE_NOTE="auto: half of the lower mean single-mix throughput of mfa-gateway ($(single_mix_rate mfa-gateway)) and haproxy-jwt ($(single_mix_rate haproxy-jwt)), rounded down to 100"
  else
    OPEN_RATE=$(for target in $TARGETS; do single_mix_rate "$target"; echo; done | sort -n | head -1)
    OPEN_RATE=$((OPEN_RATE / 2 / 100 * 100))
    OPEN_RATE_NOTE="auto: half of the slowest target's mean single-mix throughput, rounded down to 100"
  fi
  [ "$OPEN_RATE" -ge 100 ] || OPEN_RATE=100
else
  OPEN_RATE_NOTE="set by OPEN_RATE"
fi
echo "open model: $OPEN_RATE requests/s ($OPEN_RATE_NOTE)"
OPEN_LEFT_OUT=
OPEN_TARGETS=()
for target in $TARGETS; do
  if [ $(($(single_mix_rate "$target") * 10)) -lt $((OPEN_RATE * 11)) ]; then
    OPEN_LEFT_OUT="$OPEN_LEFT_OUT $target ($(single_mix_rate "$target") req/s at most)"
    echo "open model: $target left out: its single-mix throughput is below 1.1x the rate"
  else
    OPEN_TARGETS+=("$target")
  fi
done
for target in "${OPEN_TARGETS[@]}"; do
  # The injector's traffic (a fixed rate, the core partly idle) takes the JVM down paths wrk never did: warm them too.
  if [[ "$JVM_TARGETS" == *" $target "* ]]; then run_open warmup "$target" "$OPEN_RATE"; fi
done
for round in $(seq "$OPEN_ROUNDS"); do
  for target in $(rotated "$((round - 1))" "${OPEN_TARGETS[@]}"); do unless_stolen run_open "open$round" "$target" "$OPEN_RATE"; done
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
ELAPSED=$((SECONDS - STARTED_AT))

# --- the table -------------------------------------------------------------------------------------------------------
# Per mix and target: the median over rounds of each measure, and the median over rounds of its ratio to haproxy-pass
# and to haproxy-jwt of the same round and mix (open-model rounds are paired the same way).
TABLE=$WORK/table.tsv
awk -F'\t' -v OFS='\t' -v order="$TARGETS" '
  function median(list,    n, v, i, j, x) {
    n = split(list, v, " ")
    for (i = 2; i <= n; i++) { x = v[i] + 0; for (j = i - 1; j >= 1 && v[j] + 0 > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  NR == 1 || $1 ~ /-stolen$/ { next }
  { round = $1; mix = ($1 ~ /^open/ ? "open" : $2)
    key = mix SUBSEP $3; rounds[mix, round] = 1; seen[key] = 1
    for (c = 6; c <= 10; c++) value[mix, $3, round, c] = $c
    if (!((mix, round) in listed)) { listed[mix, round] = 1; roundlist[mix] = roundlist[mix] " " round } }
  END {
    print "mix", "target", "rounds", "requests_per_s", "requests_per_s_vs_haproxy_pass", "requests_per_s_vs_haproxy_jwt",
          "p50_ms", "p50_vs_haproxy_pass", "p50_vs_haproxy_jwt", "p99_ms", "p99_vs_haproxy_pass", "p99_vs_haproxy_jwt",
          "p999_ms", "p999_vs_haproxy_pass", "p999_vs_haproxy_jwt",
          "cpu_us_per_request", "cpu_vs_haproxy_pass", "cpu_vs_haproxy_jwt"
    split("single pool open", mixes, " "); n_targets = split(order, targets, " ")
    for (m = 1; m <= 3; m++) for (t = 1; t <= n_targets; t++) {
      mix = mixes[m]; target = targets[t]
      if (!((mix SUBSEP target) in seen)) continue
      split(substr(roundlist[mix], 2), rs, " ")
      count = 0; for (r in rs) count++
      line = mix OFS target OFS count
      for (c = 6; c <= 10; c++) {
        values = ""; vs_pass = ""; vs_jwt = ""; undefined = 0
        for (i = 1; i <= count; i++) {
          r = rs[i]; v = value[mix, target, r, c]; pass = value[mix, "haproxy-pass", r, c]; jwt = value[mix, "haproxy-jwt", r, c]
          values = values " " v
          if (pass + 0 == 0 || jwt + 0 == 0) { undefined = 1; continue }
          vs_pass = vs_pass " " v / pass
          vs_jwt = vs_jwt " " v / jwt
        }
        format = (c == 6 ? "%.0f" : (c == 10 ? "%.1f" : "%.3f"))
        line = line OFS sprintf(format, median(values)) OFS \
          (undefined ? "-" OFS "-" : sprintf("%.2f", median(vs_pass)) OFS sprintf("%.2f", median(vs_jwt)))
      }
      print line
    }
  }' "$RUNS" >"$TABLE"

print_table() {
  awk -F'\t' 'NR == 1 {
      printf "%-6s %-20s %8s %5s %5s | %7s %5s %5s | %7s %5s %5s | %7s %5s %5s | %7s %5s %5s\n", "mix", "target",
        "req/s", "/pass", "/jwt", "p50 ms", "/pass", "/jwt", "p99 ms", "/pass", "/jwt", "p99.9", "/pass", "/jwt",
        "CPU us", "/pass", "/jwt"; next }
    { if (NR > 2 && $1 != previous) print ""; previous = $1
      printf "%-6s %-20s %8s %5s %5s | %7s %5s %5s | %7s %5s %5s | %7s %5s %5s | %7s %5s %5s\n", $1, $2, $4, $5, $6,
        $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18 }' "$TABLE"
}

# --- the chart -------------------------------------------------------------------------------------------------------
CHART_DATA=$WORK/chart.dat
awk -F'\t' -v order="$TARGETS" 'NR > 1 { v[$1, $2, "rps"] = $4; v[$1, $2, "cpu"] = $16; v[$1, $2, "p50"] = $7
                                         v[$1, $2, "p99"] = $10; v[$1, $2, "p999"] = $13 }
  function get(mix, target, what) { return ((mix, target, what) in v) ? v[mix, target, what] : "-" }
  END { n = split(order, targets, " ")
        for (t = 1; t <= n; t++) { x = targets[t]
          print x, get("single", x, "rps"), get("pool", x, "rps"), get("single", x, "cpu"), get("pool", x, "cpu"),
                get("open", x, "cpu"), get("open", x, "p50"), get("open", x, "p99"), get("open", x, "p999") } }' \
  "$TABLE" >"$CHART_DATA"
mkdir -p "$RESULTS_DIR"
BASE=$RESULTS_DIR/compare-$STAMP
gnuplot <<EOF >"$WORK/gnuplot.log" 2>&1 || die "gnuplot failed: $(cat "$WORK/gnuplot.log")"
set terminal pngcairo size 1800,650 font "DejaVu Sans,11"
set output "$BASE.png"
set datafile missing "-"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set xtics rotate by -25 scale 0
set key below
set logscale y
label(column) = valid(column) ? sprintf(column(column) < 10 ? "%.1f" : "%.0f", column(column)) : ""
set multiplot layout 1,3 title "MFA Gateway vs HAProxy and Spring Cloud Gateway: proxy pinned to CPU ${PROXY_CPUS:-(any)}, load on CPU ${LOAD_CPUS:-(any)} ($STAMP; log scales)"
set title "Throughput, wrk -c$WRK_CONNECTIONS, median of $ROUNDS rounds (higher is better)"
set ylabel "requests/s"
plot "$CHART_DATA" using 2:xtic(1) title "one token" lc rgb "#4477aa", '' using 3 title "pool of 1,000 tokens" lc rgb "#ee7733", \
  '' using (\$0 - 1/6.):2:(label(2)) with labels offset 0,0.6 font ",9" notitle, \
  '' using (\$0 + 1/6.):3:(label(3)) with labels offset 0,0.6 font ",9" notitle
set title "CPU time of the proxy process per request (lower is better)"
set ylabel "microseconds / request"
plot "$CHART_DATA" using 4:xtic(1) title "one token" lc rgb "#4477aa", '' using 5 title "pool of 1,000 tokens" lc rgb "#ee7733", \
  '' using 6 title "open model, $OPEN_RATE req/s" lc rgb "#228833", \
  '' using (\$0 - 1/4.):4:(label(4)) with labels offset 0,0.6 font ",9" notitle, \
  '' using (\$0):5:(label(5)) with labels offset 0,0.6 font ",9" notitle, \
  '' using (\$0 + 1/4.):6:(label(6)) with labels offset 0,0.6 font ",9" notitle
set title "Latency at a fixed $OPEN_RATE requests/s, open model (lower is better)"
set ylabel "milliseconds"
plot "$CHART_DATA" using 7:xtic(1) title "p50" lc rgb "#4477aa", '' using 8 title "p99" lc rgb "#ee7733", '' using 9 title "p99.9" lc rgb "#cc3311", \
  '' using (\$0 - 1/4.):7:(label(7)) with labels offset 0,0.6 font ",9" notitle, \
  '' using (\$0):8:(label(8)) with labels offset 0,0.6 font ",9" notitle, \
  '' using (\$0 + 1/4.):9:(label(9)) with labels offset 0,0.6 font ",9" notitle
unset multiplot
EOF

# --- summary ---------------------------------------------------------------------------------------------------------
jvm_flags() { # the GC of a running JVM target
  jcmd "$1" VM.flags 2>/dev/null | grep -o -- '-XX:+Use[A-Za-z0-9]*GC' | head -1 | sed 's/-XX:+//' || true
}
SUMMARY=$WORK/summary.txt
{
  echo "MFA Gateway next to HAProxy and Spring Cloud Gateway (loadtest/compare.sh), $STAMP"
  echo "commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (uncommitted changes)')"
  echo "machine: $(nproc) cores ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), load average before $LOAD_BEFORE, after $LOAD_AFTER; measuring took ${ELAPSED}s${NOTE:+; $NOTE}"
  echo "pinning: proxies on CPU ${PROXY_CPUS:-(not pinned)}; wrk, nginx, the issuer and the open-model injector on CPU ${LOAD_CPUS:-(not pinned)}"
  echo "load: wrk $({ wrk -v 2>&1 || true; } | awk 'NR == 1 { print $2 }') -t$WRK_THREADS -c$WRK_CONNECTIONS, GET $REQUEST_PATH; warm-up $WARMUP_DURATION per JVM target in $WARMUP_RUNS runs (not counted), one interleaved round of every target (round 0, not counted), then $ROUNDS interleaved rounds of $WRK_DURATION per target and mix, the order rotating each round"
  echo "mixes: single = one valid MFA token on every request; pool = each request the next of 1,000 valid tokens (wrk Lua; no keep-alive connection repeats a token back to back)"
  echo "open model: loadtest/OpenModelLoad.java (Netty, $OPEN_CONNECTIONS keep-alive connections; Debian has no wrk2), $OPEN_RATE requests/s ($OPEN_RATE_NOTE), $OPEN_JVM_WARMUP of it first for each JVM target, then $OPEN_ROUNDS interleaved rounds of $OPEN_WARMUP warm-up and $OPEN_DURATION recorded per target, latency from when each request was due${OPEN_LEFT_OUT:+; left out, below 1.1x the rate:$OPEN_LEFT_OUT}"
  echo "upstream: $(nginx -v 2>&1 | sed 's/.*: //'), 1 worker, keep-alive, ${#BODY}-byte JSON body"
  echo "haproxy: $HAPROXY_VERSION, nbthread 1, http-reuse always, option forwardfor; haproxy-jwt: jwt_verify RS256 with the PEM public key, exp/nbf (60 s skew), iss, aud, tid allowlist, CPV app-only, amr[0..7] = mfa"
  echo "java: $(java -version 2>&1 | awk -F'"' 'NR == 1 { print $2 }') $JVM_OPTIONS for the JVM targets"
  for target in $TARGETS; do
    case $target in
      scg) echo "scg: Spring Boot 3.5.16, Spring Cloud 2025.0.3 (Gateway 4.3.5, WebFlux/Reactor Netty), oauth2-resource-server, NimbusReactiveJwtDecoder RS256 from the JWKS URL, GC $(jvm_flags "${PID_OF[scg]}")" ;;
      mfa-gateway) echo "mfa-gateway: serve, enforce, token cache 100000 entries, access log as shipped (refusals), GC $(jvm_flags "${PID_OF[mfa-gateway]}")" ;;
      mfa-gateway-nocache) echo "mfa-gateway-nocache: the same with auth.token-cache.max-entries = 0 (each connection still remembers its last token), GC $(jvm_flags "${PID_OF[mfa-gateway-nocache]}")" ;;
    esac
  done
  echo
  echo "checked first (HTTP status; valid and other-app-only must pass with nginx's body, every other case must be refused without reaching nginx):"
  cat "$CHECKS"
  echo
  echo "runs (CPU = the proxy process, all threads, and of it the JIT compiler threads and the GC and VM threads; nginx-direct: nginx's worker; steal = the share of the proxy core's time the hypervisor gave elsewhere during the run, then the load core's; a run over ${STEAL_MAX}% was run again, at most ${STEAL_REPEATS} times, and the one repeated is marked -stolen and left out of the table):"
  awk -F'\t' 'NR > 1 { printf "%-6s %-7s %-20s %9s req/s  p50 %7s ms  p99 %7s ms  p99.9 %7s ms  %7s us/req%s  nginx %5s us/req  %3s new upstream conn.  steal %s%%%s%s\n",
                       $1, $2, $3, $6, $7, $8, $9, $10, ($15 == "-" ? "" : sprintf(" (JIT %s, GC+VM %s)", $15, $16)), $11, $12, $17 "%, load core " $18, ($13 > 0 ? "  socket errors " $13 : ""), ($14 > 0 ? "  non-2xx " $14 : "") }' "$RUNS"
  echo
  echo "open-model pass: the injector's own lateness (request handed to its event loop vs. due: its error, inside every"
  echo "latency above) and the wait for a free one of its $OPEN_CONNECTIONS connections (the target's backlog):"
  while read -r target round line; do
    echo "  $target (round $round): lateness p50 $(field pacing_p50_us "$line") us, p99 $(field pacing_p99_us "$line") us; connection wait p50 $(field send_wait_p50_us "$line") us, p99 $(field send_wait_p99_us "$line") us"
  done <"$WORK/open-lines"
  echo
  echo "peak resident memory (VmHWM) of each proxy process over the whole run:"
  for target in $TARGETS; do
    [ "$target" != haproxy-pass ] || continue
    echo "  $target: $(($(awk '/^VmHWM/ { print $2 }' "/proc/${PID_OF[$target]}/status") / 1024)) MiB$([ "$target" = haproxy-jwt ] && echo ' (one process serves both HAProxy targets)')"
  done
  echo
  echo "the table: medians over the rounds; /pass and /jwt are the medians of the per-round ratios to haproxy-pass and haproxy-jwt of the same mix"
  print_table
  echo
  echo "on a shared machine compare ratios and CPU per request rather than absolute throughput."
} >"$SUMMARY"
cp "$SUMMARY" "$BASE.txt"
tr '\t' ',' <"$TABLE" >"$BASE.csv"
tr '\t' ',' <"$RUNS" >"$BASE-runs.csv"
echo
cat "$SUMMARY"
echo
echo "written: $BASE.txt, $BASE.csv, $BASE-runs.csv, $BASE.png"
