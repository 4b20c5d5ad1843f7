#!/usr/bin/env bash
# Make the services NotifyX and its tests need available on this machine:
#   - RabbitMQ  (RABBITMQ_URL, default amqp://guest:guest@127.0.0.1:5672)
#   - MongoDB   (MONGODB_URI, default mongodb://127.0.0.1:27017); when nothing
#               listens there, a local FerretDB v1.24.2 (MongoDB wire-compatible)
#               is built once, cached and started on PostgreSQL, which must be
#               running (the script stops and says so otherwise).
#   - Chromium  (/usr/bin/chromium, for the browser test)
#   - Redis     only checked (a warning, never fatal) when REDIS_URL is set
# Services that are already reachable are used as they are (for example the
# ones from docker-compose.yml). Silent when everything is already up.
#
# Usage:
#   scripts/services.sh [start] [--skip-browser] [--for-tests]
#                                                  ensure everything (default)
#   scripts/services.sh stop                       stop the FerretDB this script
#                                                  started (RabbitMQ is left alone)
#
# Where the services are expected:
#   - for the tests (`npm test` -> pretest, or --for-tests): TEST_RABBITMQ_URL and
#     TEST_MONGODB_URI, else the defaults, exactly as test/support/services.ts
#     reads them (.env is not used by the tests, so it is ignored here too);
#   - otherwise (npm run up / npm run services): RABBITMQ_URL and MONGODB_URI
#     from the environment, else from ./.env, else the defaults.
#
# Other environment:
#   FERRETDB_BIN                use this FerretDB binary instead of the cached one
#   FERRETDB_POSTGRESQL_URL     FerretDB's PostgreSQL database (default
#                               postgres://postgres@127.0.0.1:5432/notifyx_ferretdb)
#   XDG_CACHE_HOME              cache root (binary: $XDG_CACHE_HOME/notifyx/)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN_DIR="$ROOT/.run"
FERRETDB_VERSION="v1.24.2"
FERRETDB_MODULE="github.com/FerretDB/FerretDB"
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/notifyx"
FERRETDB_PID_FILE="$RUN_DIR/ferretdb.pid"
FERRETDB_LOG="$RUN_DIR/ferretdb.log"
RABBITMQ_WAIT_SECONDS=90
FERRETDB_WAIT_SECONDS=30
CHROMIUM_PATH="/usr/bin/chromium"

# Go is often installed here without being on a non-login shell's PATH.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  PATH="$PATH:/usr/local/go/bin"
fi

info() { printf '[services] %s\n' "$*" >&2; }
warn() { printf '[services] WARNING: %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# port_open HOST PORT: true when a TCP connection succeeds within 3 s.
port_open() {
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" >/dev/null 2>&1
}

# service_up HOST PORT: port_open with retries, so a busy machine or a service
# that is restarting isn't mistaken for a missing one (which would start a second).
service_up() {
  local i
  for i in 1 2 3; do
    port_open "$1" "$2" && return 0
    [ "$i" -eq 3 ] || sleep 0.5
  done
  return 1
}

is_local_host() {
  case "$1" in
    127.* | localhost | ::1 | 0.0.0.0 | "$(hostname 2>/dev/null || true)") return 0 ;;
    *) return 1 ;;
  esac
}

FOR_TESTS=0
case "${npm_lifecycle_event:-}" in pretest | test) FOR_TESTS=1 ;; esac

# var_name NAME: the variable that configures NAME in this mode (for messages).
var_name() { if [ "$FOR_TESTS" -eq 1 ]; then printf 'TEST_%s' "$1"; else printf '%s' "$1"; fi; }

# setting NAME DEFAULT: for the tests TEST_<NAME> or DEFAULT; otherwise NAME from
# the environment, else from ./.env, else DEFAULT.
setting() {
  local name="$1" default="$2" value
  if [ "$FOR_TESTS" -eq 1 ]; then
    name="TEST_$name"
    printf '%s' "${!name:-$default}"
    return 0
  fi
  value="${!name:-}"
  if [ -z "$value" ] && [ -f "$ROOT/.env" ]; then
    value="$(set +eu; set -a; . "$ROOT/.env" >/dev/null 2>&1; printf '%s' "${!name:-}")" || value=""
  fi
  printf '%s' "${value:-$default}"
}

