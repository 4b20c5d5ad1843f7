#!/usr/bin/env bash
# `npm run up`: bring NotifyX up locally (services, build, API, worker and, when
# no Twilio credentials are configured, the Twilio sandbox) and print the
# Swagger URL. Stays in the foreground; Ctrl-C stops what it started.
#
# Usage:
#   npm run up                  (= bash scripts/up.sh)
#   UP_DETACH=1 npm run up      return after printing; processes keep running
#   bash scripts/up.sh stop     stop processes left running by UP_DETACH=1
#
# Environment (besides everything in .env; variables already set in the
# environment win over .env):
#   UP_DETACH=1                        don't stay in the foreground
#   NOTIFYX_SKIP_BROWSER_INSTALL=1     don't install Chromium (only the browser
#                                      test needs it)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RUN_DIR="$ROOT/.run"
HEALTH_WAIT_SECONDS=60
SANDBOX_WAIT_SECONDS=20
PROC_NAMES=(sandbox api worker)

say() { printf '[up] %s\n' "$*"; }
warn() { printf '[up] WARNING: %s\n' "$*" >&2; }
die() { printf '[up] ERROR: %s\n' "$*" >&2; exit 1; }

log_tail() {   # log_tail NAME: the last 40 lines this run wrote to .run/NAME.log
  local f="$RUN_DIR/$1.log"
  printf -- '--- %s (this run, last 40 lines) ---\n' "$f" >&2
  awk '/^=== / { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' "$f" 2>/dev/null | tail -n 40 >&2 || true
  printf -- '---\n' >&2
}

# pid_of NAME: pid from .run/NAME.pid if that process is still alive.
pid_of() {
  local pid
  pid="$(cat "$RUN_DIR/$1.pid" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  # Guard against a recycled pid: it must be a node process.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'node' || return 1
  printf '%s' "$pid"
}

# alive PID: the process exists and is not a zombie.
alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  state="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" || return 0
  [ "$state" != "Z" ]
}

# stop_procs NAME...: SIGTERM, wait up to 10 s, then SIGKILL.
stop_procs() {
  local name pid pids=() i any
  for name in "$@"; do
    if pid="$(pid_of "$name")"; then
      kill "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
    rm -f "$RUN_DIR/$name.pid"
  done
  [ "${#pids[@]}" -gt 0 ] || return 0
  for i in $(seq 1 20); do
    any=0
    for pid in "${pids[@]}"; do alive "$pid" && any=1; done
    [ "$any" -eq 1 ] || return 0
    sleep 0.5
  done
  for pid in "${pids[@]}"; do
    if alive "$pid"; then
      warn "pid $pid ignored SIGTERM for 10s; sending SIGKILL"
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
}

if [ "${1:-}" = "stop" ]; then
  running=0
  for name in "${PROC_NAMES[@]}"; do pid_of "$name" >/dev/null && running=1; done
  if [ "$running" -eq 1 ]; then
    say "stopping ${PROC_NAMES[*]}"
    stop_procs "${PROC_NAMES[@]}"
  else
    say "nothing started by scripts/up.sh is running"
  fi
  say "(services are left running; 'bash scripts/services.sh stop' stops the FerretDB it started)"
  exit 0
elif [ -n "${1:-}" ]; then
  die "unknown argument '$1' (usage: scripts/up.sh [stop])"
fi

command -v node >/dev/null 2>&1 || die "Node.js (>= 20) is required but 'node' is not on PATH."
command -v npm >/dev/null 2>&1 || die "npm is required but not on PATH."
mkdir -p "$RUN_DIR"

# ---------------------------------------------------------------- .env --
if [ ! -f .env ]; then
  if [ -f .env.example ]; then
    cp .env.example .env
    say "created .env from .env.example"
  else
    warn ".env and .env.example are both missing; using built-in defaults"
  fi
fi

# ------------------------------------------------------------ services --
# services.sh reads MONGODB_URI / RABBITMQ_URL from .env itself when unset.
services_args=()
[ "${NOTIFYX_SKIP_BROWSER_INSTALL:-}" = "1" ] && services_args+=(--skip-browser)
bash "$ROOT/scripts/services.sh" "${services_args[@]}" || die "scripts/services.sh failed (see above)."

# --------------------------------------------------------------- build --
bash "$ROOT/scripts/ensure-deps.sh"
say "building (npm run build)"
npm run --silent build || die "'npm run build' failed (see above)."
for f in dist/main.js dist/worker.js; do
  [ -f "$f" ] || die "$f is missing after the build."
