#!/usr/bin/env bash
# An emulated cluster on one machine: K hosts, each a network namespace with its own hostname,
# joined to a bridge by links shaped to a rate, and mpirun across them over TCP. Everything is
# torn down when the job ends, fails, times out or is interrupted.
#
#   cluster/local/run.sh --hosts 4 --rate 1gbit [--delay 1ms] [--loss 0.1%] [--ranks N]
#                        [--timeout S] [--mpirun-args "..."] -- PROGRAM ARGS...
#
# e.g. cluster/local/run.sh --hosts 2 --rate 100mbit -- build/bin/psml train --data ... (ranks:
# --ranks, default one per host, placed round-robin over the hosts). Needs root (or
# CAP_NET_ADMIN and CAP_SYS_ADMIN), iproute2 (ip, tc) and util-linux (unshare).
#
# How (docs/clusters.md): the bridge lives in a namespace of its own, so nothing is added to the
# machine's own network. Host i is namespace psml-<id>-h<i> with one veth into the bridge,
# address 10.213.<n>.<i+1>/24, and a token-bucket filter (tbf) at the rate on both ends of its
# veth: at most RATE out of and RATE into each host, as a full-duplex NIC. Delay and loss (netem)
# go on the host's end where the kernel has sch_netem; where it has not, the script says so and
# runs without them. mpirun starts in host 0; it reaches the other hosts through an rsh agent that
# runs Open MPI's daemon there with `ip netns exec`, each in a UTS namespace named after its host,
# so Open MPI (and psml) see K nodes: no shared memory between them, TCP only (btl tcp,self), on
# the cluster's subnet only.
# Ranks waiting in MPI calls yield the core (mpi_yield_when_idle): the emulated hosts share this
# machine's cores with the kernel, which moves every byte across the emulated links; ranks that
# spin, as Open MPI's do on a node it thinks has a core per rank, starve it (a 0.94 MB allreduce
# over 4 hosts at 1 Gbit/s took 26.8 ms spinning, 11.8 ms yielding: a ring's 11.7 ms).
# Messages up to 1 MB go in one piece (btl_tcp eager / rendezvous limits and fragment size): with
# the TCP transport's defaults (64 KB eager, 128 KB fragments, a round trip per fragment), a
# pair of hosts sending to each other at once queue each fragment's answer behind the other's
# data, and a 0.94 MB allreduce between two hosts took 155 ms at 100 Mbit/s, twice what the link
# allows; 80.6 ms in one piece (a raw TCP stream each way gets 86-94 Mbit/s at once).
set -euo pipefail

hosts=2 rate="" delay="" loss="" ranks="" timeout=0 mpirun_args=""
usage() { echo "usage: $0 --hosts K --rate RATE [--delay D] [--loss L] [--ranks N] [--timeout S] [--mpirun-args ARGS] -- PROGRAM ARGS..." >&2; exit 2; }
while (($#)); do
  case "$1" in
    --hosts) hosts="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --delay) delay="$2"; shift 2 ;;
    --loss) loss="$2"; shift 2 ;;
    --ranks) ranks="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    --mpirun-args) mpirun_args="$2"; shift 2 ;;
    --) shift; break ;;
    *) usage ;;
  esac
