#!/usr/bin/env bash
# Runs Jest the way NotifyX's tests need it. NestJS 12 ships as ES modules only; the app (CommonJS)
# loads them through Node's require(esm), and Jest's own module loader does the same only on
# Node.js 24.9+ with --experimental-vm-modules (https://jestjs.io/docs/ecmascript-modules).
# The processes the integration tests start (API, worker, sandbox) are plain `node dist/...`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

version="$(node --version)"
IFS=. read -r major minor _ <<<"${version#v}"
if [ "$major" -lt 24 ] || { [ "$major" -eq 24 ] && [ "$minor" -lt 9 ]; }; then
  printf '[tests] the tests need Node.js 24.9 or newer (found %s): Jest loads NestJS 12, ES modules only, through require(esm) only there. Put Node.js 24 first on PATH (.ci/run shows how).\n' "$version" >&2
  exit 1
fi
exec node --experimental-vm-modules --disable-warning=ExperimentalWarning node_modules/jest/bin/jest.js "$@"