# parse_url URL DEFAULT_PORT: sets URL_HOST and URL_PORT (first host of a list).
parse_url() {
  local rest="${1#*://}" default_port="$2"
  rest="${rest%%[/?#]*}"   # drop path / query
  rest="${rest##*@}"       # drop credentials
  rest="${rest%%,*}"       # first host of a replica-set list
  if [[ "$rest" == \[* ]]; then            # [ipv6]:port
    URL_HOST="${rest%%]*}"; URL_HOST="${URL_HOST#[}"
    rest="${rest#*]}"; URL_PORT="${rest#:}"
  elif [[ "$rest" == *:* ]]; then
    URL_HOST="${rest%%:*}"; URL_PORT="${rest##*:}"
  else
    URL_HOST="$rest"; URL_PORT=""
  fi
  URL_HOST="${URL_HOST:-127.0.0.1}"
  URL_PORT="${URL_PORT:-$default_port}"
  [[ "$URL_PORT" =~ ^[0-9]+$ ]] || die "cannot read a port from '$1'"
}

APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    info "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
    APT_UPDATED=1
  fi
  info "apt-get install -y $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# ---------------------------------------------------------------- RabbitMQ --

rabbitmq_log_tail() {
  local f
  for f in $(ls -t /var/log/rabbitmq/*.log 2>/dev/null | head -n 1); do
    printf -- '--- last lines of %s ---\n' "$f" >&2
    tail -n 20 "$f" >&2 || true
  done
}

ensure_rabbitmq() {
  local url host port
  url="$(setting RABBITMQ_URL amqp://guest:guest@127.0.0.1:5672)"
  case "$url" in amqps://*) parse_url "$url" 5671 ;; *) parse_url "$url" 5672 ;; esac
  host="$URL_HOST"; port="$URL_PORT"

  service_up "$host" "$port" && return 0

  is_local_host "$host" ||
    die "RabbitMQ at $host:$port ($(var_name RABBITMQ_URL)) is not reachable, and it is not a local address this script could start it on."

  if ! command -v rabbitmq-server >/dev/null 2>&1 && [ ! -x /usr/sbin/rabbitmq-server ]; then
    if is_root && command -v apt-get >/dev/null 2>&1; then
      info "RabbitMQ is not installed; installing Debian's rabbitmq-server"
      apt_install rabbitmq-server || die "installing rabbitmq-server with apt-get failed (see above)."
    else
      die "RabbitMQ is not reachable on $host:$port and not installed. Install it (e.g. 'sudo apt-get install rabbitmq-server'), or run 'docker compose up -d rabbitmq'."
    fi
  fi
  PATH="$PATH:/usr/sbin:/sbin"

  # The package's postinst may already have started it.
  if ! port_open "$host" "$port"; then
    info "starting RabbitMQ (rabbitmq-server -detached)"
    local out
    # Fails harmlessly with "already running" if a node is still booting.
    out="$(rabbitmq-server -detached 2>&1)" || true
  fi

  local deadline=$((SECONDS + RABBITMQ_WAIT_SECONDS))
  until port_open "$host" "$port"; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      [ -n "${out:-}" ] && printf '%s\n' "$out" >&2
      rabbitmq_log_tail
      die "RabbitMQ did not open $host:$port within ${RABBITMQ_WAIT_SECONDS}s."
    fi
    sleep 1
  done
  if command -v rabbitmqctl >/dev/null 2>&1; then
    local left=$((deadline - SECONDS))
    [ "$left" -lt 5 ] && left=5
    if ! timeout "$left" rabbitmqctl -q await_startup >/dev/null 2>&1; then
      rabbitmq_log_tail
      die "RabbitMQ opened port $port but 'rabbitmqctl await_startup' did not succeed within ${RABBITMQ_WAIT_SECONDS}s."
    fi
  fi
  info "RabbitMQ is up on $host:$port"
}

# ---------------------------------------------------------------- FerretDB --

ferretdb_pid() {   # prints the pid from the pid file if that process is our FerretDB
  local pid
  [ -f "$FERRETDB_PID_FILE" ] || return 1
  pid="$(cat "$FERRETDB_PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- '--handler=' || return 1
  printf '%s' "$pid"
}

build_ferretdb() {   # build_ferretdb OUTPUT_PATH
  local out="$1" tmp dir
  command -v go >/dev/null 2>&1 ||
    die "FerretDB must be built from source, but Go is not installed (no 'go' on PATH or in /usr/local/go/bin). Install Go >= 1.22 (https://go.dev/dl/), or start MongoDB yourself (e.g. 'docker compose up -d mongodb'), or set FERRETDB_BIN to a FerretDB $FERRETDB_VERSION binary."
  info "building FerretDB $FERRETDB_VERSION with $(go version | cut -d' ' -f3) (once; a few minutes on a cold module cache)..."
  tmp="$(mktemp -d)"
  BUILD_TMP="$tmp"
  trap 'rm -rf "$BUILD_TMP"' EXIT
  # Download outside any module so the project's files don't matter.
  dir="$(cd "$tmp" && GO111MODULE=on go mod download -json "$FERRETDB_MODULE@$FERRETDB_VERSION" |
    sed -n 's/^[[:space:]]*"Dir":[[:space:]]*"\(.*\)",\{0,1\}[[:space:]]*$/\1/p' | head -n 1)" || true
  [ -n "$dir" ] && [ -d "$dir" ] || die "'go mod download $FERRETDB_MODULE@$FERRETDB_VERSION' failed (is the Go module proxy reachable?)."
  cp -r "$dir" "$tmp/src"
  chmod -R u+w "$tmp/src"
  # The module zip lacks this file; without it the binary panics at start.
  printf '%s\n' "$FERRETDB_VERSION" >"$tmp/src/build/version/version.txt"
  mkdir -p "$(dirname "$out")"
  if ! (cd "$tmp/src" && CGO_ENABLED=0 go build -o "$out.tmp.$$" ./cmd/ferretdb) >"$tmp/build.log" 2>&1; then
    tail -n 40 "$tmp/build.log" >&2
    rm -f "$out.tmp.$$"
    die "building FerretDB failed (output above)."
  fi
  mv -f "$out.tmp.$$" "$out"
  rm -rf "$tmp"
  info "FerretDB binary cached at $out"
}

# FerretDB's store: PostgreSQL only. Its SQLite backend fails under the worker's concurrency (most
# writes of a bulk drain logged SQLITE_BUSY, ~4 messages a second), so it is not offered.
# FERRETDB_POSTGRESQL_URL names the database (default notifyx_ferretdb on the local server, as user
# postgres), created when missing. Test and local data only, so commits need not wait for the disk
# (synchronous_commit=off). Sets FERRETDB_BACKEND_ARGS, or stops with what to do.
ferretdb_backend_args() {
  local handler="${FERRETDB_HANDLER:-pg}" pg_url db_url admin_url db
  [ "$handler" = pg ] ||
    die "FERRETDB_HANDLER=$handler is not supported: FerretDB runs on PostgreSQL here (its SQLite backend fails under the worker's concurrency). Unset FERRETDB_HANDLER."
  pg_url="${FERRETDB_POSTGRESQL_URL:-postgres://postgres@127.0.0.1:5432/notifyx_ferretdb}"
  db_url="${pg_url%%\?*}"   # for psql: FerretDB's own pool options stay on pg_url
  db="${db_url##*/}"
  admin_url="${db_url%/*}/postgres"
  parse_url "$pg_url" 5432
  if ! command -v psql >/dev/null 2>&1 || ! port_open "$URL_HOST" "$URL_PORT" ||
    ! psql -d "$admin_url" -tAc 'select 1' >/dev/null 2>&1; then
    die "no MongoDB answers at $host:$port ($(var_name MONGODB_URI)), and the FerretDB started in its place needs PostgreSQL, which does not answer at $URL_HOST:$URL_PORT (checked with psql ${admin_url}). Install and start it ('sudo apt-get install postgresql && sudo service postgresql start'; psql must reach it as in FERRETDB_POSTGRESQL_URL), or point $(var_name MONGODB_URI) at a MongoDB (e.g. 'docker compose up -d mongodb')."
  fi
  if [ -z "$(psql -d "$admin_url" -tAc "select 1 from pg_database where datname = '$db'")" ]; then
    psql -d "$admin_url" -qc "create database $db" >/dev/null
  fi
  psql -d "$admin_url" -qc "alter database $db set synchronous_commit = off" >/dev/null
  # FerretDB passes the field name as a parameter: only a plan made for the actual name can use an index.
  psql -d "$admin_url" -qc "alter database $db set plan_cache_mode = force_custom_plan" >/dev/null
  # Indexes FerretDB's lookups can use (see the file): without them every find scans its table.
  psql -d "$db_url" -v ON_ERROR_STOP=1 -q -f "$ROOT/scripts/ferretdb-pg-indexes.sql" >/dev/null 2>&1 ||
    warn "could not load scripts/ferretdb-pg-indexes.sql into $db: FerretDB will scan whole tables"
  FERRETDB_BACKEND_ARGS=(--handler=pg "--postgresql-url=$(with_pool_size "$pg_url" "$admin_url")")
}

# FerretDB 1.24 holds its catalogue's write lock while it creates a database, collection or index,
# and needs a pooled PostgreSQL connection to do so; requests that hold pooled connections wait for
# that lock. When every connection of its pool (50 by default) is held that way, FerretDB stops
# answering for good: a goroutine dump (kill -QUIT) showed its 50 connections idle in PostgreSQL,
# 123 requests waiting for the lock and 33 for a connection, after a spec created its database while
# another drained 10,000 messages (two specs run side by side; the same stop was seen before when a
# restarted process created its collections during a drain). So the pool is made as large as PostgreSQL allows (its
# max_connections less 15 for psql and the rest, never under FerretDB's own 50), unless the URL
# sets pool_max_conns; and the processes the tests start keep their drivers' pools small
# (maxPoolSize in test/support/system.ts), so they stay under it.
with_pool_size() {   # with_pool_size PG_URL ADMIN_URL: PG_URL with pool_max_conns
  local url="$1" max pool
  case "$url" in *pool_max_conns=*) printf '%s' "$url"; return ;; esac
  max="$(psql -d "$2" -tAc 'show max_connections' 2>/dev/null || true)"
  pool=50
  [[ "$max" =~ ^[0-9]+$ ]] && [ $((max - 15)) -gt 50 ] && pool=$((max - 15))
  case "$url" in *\?*) printf '%s&pool_max_conns=%s' "$url" "$pool" ;; *) printf '%s?pool_max_conns=%s' "$url" "$pool" ;; esac
}

