#!/usr/bin/env bash
# Checks a Grafana dashboard JSON against Grafana's own types: npm @grafana/schema + the TypeScript compiler.
# A misspelt or misplaced key fails with a TS2353-style error naming it.
# Usage: scripts/check-dashboard.sh [DASHBOARD_JSON]   (default: the chart's dashboard)
# Needs node and npm; installs the two packages once into gateway/target/check-dashboard (or $CHECK_DASHBOARD_DIR).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dashboard=$(realpath "${1:-$root/helm/mfa-gateway/files/grafana-dashboard.json}")
work=${CHECK_DASHBOARD_DIR:-$root/gateway/target/check-dashboard}
schema_version=13.2.3
typescript_version=7.0.2

command -v npm >/dev/null || { echo "npm is required (apt-get install -y nodejs npm)" >&2; exit 2; }
mkdir -p "$work"
cd "$work"
if [ ! -f node_modules/@grafana/schema/package.json ] || [ ! -f node_modules/typescript/package.json ]; then
  cat > package.json <<JSON
{ "private": true, "dependencies": { "@grafana/schema": "$schema_version", "typescript": "$typescript_version" } }
JSON
  npm install --no-audit --no-fund --loglevel=error >&2
fi

# JSON holds a string enum's value ("absolute"), which TypeScript does not accept for the enum type itself (e.g.
# ThresholdsMode); AsJson maps every string enum in the type to the union of its values and keeps everything else.
{
  echo 'import type { Dashboard } from "@grafana/schema";'
  echo 'type AsJson<T> = T extends string ? `${T}` : T extends (infer U)[] ? AsJson<U>[]'
  echo '  : T extends object ? { [K in keyof T]: AsJson<T[K]> } : T;'
  printf 'export const dashboard: AsJson<Dashboard> = '
  cat "$dashboard"
  echo ';'
} > check.ts
npx --no-install tsc --noEmit --strict --module nodenext --moduleResolution nodenext --target es2022 \
  --skipLibCheck check.ts
echo "dashboard OK: $dashboard"
