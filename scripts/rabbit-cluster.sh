#!/usr/bin/env bash
# A three-node RabbitMQ cluster on one machine, to try quorum queues and node loss before
# production (and for test/rabbit-cluster.e2e-spec.ts). Each node gets its own node name, AMQP
# and distribution ports, config file and data folder, so a RabbitMQ already running here (on
# 5672, with /etc/rabbitmq's config) is left alone.
#
# Usage:
#   scripts/rabbit-cluster.sh start    start three nodes, join 2 and 3 to 1, print RABBITMQ_URL
#   scripts/rabbit-cluster.sh stop     stop the nodes and remove their folders
#   scripts/rabbit-cluster.sh urls     print RABBITMQ_URL (the three nodes, comma-separated)
#   scripts/rabbit-cluster.sh status   rabbitmqctl cluster_status, asked of the first live node
#   scripts/rabbit-cluster.sh queues   each queue's type, leader and members (JSON), from the first live node
#   scripts/rabbit-cluster.sh kill N   SIGKILL node N (1-3), as a crash or power loss would
#
# Environment:
#   RABBIT_CLUSTER_NAME  nodes are <name>-1@localhost .. <name>-3@localhost (default notifyx-cluster)
#   RABBIT_CLUSTER_PORT  AMQP port of node 1; nodes 2 and 3 take the next two (default 5681).
#                        Distribution ports are the AMQP ports + 20000.
#   RABBIT_CLUSTER_DIR   config, data and logs (default ${TMPDIR:-/tmp}/<name>)
#
# Run as root (the nodes then run as the `rabbitmq` user, as Debian's packages arrange) or as
# the user who runs RabbitMQ. The nodes share that user's Erlang cookie (~/.erlang.cookie), which
# is what lets them, and rabbitmqctl, talk to each other.
set -euo pipefail

NAME="${RABBIT_CLUSTER_NAME:-notifyx-cluster}"
FIRST_PORT="${RABBIT_CLUSTER_PORT:-5681}"
DIR="${RABBIT_CLUSTER_DIR:-${TMPDIR:-/tmp}/$NAME}"
NODES=(1 2 3)
BOOT_SECONDS=90

info() { printf '[rabbit-cluster] %s\n' "$*" >&2; }
die() { printf '[rabbit-cluster] ERROR: %s\n' "$*" >&2; exit 1; }

node_name() { printf '%s-%s@localhost' "$NAME" "$1"; }
amqp_port() { printf '%s' $((FIRST_PORT + $1 - 1)); }
node_dir() { printf '%s/node-%s' "$DIR" "$1"; }

urls() {
  local n list=()
  for n in "${NODES[@]}"; do list+=("amqp://guest:guest@127.0.0.1:$(amqp_port "$n")"); done
  (IFS=,; printf '%s\n' "${list[*]}")
}

# The environment that makes node N a node of its own; rabbitmqctl reads it too.
node_env() {
  local dir; dir="$(node_dir "$1")"
  export RABBITMQ_NODENAME="$(node_name "$1")"
  export RABBITMQ_NODE_PORT="$(amqp_port "$1")"
  export RABBITMQ_DIST_PORT=$(($(amqp_port "$1") + 20000))
  export RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$dir/mnesia"
  export RABBITMQ_LOG_BASE="$dir/log"
  export RABBITMQ_PID_FILE="$dir/rabbitmq.pid"
  # One scheduler each: three nodes on a small machine should not take every core.
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="+S 1:1"
}