ensure_ferretdb() {
  local uri host port bin listen_host pid
  uri="$(setting MONGODB_URI mongodb://127.0.0.1:27017)"
  case "$uri" in
    mongodb+srv://*) return 0 ;;   # DNS seed list: a remote cluster, nothing to check or start
  esac
  parse_url "$uri" 27017
  host="$URL_HOST"; port="$URL_PORT"

  service_up "$host" "$port" && return 0

  is_local_host "$host" ||
    die "MongoDB at $host:$port ($(var_name MONGODB_URI)) is not reachable, and it is not a local address this script could start FerretDB on."

  mkdir -p "$RUN_DIR"

  # Serialize concurrent runs (e.g. two terminals) so only one builds/starts.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$RUN_DIR/ferretdb.lock"
    flock -w 600 9 || die "timed out waiting for another services.sh run (lock $RUN_DIR/ferretdb.lock)."
    port_open "$host" "$port" && return 0
  fi

  listen_host="$host"
  case "$host" in localhost | 0.0.0.0) listen_host=127.0.0.1 ;; esac
  [[ "$listen_host" == *:* ]] && listen_host="[$listen_host]"

  if pid="$(ferretdb_pid)"; then
    local running_addr
    running_addr="$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | sed -n 's/^--listen-addr=//p')"
    if [ "$running_addr" != "$listen_host:$port" ]; then
      die "the FerretDB started earlier from this checkout (pid $pid) listens on $running_addr, but $(var_name MONGODB_URI) points at $host:$port. Run 'scripts/services.sh stop' first (or change $(var_name MONGODB_URI))."
    fi
    info "FerretDB (pid $pid) is running but not answering on $host:$port yet; waiting"
  else
    rm -f "$FERRETDB_PID_FILE"
    # Before the build: without PostgreSQL a FerretDB binary is of no use.
    ferretdb_backend_args
    bin="${FERRETDB_BIN:-$CACHE_DIR/ferretdb-$FERRETDB_VERSION}"
    if [ ! -x "$bin" ]; then
      [ -n "${FERRETDB_BIN:-}" ] && die "FERRETDB_BIN=$FERRETDB_BIN is not an executable file."
      build_ferretdb "$bin"
    fi
    info "starting FerretDB $FERRETDB_VERSION on $listen_host:$port (on PostgreSQL, log $FERRETDB_LOG)"
    printf '\n=== %s: starting %s\n' "$(date '+%F %T')" "$bin" >>"$FERRETDB_LOG"
    # setsid + nohup: detached from this script's session and terminal, so it
    # outlives the script (and Ctrl-C in the terminal that ran it).
    (cd "$RUN_DIR" && exec setsid nohup "$bin" \
      "${FERRETDB_BACKEND_ARGS[@]}" \
      --state-dir="$RUN_DIR" \
      --listen-addr="$listen_host:$port" \
      --telemetry=disable \
      --debug-addr=- \
      --log-level=warn \
      </dev/null >>"$FERRETDB_LOG" 2>&1 9>&-) &
    pid=$!
    printf '%s\n' "$pid" >"$FERRETDB_PID_FILE"
  fi

  local deadline=$((SECONDS + FERRETDB_WAIT_SECONDS))
  until port_open "$host" "$port"; do
    if ! kill -0 "$pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      printf -- '--- %s (this start, last 30 lines) ---\n' "$FERRETDB_LOG" >&2
      awk '/^=== / { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' "$FERRETDB_LOG" | tail -n 30 >&2 || true
      if kill -0 "$pid" 2>/dev/null; then
        die "FerretDB (pid $pid) did not open $host:$port within ${FERRETDB_WAIT_SECONDS}s."
      fi
      rm -f "$FERRETDB_PID_FILE"
      die "FerretDB exited before opening $host:$port (log above)."
    fi
    sleep 0.5
  done
  if ! kill -0 "$pid" 2>/dev/null; then
    rm -f "$FERRETDB_PID_FILE"
    info "another process answers on $host:$port now; using it"
    return 0
  fi
  info "FerretDB is up on $host:$port (pid $pid; stop it with 'scripts/services.sh stop')"
}