done
(($# > 0)) || usage
[[ "$hosts" =~ ^[1-9][0-9]?$ ]] || { echo "cluster/local: --hosts must be 1..99 (got '$hosts')" >&2; exit 2; }
[[ -n "$rate" ]] || { echo "cluster/local: --rate is required (e.g. 100mbit, 1gbit)" >&2; exit 2; }
ranks="${ranks:-$hosts}"

fail() { echo "cluster/local: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || fail "needs root (network namespaces, tc); run it with sudo"
command -v ip >/dev/null && command -v tc >/dev/null || fail "needs iproute2 (ip, tc)"
command -v unshare >/dev/null || fail "needs unshare (util-linux)"

id="$$"
subnet_index=$(( ($$ % 250) + 1 ))
subnet="10.213.${subnet_index}"
bridge_ns="psml-${id}-br"
work=$(mktemp -d "/tmp/psml-cluster-${id}.XXXXXX")
ns_of() { echo "psml-${id}-h$1"; }

teardown() {
  local rc=$?
  trap - EXIT INT TERM
  # The daemons first (mpirun may have left some behind on an interrupt), then the namespaces.
  for ((i = 0; i < hosts; i++)); do
    local ns; ns=$(ns_of "$i")
    if ip netns list | grep -qw "$ns"; then
      ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
      ip netns del "$ns" 2>/dev/null || true
    fi
  done
  ip netns del "$bridge_ns" 2>/dev/null || true
  rm -rf "$work"
  exit "$rc"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ip netns add "$bridge_ns" || fail "cannot create a network namespace (ip netns add): not root, or no CAP_SYS_ADMIN in this container"
ip -n "$bridge_ns" link add br0 type bridge
ip -n "$bridge_ns" link set br0 up

# Whether this kernel can delay or drop packets (sch_netem); probed on the bridge's loopback.
netem=yes
if [[ -n "$delay$loss" ]]; then
  if ! ip netns exec "$bridge_ns" tc qdisc add dev lo root netem delay 1ms 2>/dev/null; then
    netem=no
    echo "cluster/local: this kernel has no netem (sch_netem): --delay ${delay:-none} and --loss ${loss:-none} are NOT emulated, only the rate" >&2
  fi
fi

# tbf burst: at least one MTU (16 KB), and a millisecond at the rate: a real NIC sends no
# faster than its rate, and a larger bucket lets a burst after idle time (a gradient after the
# backward pass) through at memory speed (4 ms worth at 1 Gbit/s, as this was, sent a 0.94 MB
# push and pull in 8.7 ms instead of the 15.5 ms the rate allows). The qdisc watchdog runs on
# high-resolution timers: the rate holds (a TCP stream gets 95% of 1 Gbit/s; with half a
# millisecond, 78%).
burst=$(python3 -c "
import re, sys
m = re.fullmatch(r'([0-9.]+)([kmg]?)(bit|bps)', sys.argv[1].lower())
if not m: sys.exit('bad rate')
bits = float(m[1]) * {'': 1, 'k': 1e3, 'm': 1e6, 'g': 1e9}[m[2]] * (8 if m[3] == 'bps' else 1)
print(max(16384, int(bits / 8 / 1000)))" "$rate") || fail "--rate '$rate': say e.g. 100mbit, 1gbit, 500kbit"

hostfile="$work/hostfile"
: > "$hostfile"
for ((i = 0; i < hosts; i++)); do
  ns=$(ns_of "$i")
  ip netns add "$ns"
  ip link add "h$i-$id" type veth peer name "b$i-$id"
  ip link set "h$i-$id" netns "$ns" name eth0
  ip link set "b$i-$id" netns "$bridge_ns"
  ip -n "$bridge_ns" link set "b$i-$id" master br0 up
  ip -n "$ns" addr add "$subnet.$((i + 1))/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  # RATE out of the host (its end) and into it (the bridge's end).
  if [[ "$netem" == yes && -n "$delay$loss" ]]; then
    ip netns exec "$ns" tc qdisc add dev eth0 root handle 1: netem ${delay:+delay "$delay"} ${loss:+loss "$loss"}
    ip netns exec "$ns" tc qdisc add dev eth0 parent 1: handle 2: tbf rate "$rate" burst "$burst" latency 100ms
  else
    ip netns exec "$ns" tc qdisc add dev eth0 root tbf rate "$rate" burst "$burst" latency 100ms
  fi
  ip netns exec "$bridge_ns" tc qdisc add dev "b$i-$id" root tbf rate "$rate" burst "$burst" latency 100ms
  echo "$subnet.$((i + 1)) slots=$(( (ranks + hosts - 1) / hosts ))" >> "$hostfile"
done

# Open MPI's rsh agent: `agent HOST COMMAND...` runs COMMAND in HOST's namespace and hostname.
agent="$work/agent"
cat > "$agent" <<EOF
#!/bin/sh
host="\$1"; shift
i=\$(( \${host##*.} - 1 ))
exec ip netns exec "psml-${id}-h\$i" unshare --uts sh -c "hostname psml-h\$i; exec \$*"
EOF
chmod +x "$agent"

echo "cluster/local: $hosts hosts ($subnet.1-$hosts), links $rate${delay:+, delay $delay}${loss:+, loss $loss}$([[ $netem == no ]] && echo ' (no netem: rate only)'), $ranks ranks" >&2

run=(mpirun --hostfile "$hostfile" -np "$ranks" --map-by node --oversubscribe
     --mca plm_rsh_agent "$agent" --mca btl tcp,self
     --mca btl_tcp_if_include "$subnet.0/24" --mca oob_tcp_if_include "$subnet.0/24"
     --mca mpi_yield_when_idle 1
     --mca btl_tcp_eager_limit 1048576 --mca btl_tcp_rndv_eager_limit 1048576
     --mca btl_tcp_max_send_size 1048576
     -x OMPI_ALLOW_RUN_AS_ROOT -x OMPI_ALLOW_RUN_AS_ROOT_CONFIRM -x PATH
     ${LD_LIBRARY_PATH:+-x LD_LIBRARY_PATH} $mpirun_args "$@")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
if ((timeout > 0)); then run=(timeout --kill-after=10 "$timeout" "${run[@]}"); fi
set +e
ip netns exec "$(ns_of 0)" unshare --uts sh -c 'hostname psml-h0; exec "$@"' sh "${run[@]}"
rc=$?
set -e
exit "$rc"
