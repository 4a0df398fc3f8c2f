#!/usr/bin/env bash
# Builds the gateway's container image from the real Dockerfile without a Docker engine, runs it locked down the way
# the Helm chart does, and checks it from the outside. Everything stays on loopback.
#
#   scripts/image-test.sh                lint, build the `prebuilt` target from the host's jar, run, check, clean up
#   FULL_BUILD=1 scripts/image-test.sh   the same with the Dockerfile's default target: the jar is built inside the
#                                        image by the Maven wrapper, offline, from the host's ~/.m2 mounted as an
#                                        overlay (nothing is written back to it)
#
# Steps:
#   1. Tools: installs buildah, podman and runc (and debootstrap) with apt-get when missing (needs root). Podman is
#      configured through a private CONTAINERS_CONF (runc, cgroupfs, ulimits) as STACK-NOTES §4 found necessary here;
#      nothing under /etc is changed.
#   2. Lint: dockerfile-utils (npm, pinned) must report nothing, plus hadolint-equivalent rules checked here:
#      DL3002 last USER not root, DL3025 exec-form ENTRYPOINT/CMD, DL3020 COPY rather than ADD, DL3007 no :latest,
#      DL3000 absolute WORKDIR, and ours: a fixed numeric UID, no HEALTHCHECK.
#   3. Jar: gateway/target/mfa-gateway.jar, built with the Maven wrapper when missing (REBUILD_JAR=1 forces it).
#   4. Base image: BASE_IMAGE (default eclipse-temurin:21-jre) cannot be pulled here (no container registry). When it
#      is not in local storage, a stand-in is built from Debian packages with debootstrap and tagged under that name.
#      Debian bookworm ships OpenJDK 17 only, so the stand-in is Debian's OpenJDK 17 JRE, NOT Temurin 21; the script
#      says so in its output. The gateway targets Java 17, so the jar runs on both; the real base's digest is never
#      checked here.
#   5. Build: `podman build --target prebuilt` (packs the host-built jar). With FULL_BUILD=1 the default target
#      instead, whose build stage needs BUILD_IMAGE (default eclipse-temurin:21-jdk): a stand-in is built the same way
#      as the JRE one, from Debian's OpenJDK 17 JDK.
#   6. Run, as the chart runs it: read-only root filesystem, tmpfs on /tmp, all capabilities dropped,
#      no-new-privileges, the image's own user, `serve --config` with a config file mounted read-only, host network
#      with every listener on 127.0.0.1. A tiny JWKS server and a tiny upstream (python3 http.server) run on loopback,
#      and the script mints its own RS256 tokens with openssl.
#   7. Checks: /healthz 200, /readyz 200, the process's uid is 10001 (not root), an MFA token is proxied to the
#      upstream (200 with the upstream's body), a request without a token gets 401 `missing_token` and a non-MFA
#      token 401 `insufficient_user_authentication`, /metrics counts decisions, and `podman stop` (SIGTERM) ends the
#      JVM within its grace without a SIGKILL.
#
# Environment: IMAGE (default localhost/mfa-gateway:image-test), BASE_IMAGE, BUILD_IMAGE, FULL_BUILD=1,
# REBUILD_JAR=1, KEEP=1 (leave the container and temp dir for inspection).
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)
IMAGE=${IMAGE:-localhost/mfa-gateway:image-test}
BASE_IMAGE=${BASE_IMAGE:-eclipse-temurin:21-jre}
BUILD_IMAGE=${BUILD_IMAGE:-eclipse-temurin:21-jdk}
DOCKERFILE_UTILS_VERSION=0.16.3
WORK=$(mktemp -d /tmp/mfa-gateway-image-test.XXXXXX)
CONTAINER=mfa-gateway-image-test-$$
PIDS=()

say() { printf '\n== %s\n' "$*"; }
ok() { printf '   ok: %s\n' "$*"; }
die() { printf '   FAILED: %s\n' "$*" >&2; exit 1; }
FAILED_CHECKS=0
check_failed() { printf '   FAILED: %s\n' "$*"; FAILED_CHECKS=$((FAILED_CHECKS + 1)); }

