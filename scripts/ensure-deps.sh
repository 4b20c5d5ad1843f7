#!/usr/bin/env bash
# Installs the dependencies from package-lock.json (npm ci) when this checkout has none yet, so
# `npm test` and `npm run up` each work as the first command in a fresh clone. Silent otherwise.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

for tool in tsc nest jest; do
  if [ ! -x "node_modules/.bin/$tool" ]; then
    printf '[deps] node_modules is missing or incomplete (no %s): installing with npm ci\n' "$tool" >&2
    npm ci --no-audit --no-fund
    exit 0
  fi
done