port_taken() { timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0"' "$1" >/dev/null 2>&1; }

ctl() { local n="$1"; shift; (node_env "$n"; rabbitmqctl -q -n "$(node_name "$n")" "$@"); }

write_node_files() {
  local dir; dir="$(node_dir "$1")"
  mkdir -p "$dir/mnesia" "$dir/log"
  # This file replaces the machine's rabbitmq.conf for this node, so it may fix its own port.
  printf 'listeners.tcp.local = 127.0.0.1:%s\nloopback_users.guest = true\n' "$(amqp_port "$1")" >"$dir/rabbitmq.conf"
  printf '[].\n' >"$dir/enabled_plugins"
}

start_node() {
  info "starting $(node_name "$1") on 127.0.0.1:$(amqp_port "$1")"
  (node_env "$1"; rabbitmq-server -detached >/dev/null 2>&1) || die "rabbitmq-server did not start for node $1 (logs: $(node_dir "$1")/log)"
}

await_node() {
  local deadline=$((SECONDS + BOOT_SECONDS))
  until ctl "$1" await_startup --timeout 10 >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "node $1 did not boot within ${BOOT_SECONDS}s (logs: $(node_dir "$1")/log)"
    sleep 1
  done
}

stop_node() {
  local pidfile; pidfile="$(node_dir "$1")/rabbitmq.pid"
  [ -f "$pidfile" ] || return 0
  local pid; pid="$(cat "$pidfile" 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    info "stopping $(node_name "$1")"
    # With the pid file, rabbitmqctl waits for the process to end before the folder goes.
    ctl "$1" stop "$pidfile" >/dev/null 2>&1 || kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

start() {
  command -v rabbitmq-server >/dev/null 2>&1 || die 'rabbitmq-server is not installed'
  local n
  for n in "${NODES[@]}"; do
    [ ! -f "$(node_dir "$n")/rabbitmq.pid" ] || die "a cluster already runs in $DIR (scripts/rabbit-cluster.sh stop first)"
  done
  for n in "${NODES[@]}"; do
    ! port_taken "$(amqp_port "$n")" || die "port $(amqp_port "$n") is taken (set RABBIT_CLUSTER_PORT)"
    ! port_taken $(($(amqp_port "$n") + 20000)) || die "port $(($(amqp_port "$n") + 20000)) is taken (set RABBIT_CLUSTER_PORT)"
  done
  # A node left half started must not outlive a failed start; its logs stay for a look.
  trap 'stop_nodes >/dev/null 2>&1 || true' EXIT
  for n in "${NODES[@]}"; do write_node_files "$n"; done
  if [ "$(id -u)" -eq 0 ] && id rabbitmq >/dev/null 2>&1; then chown -R rabbitmq:rabbitmq "$DIR"; fi
  for n in "${NODES[@]}"; do start_node "$n"; done
  for n in "${NODES[@]}"; do await_node "$n"; done
  for n in "${NODES[@]:1}"; do
    info "joining $(node_name "$n") to $(node_name 1)"
    local out
    # join_cluster logs transient errors about the stopped app's tables; only its outcome matters.
    out="$(ctl "$n" stop_app 2>&1 && ctl "$n" join_cluster "$(node_name 1)" 2>&1 && ctl "$n" start_app 2>&1)" ||
      die "node $n could not join $(node_name 1): $out"
  done
  trap - EXIT
  info "cluster up: $(node_name 1), $(node_name 2), $(node_name 3)"
  printf 'RABBITMQ_URL=%s\n' "$(urls)"
}

stop_nodes() {
  local n
  for n in "${NODES[@]}"; do stop_node "$n"; done
}

stop() {
  stop_nodes
  local n
  # Only what start made: RABBIT_CLUSTER_DIR may name a folder that holds other things.
  for n in "${NODES[@]}"; do rm -rf "$(node_dir "$n")"; done
  rmdir "$DIR" 2>/dev/null || true
}

status() {
  local n
  for n in "${NODES[@]}"; do
    if ctl "$n" cluster_status 2>/dev/null; then return 0; fi
  done
  die 'no node of the cluster answers'
}

queues() {
  local n
  for n in "${NODES[@]}"; do
    if ctl "$n" --formatter json list_queues name type leader members online 2>/dev/null; then return 0; fi
  done
  die 'no node of the cluster answers'
}

kill_node() {
  local n="${1:?kill needs a node number (1-3)}"
  local pidfile; pidfile="$(node_dir "$n")/rabbitmq.pid"
  [ -f "$pidfile" ] || die "node $n is not running"
  info "SIGKILL $(node_name "$n")"
  kill -9 "$(cat "$pidfile")"
  rm -f "$pidfile"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  urls) urls ;;
  status) status ;;
  queues) queues ;;
  kill) kill_node "${2:-}" ;;
  *) die "usage: $0 start|stop|urls|status|queues|kill N" ;;
esac
