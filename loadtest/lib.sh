# Shared by loadtest/compare.sh and loadtest/soak.sh (sourced after SCRIPT_NAME is set): a work folder, the processes
# started into STARTED_PIDS stopped again on exit, Ctrl-C or error, free loopback ports, bounded waits.
die() { echo "$SCRIPT_NAME: $*" >&2; exit 1; }

WORK=$(mktemp -d "/tmp/$SCRIPT_NAME.XXXXXX")
STARTED_PIDS=()
cleanup() {
  local pid
  exec 3>&- # closes the issuer's standard input
  for pid in "${STARTED_PIDS[@]}"; do kill -CONT "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
  for pid in "${STARTED_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'echo "$SCRIPT_NAME: failed at line $LINENO" >&2' ERR

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORTS=()
pick_free_ports() { # pick_free_ports N: N distinct free loopback ports into PORTS
  local port
  for _ in $(seq 500); do
    [ "${#PORTS[@]}" -lt "$1" ] || return 0
    port=$((20000 + RANDOM % 12000)) # below the ephemeral range, where tests bind port 0
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

start_nginx() { # start_nginx PORT BODY [PREFIX...]: nginx (1 worker, keep-alive, no access log) answering 200 + BODY
  # (JSON) on 127.0.0.1:PORT, run under PREFIX (a `taskset -c N`, say); sets NGINX_PID
  local port=$1 body=$2
  shift 2
  mkdir -p "$WORK/nginx"
  cat >"$WORK/nginx/nginx.conf" <<NGINX
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
    listen 127.0.0.1:$port;
    location = /nginx-status { stub_status; }
    location / { default_type application/json; return 200 '$body'; }
  }
}
NGINX
  "$@" nginx -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" \
    >"$WORK/nginx/stdout.log" 2>&1 3>&- &
  STARTED_PIDS+=($!)
  NGINX_PID=$!
}
