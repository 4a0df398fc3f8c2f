#!/usr/bin/env bash
# Runs every test of the project: the README's test command. Needs JDK 17+ (the Maven wrapper fetches Maven itself).
#
#   scripts/test.sh [MAVEN ARGS]     e.g. scripts/test.sh -pl gateway -Dtest=AdminTokenTest
#
# First it installs, with apt-get, the Debian packages the tests need that are missing:
#   prometheus  prometheus + promtool: the metrics tests scrape the real gateway with a real Prometheus and unit-test
#               the alert rules;
#   npm         node + npm: the dashboard check compiles the Grafana dashboard against @grafana/schema;
#   chromium    a headless browser: the compliance page's test.
# It installs as root, or through `sudo -n` when that works; otherwise it prints the apt-get line to run and exits 1.
# When everything is there it says nothing and runs `./mvnw -B verify` with the arguments given.
set -euo pipefail
cd "$(dirname "$0")/.."

# command the tests run : the Debian package that brings it
requirements=(prometheus:prometheus promtool:prometheus node:npm npm:npm chromium:chromium)
missing=()
for requirement in "${requirements[@]}"; do
  command -v "${requirement%%:*}" >/dev/null && continue
  package=${requirement#*:}
  [[ " ${missing[*]} " == *" $package "* ]] || missing+=("$package")
done

if ((${#missing[@]} > 0)); then
  if ((EUID == 0)); then
    as_root=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    echo "scripts/test.sh: the tests need the Debian packages ${missing[*]}; install them, then run this again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "scripts/test.sh: installing ${missing[*]} with apt-get" >&2
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

exec ./mvnw -B verify "$@"
