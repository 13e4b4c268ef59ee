#!/usr/bin/env bash
# Real memberlist (HashiCorp Serf's agents, Debian's `serf`) beside the project's memberlist model,
# on loopback. Not in CI: it takes minutes (about 12 for the default 6 runs at N = 10, 30, 60).
#
# For each N: serf_cluster.py starts N agents on 127.0.0.1 (LAN profile = memberlist's
# DefaultLANConfig), waits until all see all alive, counts steady-state datagrams, kills one agent
# with SIGKILL and times, at every other agent, the first suspicion and the Failed verdict; it
# stops every agent by its PID. Then the model (sim/examples/memberlist_crash.rs: memberlist's
# LAN profile on the event engine) runs the same crash over 20 seeds, and compare_serf_model.py
# prints real (range, mean) beside model (range, mean).
#
# Usage: scripts/bench/serf_vs_model.sh [N ...]        (default: 10 30 60)
# Environment: RUNS (real runs per N, default 6), SEEDS (model seeds, default 20),
#   PORT_BASE (default 27000: agent i binds PORT_BASE+i, RPC +1000+i, statsd +2000+i),
#   OUT (directory for the raw JSON lines, default a fresh one under /tmp).
set -euo pipefail

cd "$(dirname "$0")/../.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10 30 60)
runs=${RUNS:-6}
seeds=${SEEDS:-20}
port_base=${PORT_BASE:-27000}
out=${OUT:-$(mktemp -d /tmp/serf_vs_model.XXXXXX)}
mkdir -p "$out"
started=$(date +%s)

if ! command -v serf >/dev/null; then
    echo "serf_vs_model: installing Debian's serf" >&2
    apt-get install -y -o DPkg::Lock::Timeout=300 serf >&2
fi
echo "serf_vs_model: $(serf version | head -1) (Debian package $(dpkg-query -W -f='${Version}' serf 2>/dev/null || echo '?')); raw results in $out" >&2

cargo build --release -q -p gossip-sim --example memberlist_crash
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
model="$target_dir/release/examples/memberlist_crash"

pairs=()
for n in "${sizes[@]}"; do
    python3 scripts/bench/serf_cluster.py --nodes "$n" --runs "$runs" --seed "$n" \
        --port-base "$port_base" > "$out/real_$n.jsonl"
    "$model" "$n" "$seeds" > "$out/model_$n.jsonl"
    pairs+=("$out/real_$n.jsonl" "$out/model_$n.jsonl")
done

echo
echo "Seconds after the crash (messages: per node per second, steady state before it)."
python3 scripts/bench/compare_serf_model.py "${pairs[@]}"
echo
echo "serf_vs_model: took $(( $(date +%s) - started )) s; raw results in $out"