done

# ------------------------------------------------------- configuration --
# Load .env, but let variables already exported in the environment win (the
# same precedence as the app's own .env loading). Kept at top level on purpose:
# `eval` of `export -p` inside a function would create local variables.
if [ -f .env ]; then
  __saved_env="$(export -p)"
  set -a
  # shellcheck disable=SC1091
  . ./.env
  set +a
  set +e   # a readonly exported variable makes its `declare` fail: harmless
  eval "$__saved_env" 2>/dev/null
  set -e
  unset __saved_env
fi

# Same defaults as scripts/services.sh (which has just made these reachable); the pool size as in
# .env.example (the local FerretDB's pool must not be all held: see services.sh, with_pool_size).
export MONGODB_URI="${MONGODB_URI:-mongodb://127.0.0.1:27017/notifyx?maxPoolSize=20}"
export RABBITMQ_URL="${RABBITMQ_URL:-amqp://guest:guest@127.0.0.1:5672}"
export PORT="${PORT:-3000}"
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:$PORT}"
PUBLIC_BASE_URL="${PUBLIC_BASE_URL%/}"
if [ -z "${API_KEYS:-}" ]; then
  export API_KEYS="dev-key-change-me"
fi
API_KEY="${API_KEYS%%,*}"
API_KEY="${API_KEY#"${API_KEY%%[![:space:]]*}"}"
API_KEY="${API_KEY%"${API_KEY##*[![:space:]]}"}"

SANDBOX=0
if [ -z "${TWILIO_ACCOUNT_SID:-}" ]; then
  SANDBOX=1
  export TWILIO_SANDBOX_PORT="${TWILIO_SANDBOX_PORT:-4010}"
  export TWILIO_ACCOUNT_SID="AC00000000000000000000000000000000"
  export TWILIO_AUTH_TOKEN="sandbox-auth-token"
  export TWILIO_PHONE_NUMBER="${TWILIO_PHONE_NUMBER:-+15005550006}"
  export TWILIO_API_BASE_URL="http://127.0.0.1:$TWILIO_SANDBOX_PORT"
  export TWILIO_SANDBOX=true
  # The sandbox's control routes (e.g. POST /__sandbox/inbound to simulate a handset) need this token.
  export TWILIO_SANDBOX_CONTROL_TOKEN="${TWILIO_SANDBOX_CONTROL_TOKEN:-$(node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("hex"))')}"
  export TWILIO_SANDBOX_INBOUND_URL="$PUBLIC_BASE_URL/v1/webhooks/twilio/inbound"
  [ -f dist/twilio-sandbox/main.js ] || die "dist/twilio-sandbox/main.js is missing after the build."
  cat <<EOF

  ###################################################################
  #                                                                 #
  #   SANDBOX MODE — no real SMS leaves this machine                #
  #                                                                 #
  #   TWILIO_ACCOUNT_SID is empty, so messages go to the local      #
  #   Twilio sandbox on 127.0.0.1:$(printf '%-5s' "$TWILIO_SANDBOX_PORT")                             #
  #   (log: .run/sandbox.log). To send real SMS, set                #
  #   TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_PHONE_NUMBER #
  #   in .env and run 'npm run up' again.                           #
  #                                                                 #
  ###################################################################

EOF
else
  [ -n "${TWILIO_AUTH_TOKEN:-}" ] || warn "TWILIO_ACCOUNT_SID is set but TWILIO_AUTH_TOKEN is empty; sending will fail."
  say "Twilio: LIVE mode (account ${TWILIO_ACCOUNT_SID:0:6}…); real SMS will be sent."
fi

# ------------------------------------------------------------- helpers --
port_open() { timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" >/dev/null 2>&1; }

http_status() {   # prints the HTTP status of GET $1, or 000
  node -e '
    const req = require("http").get(process.argv[1], (res) => { console.log(res.statusCode); res.resume(); process.exit(0); });
    req.setTimeout(2000, () => { req.destroy(); });
    req.on("error", () => { console.log("000"); process.exit(0); });
  ' "$1" 2>/dev/null || echo 000
}

STARTED=()
DETACHED=0
cleanup() {
  [ "$DETACHED" -eq 1 ] && return 0
  [ "${#STARTED[@]}" -gt 0 ] || return 0
  say "stopping ${STARTED[*]}"
  stop_procs "${STARTED[@]}"
  STARTED=()
}
trap cleanup EXIT
trap 'echo; say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM

start_proc() {   # start_proc NAME SCRIPT
  local name="$1" script="$2" pid
  printf '\n=== %s: starting node %s\n' "$(date '+%F %T')" "$script" >>"$RUN_DIR/$name.log"
  # setsid: own session, so terminal signals reach only this script, which
  # stops the children itself (and UP_DETACH=1 children survive the terminal).
  setsid node "$script" </dev/null >>"$RUN_DIR/$name.log" 2>&1 &
  pid=$!
  printf '%s\n' "$pid" >"$RUN_DIR/$name.pid"
  STARTED+=("$name")
}

# A previous `UP_DETACH=1 npm run up` may still be running: replace it.
for name in "${PROC_NAMES[@]}"; do
  if pid_of "$name" >/dev/null; then
    say "stopping the previous run's processes (${PROC_NAMES[*]})"
    stop_procs "${PROC_NAMES[@]}"
    break
  fi
done
port_open 127.0.0.1 "$PORT" &&
  die "port $PORT is already in use by another program; stop it or set PORT (in .env or the environment)."

# ----------------------------------------------------------------- run --
if [ "$SANDBOX" -eq 1 ]; then
  port_open 127.0.0.1 "$TWILIO_SANDBOX_PORT" &&
    die "the Twilio sandbox port $TWILIO_SANDBOX_PORT is already in use; stop that program or set TWILIO_SANDBOX_PORT."
  start_proc sandbox dist/twilio-sandbox/main.js
  deadline=$((SECONDS + SANDBOX_WAIT_SECONDS))
  until port_open 127.0.0.1 "$TWILIO_SANDBOX_PORT"; do
    if ! pid_of sandbox >/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      log_tail sandbox
      die "the Twilio sandbox did not start listening on port $TWILIO_SANDBOX_PORT."
    fi
    sleep 0.5
  done
fi

start_proc api dist/main.js
start_proc worker dist/worker.js

say "waiting for http://127.0.0.1:$PORT/health ..."
deadline=$((SECONDS + HEALTH_WAIT_SECONDS))
while [ "$(http_status "http://127.0.0.1:$PORT/health")" != "200" ]; do
  if ! pid_of api >/dev/null; then
    log_tail api
    die "the API exited during startup (log above: $RUN_DIR/api.log)."
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    log_tail api
    die "the API did not report healthy (GET /health = 200) within ${HEALTH_WAIT_SECONDS}s."
  fi
  sleep 1
done
pid_of worker >/dev/null || { log_tail worker; die "the worker exited during startup (log above)."; }

cat <<EOF

  NotifyX is up.

  Swagger UI : $PUBLIC_BASE_URL/docs
  API key    : $API_KEY        (header: x-api-key; from API_KEYS)
  Twilio     : $([ "$SANDBOX" -eq 1 ] && echo "SANDBOX (no real SMS), sandbox on http://127.0.0.1:$TWILIO_SANDBOX_PORT (control token: $TWILIO_SANDBOX_CONTROL_TOKEN)" || echo "LIVE")

  Try it:
    curl -sS -X POST '$PUBLIC_BASE_URL/v1/messages' \\
      -H 'x-api-key: $API_KEY' \\
      -H 'content-type: application/json' \\
      -d '{"to": "+5511987654321", "body": "Hello from NotifyX"}'

  Logs       : $RUN_DIR/api.log
               $RUN_DIR/worker.log$([ "$SANDBOX" -eq 1 ] && printf '\n               %s' "$RUN_DIR/sandbox.log")
EOF

if [ "${UP_DETACH:-}" = "1" ]; then
  DETACHED=1
  printf '\n  Detached (UP_DETACH=1). Stop with: bash scripts/up.sh stop\n\n'
  exit 0
fi
printf '\n  Press Ctrl-C to stop.\n\n'

# Stay in the foreground until Ctrl-C / SIGTERM (trap above) or until one of
# the processes exits on its own, in which case the others are stopped too.
declare -A NAME_OF=()
for name in "${STARTED[@]}"; do NAME_OF[$(cat "$RUN_DIR/$name.pid")]="$name"; done
set +e
while :; do
  wait -n
  status=$?
  for pid in "${!NAME_OF[@]}"; do
    if ! alive "$pid"; then
      name="${NAME_OF[$pid]}"
      log_tail "$name"
      die "$name exited unexpectedly (status $status; log: $RUN_DIR/$name.log); stopping the rest."
    fi
  done
done