cleanup() {
  if [[ "${KEEP:-0}" == 1 ]]; then
    echo "KEEP=1: container $CONTAINER and $WORK left in place"
    return
  fi
  podman rm -f -t 0 "$CONTAINER" >/dev/null 2>&1 || true
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Polls a condition (a command) up to $1 seconds, once a second.
wait_for() {
  local seconds=$1; shift
  for ((i = 0; i < seconds; i++)); do
    if "$@"; then return 0; fi
    sleep 1
  done
  return 1
}

install_tools() {
  say "1. tools"
  local missing=()
  for tool in buildah podman runc debootstrap openssl python3 curl; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  if ((${#missing[@]})); then
    [[ $(id -u) == 0 ]] || die "missing ${missing[*]}; run as root or install them"
    echo "   installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >"$WORK/apt.log" 2>&1 \
      || { tail -20 "$WORK/apt.log"; die "apt-get install failed"; }
  fi
  cat >"$WORK/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
  export CONTAINERS_CONF="$WORK/containers.conf"
  ok "$(podman --version), $(buildah --version | cut -d' ' -f1-3), runc $(runc --version | awk 'NR == 1 {print $3}')"
}

lint_dockerfile() {
  say "2. lint Dockerfile"
  local tools="$HOME/.cache/mfa-gateway/npm-tools"
  if [[ ! -x "$tools/node_modules/.bin/dockerfile-utils" ]]; then
    npm install --no-save --no-audit --no-fund --prefix "$tools" "dockerfile-utils@$DOCKERFILE_UTILS_VERSION" \
      >"$WORK/npm.log" 2>&1 || { tail -20 "$WORK/npm.log"; die "npm install dockerfile-utils failed"; }
  fi
  local report
  report=$("$tools/node_modules/.bin/dockerfile-utils" lint Dockerfile || true)
  [[ -z "$report" ]] || { echo "$report"; die "dockerfile-utils reported problems"; }
  ok "dockerfile-utils $DOCKERFILE_UTILS_VERSION: no problems"

  local last_user
  last_user=$(grep -E '^USER ' Dockerfile | tail -1 | awk '{print $2}')
  [[ "$last_user" =~ ^[0-9]+:[0-9]+$ && "${last_user%%:*}" != 0 ]] \
    || die "DL3002/fixed UID: the last USER must be a numeric non-root uid:gid, found '$last_user'"
  ok "DL3002: last USER is $last_user (numeric, not root)"
  ! grep -Eq '^(ENTRYPOINT|CMD) +[^[]' Dockerfile || die "DL3025: ENTRYPOINT and CMD must be exec form (JSON arrays)"
  ok "DL3025: ENTRYPOINT and CMD in exec form"
  ! grep -Eq '^ADD ' Dockerfile || die "DL3020: use COPY, not ADD"
  ok "DL3020: no ADD"
  ! grep -Eq '^(FROM|ARG [A-Z_]*IMAGE=).*:latest' Dockerfile || die "DL3007: no :latest base images"
  ok "DL3007: no :latest"
  ! grep -Eq '^WORKDIR +[^/]' Dockerfile || die "DL3000: WORKDIR must be absolute"
  ok "DL3000: absolute WORKDIR"
  ! grep -E 'useradd' Dockerfile | grep -Evq -- '--no-log-init|-l ' \
    || die "DL3046: useradd with a high UID needs --no-log-init"
  ok "DL3046: useradd --no-log-init"
  ! grep -Eq '^HEALTHCHECK' Dockerfile || die "no HEALTHCHECK: Kubernetes probes the admin port"
  ok "no HEALTHCHECK"
}

build_jar() {
  say "3. jar"
  if [[ "${FULL_BUILD:-0}" == 1 ]]; then
    ok "built inside the image (FULL_BUILD=1)"
    return
  fi
  if [[ "${REBUILD_JAR:-0}" == 1 || ! -f gateway/target/mfa-gateway.jar ]]; then
    ./mvnw -B -q -pl gateway -am package -DskipTests
  fi
  [[ -f gateway/target/mfa-gateway.jar ]] || die "gateway/target/mfa-gateway.jar was not built"
  ok "gateway/target/mfa-gateway.jar ($(du -h gateway/target/mfa-gateway.jar | cut -f1))"
}

# Makes sure image $1 is in local storage; otherwise builds a stand-in from Debian bookworm with package $2.
ensure_stand_in() {
  local image=$1 package=$2 name=$3
  if podman image exists "$image"; then
    ok "$image found in local storage: $(podman image inspect --format '{{.Id}}' "$image" | cut -c1-12)"
  else
    echo "   $image is not in local storage and no registry is reachable: building a stand-in from Debian packages"
    local mirror rootfs="$WORK/rootfs-$name"
    mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    debootstrap --variant=minbase --include="$package" bookworm "$rootfs" \
      "${mirror:-http://deb.debian.org/debian}" >"$WORK/debootstrap-$name.log" 2>&1 \
      || { tail -20 "$WORK/debootstrap-$name.log"; die "debootstrap failed"; }
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | podman import \
      --change 'ENV JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64' \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      - "localhost/$name:17" >/dev/null 2>"$WORK/import-$name.log"
    podman tag "localhost/$name:17" "$image"
    rm -rf "$rootfs"
    ok "built localhost/$name:17 ($package) and tagged it $image"
  fi
  local java_version
  java_version=$(podman run --rm --network=none --entrypoint java "$image" -version 2>&1)
  java_version=${java_version%%$'\n'*}
  echo "   NOTE: the Java of $image is: $java_version"
  if [[ "$java_version" != *Temurin* ]]; then
    echo "   NOTE: this is NOT the real $image. Debian bookworm has OpenJDK 17 only, so this run proves the"
    echo "         Dockerfile, the user, the read-only filesystem and the gateway on Java 17; production builds use"
    echo "         the real Temurin 21 image, whose digest this script does not check."
  fi
}

ensure_base_images() {
  say "4. base images"
  ensure_stand_in "$BASE_IMAGE" openjdk-17-jre-headless debian-jre
  if [[ "${FULL_BUILD:-0}" == 1 ]]; then
    ensure_stand_in "$BUILD_IMAGE" openjdk-17-jdk-headless debian-jdk
  fi
}

build_image() {
  local target=(--target prebuilt)
  if [[ "${FULL_BUILD:-0}" == 1 ]]; then
    target=(--build-arg "BUILD_IMAGE=$BUILD_IMAGE" --build-arg MAVEN_ARGS=-o --network=none
      -v "$HOME/.m2:/root/.m2:O")
    say "5. build $IMAGE (default target: the Maven wrapper builds the jar inside the image, offline)"
  else
    say "5. build $IMAGE (target prebuilt)"
  fi
  podman build --quiet "${target[@]}" --build-arg "BASE_IMAGE=$BASE_IMAGE" \
    --build-arg "REVISION=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    --build-arg "CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --build-arg "SOURCE_URL=$(git config --get remote.origin.url || echo unknown)" -t "$IMAGE" . >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log"; die "podman build failed"; }
  local user entrypoint healthcheck title
  user=$(podman image inspect --format '{{.Config.User}}' "$IMAGE")
  entrypoint=$(podman image inspect --format '{{json .Config.Entrypoint}}' "$IMAGE")
  healthcheck=$(podman image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE")
  title=$(podman image inspect --format '{{index .Config.Labels "org.opencontainers.image.title"}}' "$IMAGE")
  [[ "$user" == 10001:10001 ]] || die "image user is '$user', expected 10001:10001"
  [[ "$healthcheck" == null ]] || die "image has a HEALTHCHECK: $healthcheck"
  [[ "$title" == mfa-gateway ]] || die "OCI label org.opencontainers.image.title missing"
  ok "user $user, entrypoint $entrypoint, no healthcheck, OCI title '$title', $(podman image inspect --format '{{.Size}}' "$IMAGE" | numfmt --to=iec) bytes"
}

start_loopback_peers() {
  say "6. loopback JWKS, upstream and tokens"
  PROXY_PORT=$(free_port); ADMIN_PORT=$(free_port); JWKS_PORT=$(free_port); UPSTREAM_PORT=$(free_port)
  TENANT=3f2a1c5e-8b7d-4e21-9a0f-6c4b2d1e7f90
  AUDIENCE=api://mfa-gateway-image-test
  mkdir -p "$WORK/jwks" "$WORK/upstream" "$WORK/config"
  echo "hello from the loopback upstream" >"$WORK/upstream/hello.txt"

  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/signing.pem" 2>/dev/null
  local modulus
  modulus=$(openssl rsa -in "$WORK/signing.pem" -noout -modulus | cut -d= -f2 | python3 -c \
    'import base64, sys; print(base64.urlsafe_b64encode(bytes.fromhex(sys.stdin.read().strip())).decode().rstrip("="))')
  printf '{"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"image-test","n":"%s","e":"AQAB"}]}\n' \
    "$modulus" >"$WORK/jwks/keys.json"

  python3 -m http.server "$JWKS_PORT" --bind 127.0.0.1 --directory "$WORK/jwks" >"$WORK/jwks.log" 2>&1 &
  PIDS+=($!)
  python3 -m http.server "$UPSTREAM_PORT" --bind 127.0.0.1 --directory "$WORK/upstream" >"$WORK/upstream.log" 2>&1 &
  PIDS+=($!)

  MFA_TOKEN=$(mint_token '["pwd","mfa"]')
  NO_MFA_TOKEN=$(mint_token '["pwd"]')

  cat >"$WORK/config/gateway.conf" <<CONF
gateway {
  listen { host = "127.0.0.1", port = $PROXY_PORT }
  admin { host = "127.0.0.1", port = $ADMIN_PORT }
  mode = enforce
  routes = [
    { name = image-test, path-prefix = "/", upstream = "http://127.0.0.1:$UPSTREAM_PORT", audiences = ["$AUDIENCE"] }
  ]
  auth {
    jwks-uri = "http://127.0.0.1:$JWKS_PORT/keys.json"
    issuers = ["https://sts.windows.net/{tenantid}/"]
    allowed-tenants = ["$TENANT"]
  }
}
CONF
  ok "proxy 127.0.0.1:$PROXY_PORT, admin :$ADMIN_PORT, JWKS :$JWKS_PORT, upstream :$UPSTREAM_PORT, tokens minted"
}

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# An Entra-shaped v1 user token for $TENANT and $AUDIENCE, signed with the loopback JWKS key; $1 is the amr array.
mint_token() {
  local now header payload signature
  now=$(date +%s)
  header=$(printf '{"alg":"RS256","typ":"JWT","kid":"image-test"}' | b64url)
  payload=$(printf '{"iss":"https://sts.windows.net/%s/","aud":"%s","tid":"%s","oid":"0b6d3f1e-9f2a-4c1d-8e7b-5a4c3b2a1f00","appid":"6e2c1b8a-3d4f-4a5b-9c8d-7e6f5a4b3c2d","scp":"user_impersonation","amr":%s,"iat":%d,"nbf":%d,"exp":%d}' \
    "$TENANT" "$AUDIENCE" "$TENANT" "$1" "$now" "$now" $((now + 3600)) | b64url)
  signature=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$WORK/signing.pem" -binary | b64url)
  printf '%s.%s.%s' "$header" "$payload" "$signature"
}

run_gateway() {
  podman run -d --name "$CONTAINER" --network=host \
    --read-only --tmpfs /tmp:rw,size=64m --cap-drop=ALL --security-opt no-new-privileges \
    -v "$WORK/config:/etc/mfa-gateway/config:ro" \
    "$IMAGE" serve --config /etc/mfa-gateway/config/gateway.conf >/dev/null
  ok "started $CONTAINER (read-only root, tmpfs /tmp, no capabilities, no-new-privileges)"
}

http_status() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
answers() { [[ $(http_status "$1") == 200 ]]; }
healthy_or_exited() {
  answers "http://127.0.0.1:$ADMIN_PORT/healthz" || [[ $(podman inspect --format '{{.State.Running}}' "$CONTAINER") != true ]]
}

check_running_gateway() {
  say "7. checks"
  wait_for 60 healthy_or_exited || true
  if [[ $(podman inspect --format '{{.State.Running}}' "$CONTAINER") != true ]]; then
    podman logs "$CONTAINER" 2>&1 | tail -30
    die "the gateway exited with code $(podman inspect --format '{{.State.ExitCode}}' "$CONTAINER")"
  fi
  answers "http://127.0.0.1:$ADMIN_PORT/healthz" || { podman logs "$CONTAINER" 2>&1 | tail -30; die "/healthz did not answer 200 within 60 s"; }
  ok "/healthz 200"
  wait_for 30 answers "http://127.0.0.1:$ADMIN_PORT/readyz" || die "/readyz did not answer 200 within 30 s"
  ok "/readyz 200 (signing keys loaded from the loopback JWKS)"

  # From here on every check runs, and the script fails at the end if any did.
  local uid
  uid=$(podman exec "$CONTAINER" sh -c 'grep "^Uid:" /proc/1/status' | awk '{print $2}')
  if [[ "$uid" == 10001 ]]; then
    ok "PID 1 runs as uid $uid: $(podman exec "$CONTAINER" sh -c 'tr "\0" " " </proc/1/cmdline' | cut -c1-160)"
  else
    check_failed "the JVM (PID 1) runs as uid '$uid', expected 10001"
  fi
  if podman exec "$CONTAINER" sh -c 'touch /opt/mfa-gateway/probe' 2>/dev/null; then
    check_failed "the root filesystem is writable"
  else
    ok "root filesystem is read-only for the gateway"
  fi

  local body
  body=$(curl -s -H "Authorization: Bearer $MFA_TOKEN" "http://127.0.0.1:$PROXY_PORT/hello.txt")
  if [[ "$body" == "hello from the loopback upstream" ]] && grep -q 'GET /hello.txt' "$WORK/upstream.log"; then
    ok "MFA token: proxied to the upstream, body '$body'"
  else
    check_failed "MFA token not proxied; got: $body"
  fi

  local upstream_requests refusal
  upstream_requests=$(grep -c 'GET ' "$WORK/upstream.log" || true)
  refusal=$(curl -s -D - "http://127.0.0.1:$PROXY_PORT/hello.txt")
  if [[ "$refusal" == *"HTTP/1.1 401"* ]] && grep -Eq '"reason" *: *"missing_token"' <<<"$refusal"; then
    ok "no token: 401 missing_token"
  else
    check_failed "no token: expected 401 missing_token, got: $refusal"
  fi
  refusal=$(curl -s -D - -H "Authorization: Bearer $NO_MFA_TOKEN" "http://127.0.0.1:$PROXY_PORT/hello.txt")
  if [[ "$refusal" == *"HTTP/1.1 401"* && "$refusal" == *insufficient_user_authentication* ]]; then
    ok "non-MFA token: 401 insufficient_user_authentication"
  else
    check_failed "non-MFA token: expected 401 insufficient_user_authentication, got: $refusal"
  fi
  if [[ $(grep -c 'GET ' "$WORK/upstream.log" || true) == "$upstream_requests" ]]; then
    ok "refused requests never reached the upstream"
  else
    check_failed "a refused request reached the upstream"
  fi

  local metrics series
  metrics=$(curl -s "http://127.0.0.1:$ADMIN_PORT/metrics")
  series=$(grep -c '^mfa_gateway_decisions_total' <<<"$metrics" || true)
  if ((series > 0)); then
    ok "/metrics: $series mfa_gateway_decisions_total series"
  else
    check_failed "/metrics has no mfa_gateway_decisions_total (SPEC §6)"
  fi

  local started exit_code
  started=$(date +%s)
  podman stop -t 40 "$CONTAINER" >/dev/null
  exit_code=$(podman inspect --format '{{.State.ExitCode}}' "$CONTAINER")
  if [[ "$exit_code" != 137 ]]; then
    ok "SIGTERM: the JVM stopped by itself in $(($(date +%s) - started)) s, exit code $exit_code"
  else
    check_failed "SIGTERM did not stop the JVM: it was killed (137)"
  fi
  ((FAILED_CHECKS == 0)) || die "$FAILED_CHECKS check(s) failed"
}

install_tools
lint_dockerfile
build_jar
ensure_base_images
build_image
start_loopback_peers
run_gateway
check_running_gateway
say "image test passed: $IMAGE"
