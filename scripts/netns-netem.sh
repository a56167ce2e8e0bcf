#!/usr/bin/env bash
# Kernel-level network emulation for wirebench: two network namespaces joined by a veth pair, with
# `tc netem` on both ends. Unlike the relay (`wirebench proxy`, a scenario's `network:` block), netem
# delays every packet, so the TCP handshake, TLS, slow start and loss recovery cost what they cost on a
# real path. Both namespaces share the host's clock, so the reference server's stamps stay exact.
# Nothing on the host's own interfaces is touched: the veth ends are created inside the namespaces.
# See docs/network.md.
set -euo pipefail

readonly CLIENT_NS=wb-client SERVER_NS=wb-server
readonly CLIENT_IF=wb-c SERVER_IF=wb-s
readonly CLIENT_ADDR=10.77.0.1 SERVER_ADDR=10.77.0.2 PREFIX_LEN=24
readonly SELF=${0##*/}

usage() {
  cat <<EOF
usage: sudo $SELF up --rtt-ms N [--jitter-ms N] [--rate RATE] [--loss PCT]
       sudo $SELF down
       sudo $SELF status
       sudo $SELF exec-server CMD [ARG...]
       sudo $SELF exec-client CMD [ARG...]

up           create $CLIENT_NS ($CLIENT_ADDR) and $SERVER_NS ($SERVER_ADDR), joined by a veth pair;
             netem on each end delays every packet by RTT/2 (± jitter, uniform), and optionally
             limits its rate (tc syntax: 100mbit, 512kbit) and drops PCT % of packets.
             --rtt-ms 0 without other options gives the same two namespaces with no emulation,
             a baseline to compare against.
down         remove both namespaces and the veth pair (safe to repeat)
status       show the namespaces, their addresses and qdiscs
exec-server  run CMD inside $SERVER_NS; exec-client: inside $CLIENT_NS. Both run it as the user who
             called sudo (so result files are theirs), with the caller's PATH.
EOF
}

die() {
  echo "$SELF: $*" >&2
  exit 1
}

require_root() {
  [[ $(id -u) -eq 0 ]] || die "must run as root: network namespaces and tc need CAP_NET_ADMIN (sudo $SELF …)"
}

require_iproute2() {
  command -v ip >/dev/null && command -v tc >/dev/null || die "needs iproute2 (ip and tc): apt-get install iproute2"
  ip -V 2>&1 | grep -q iproute2 || die "'ip' is not iproute2's (BusyBox?): install iproute2"
}

ns_exists() {
  # `ip netns list` prints "NAME" or "NAME (id: N)". awk alone: with pipefail, grep -q leaving early
  # could fail the pipeline on the writer's SIGPIPE even though the name was found.
  ip netns list | awk -v name="$1" '$1 == name { found = 1 } END { exit !found }'
}

is_number() {
  [[ $1 =~ ^[0-9]+([.][0-9]+)?$ ]]
}

down() {
  local ns
  # Deleting a namespace destroys the veth end inside it, and with it the peer: nothing else to undo.
  for ns in "$CLIENT_NS" "$SERVER_NS"; do
    if ns_exists "$ns"; then ip netns del "$ns"; fi
  done
}

up() {
  local rtt='' jitter=0 rate='' loss=''
  while (($#)); do
    case $1 in
      --rtt-ms) rtt=${2-}; shift 2 || die "--rtt-ms needs a value" ;;
      --jitter-ms) jitter=${2-}; shift 2 || die "--jitter-ms needs a value" ;;
      --rate) rate=${2-}; shift 2 || die "--rate needs a value" ;;
      --loss) loss=${2-}; shift 2 || die "--loss needs a value" ;;
      -h | --help) usage; exit 0 ;;
      *) die "unknown option for up: $1 (see $SELF --help)" ;;
    esac
  done
  [[ -n $rtt ]] || die "up needs --rtt-ms N (0 for no delay)"
  is_number "$rtt" || die "--rtt-ms must be a number of milliseconds, got '$rtt'"
  is_number "$jitter" || die "--jitter-ms must be a number of milliseconds, got '$jitter'"
  [[ -z $rate || $rate =~ ^[0-9]+([.][0-9]+)?([kmgt]?bit|[kmgt]?bps)$ ]] ||
    die "--rate takes tc's syntax (100mbit, 512kbit), got '$rate'"
  [[ -z $loss ]] || is_number "$loss" || die "--loss must be a percentage, got '$loss'"
  if ns_exists "$CLIENT_NS" || ns_exists "$SERVER_NS"; then
    die "already up: run '$SELF down' first (or '$SELF status' to see what is there)"
  fi

  local half netem=()
  half=$(awk -v r="$rtt" 'BEGIN { printf "%g", r / 2 }')
  if [[ $rtt != 0 || $jitter != 0 || -n $rate || -n $loss ]]; then
    netem=(delay "${half}ms")
    [[ $jitter == 0 ]] || netem+=("${jitter}ms")
    # netem gives each packet its own jittered delay and sends it when that expires, which reorders
    # packets; with a rate, it schedules each packet after the one before. A rate far above anything a
    # benchmark sends keeps jitter without reordering, as the relay does and most real paths do.
    if [[ -n $rate ]]; then
      netem+=(rate "$rate")
    elif [[ $jitter != 0 ]]; then
      netem+=(rate 100gbit)
    fi
    [[ -z $loss ]] || netem+=(loss "${loss}%")
  fi

  # A half-built setup would make the next 'up' refuse to run: undo everything on any failure.
  trap 'rc=$?; if ((rc != 0)); then echo "$SELF: set-up failed, removing what was created" >&2; down; fi' EXIT
  ip netns add "$CLIENT_NS"
  ip netns add "$SERVER_NS"
  ip link add "$CLIENT_IF" netns "$CLIENT_NS" type veth peer name "$SERVER_IF" netns "$SERVER_NS"
  local side ns dev addr
  for side in client server; do
    if [[ $side == client ]]; then ns=$CLIENT_NS dev=$CLIENT_IF addr=$CLIENT_ADDR; else ns=$SERVER_NS dev=$SERVER_IF addr=$SERVER_ADDR; fi
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$addr/$PREFIX_LEN" dev "$dev"
    ip -n "$ns" link set "$dev" up
    if ((${#netem[@]})); then
      ip netns exec "$ns" tc qdisc add dev "$dev" root netem "${netem[@]}" ||
        die "tc netem failed in $ns: the kernel needs the sch_netem module (modprobe sch_netem; CONFIG_NET_SCH_NETEM)"
    fi
  done
  trap - EXIT

  if ((${#netem[@]})); then
    echo "up: $CLIENT_NS $CLIENT_ADDR <-> $SERVER_NS $SERVER_ADDR, each direction: netem ${netem[*]} (RTT ${rtt} ms)"
  else
    echo "up: $CLIENT_NS $CLIENT_ADDR <-> $SERVER_NS $SERVER_ADDR, no emulation (baseline)"
  fi
  cat <<EOF
server:  sudo $SELF exec-server wirebench serve --host $SERVER_ADDR --port 8080 [serve options]
         (or: sudo ip netns exec $SERVER_NS wirebench serve --host $SERVER_ADDR --port 8080 …)
client:  sudo $SELF exec-client wirebench run SCENARIO --target http://$SERVER_ADDR:8080
         (or: sudo ip netns exec $CLIENT_NS wirebench run SCENARIO --target http://$SERVER_ADDR:8080)
check:   sudo ip netns exec $CLIENT_NS ping -c 3 $SERVER_ADDR   (RTT ≈ ${rtt} ms)
done:    sudo $SELF down
EOF
}

status() {
  local ns
  for ns in "$CLIENT_NS" "$SERVER_NS"; do
    if ! ns_exists "$ns"; then
      echo "$ns: absent"
      continue
    fi
    echo "$ns:"
    ip -n "$ns" -brief addr show | sed 's/^/  /'
    ip netns exec "$ns" tc qdisc show | sed 's/^/  /'
  done
}

exec_in() {
  local ns=$1
  shift
  (($#)) || die "nothing to run (usage: $SELF exec-server|exec-client CMD [ARG...])"
  ns_exists "$ns" || die "$ns does not exist: run '$SELF up …' first"
  if [[ -n ${SUDO_USER:-} && $SUDO_USER != root ]]; then
    exec ip netns exec "$ns" sudo -u "$SUDO_USER" env "PATH=$PATH" "$@"
  fi
  exec ip netns exec "$ns" "$@"
}

main() {
  local cmd=${1-}
  (($#)) && shift
  case $cmd in
    -h | --help | help) usage; return 0 ;;
    up | down | status | exec-server | exec-client) ;;
    '') usage >&2; exit 2 ;;
    *) echo "$SELF: unknown command '$cmd'" >&2; usage >&2; exit 2 ;;
  esac
  require_root
  require_iproute2
  case $cmd in
    up) up "$@" ;;
    down) down ;;
    status) status ;;
    exec-server) exec_in "$SERVER_NS" "$@" ;;
    exec-client) exec_in "$CLIENT_NS" "$@" ;;
  esac
}

main "$@"