stop_ferretdb() {
  local pid i
  if ! pid="$(ferretdb_pid)"; then
    rm -f "$FERRETDB_PID_FILE"
    info "no FerretDB started by this script is running"
    return 0
  fi
  info "stopping FerretDB (pid $pid)"
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 20); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "FerretDB (pid $pid) ignored SIGTERM for 10s; sending SIGKILL"
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$FERRETDB_PID_FILE"
}

# ---------------------------------------------------------------- Chromium --

ensure_chromium() {
  [ -x "$CHROMIUM_PATH" ] && return 0
  if is_root && command -v apt-get >/dev/null 2>&1; then
    info "Chromium ($CHROMIUM_PATH) is missing; installing Debian's chromium for the browser test"
    if apt_install chromium && [ -x "$CHROMIUM_PATH" ]; then
      return 0
    fi
    warn "installing chromium with apt-get failed; the browser test will fail."
  else
    warn "$CHROMIUM_PATH is missing and cannot be installed automatically (needs root and apt-get); the browser test will fail. Install it with 'sudo apt-get install chromium'."
  fi
}

# ------------------------------------------------------------------- Redis --

# Redis: optional for the app (REDIS_URL), needed by the tests (the shared rate-limit spec).
# Started from Debian's redis-server when it is local and not running.
check_redis() {
  local url
  if [ "$FOR_TESTS" -eq 1 ]; then url="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"; else url="$(setting REDIS_URL '')"; fi
  [ -n "$url" ] || return 0
  parse_url "$url" 6379
  service_up "$URL_HOST" "$URL_PORT" && return 0
  if ! is_local_host "$URL_HOST"; then
    warn "Redis at $URL_HOST:$URL_PORT ($(var_name REDIS_URL)) is not reachable."
    return 0
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1 ||
      die "Redis is needed on $URL_HOST:$URL_PORT and redis-server is not installed (apt-get install redis-server)."
    info "installing redis-server from Debian"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  fi
  info "starting Redis on 127.0.0.1:$URL_PORT"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$URL_PORT" --save '' --appendonly no >/dev/null
  local deadline=$((SECONDS + 20))
  until port_open "$URL_HOST" "$URL_PORT"; do
    [ "$SECONDS" -lt "$deadline" ] || die "Redis did not open $URL_HOST:$URL_PORT within 20s."
    sleep 0.5
  done
}

# -------------------------------------------------------------------- main --

main() {
  local cmd="start" skip_browser=0 arg
  for arg in "$@"; do
    case "$arg" in
      start) cmd=start ;;
      stop) cmd=stop ;;
      --skip-browser) skip_browser=1 ;;
      --for-tests) FOR_TESTS=1 ;;
      -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
      *) die "unknown argument '$arg' (usage: scripts/services.sh [start|stop] [--skip-browser] [--for-tests])" ;;
    esac
  done

  case "$cmd" in
    stop) stop_ferretdb ;;
    start)
      ensure_rabbitmq
      ensure_ferretdb
      check_redis
      [ "$skip_browser" -eq 1 ] || ensure_chromium
      ;;
  esac
}

main "$@"
