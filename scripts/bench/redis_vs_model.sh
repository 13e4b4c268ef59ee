#!/usr/bin/env bash
# Real Redis Cluster beside GossipLab's Redis model (sim/src/systems/redis/), as issue 18 asks.
# Not part of CI: it takes about 17 minutes (17 min 7 s on 2 shared cores, 2026-12-06).
#
#   scripts/bench/redis_vs_model.sh            # N = 10 30 60, 6 real runs, 20 model seeds
#   NODES="10" RUNS=2 SEEDS=5 scripts/bench/redis_vs_model.sh
#   FAILOVER_NODES="" ...                      # leave out the runs with replicas
#   NODES="" ...                               # only the runs with replicas
#
# For each N: redis_cluster_trials.py starts N masters on 127.0.0.1 from config files of its own
# (cluster-node-timeout $NODE_TIMEOUT, no replicas, no systemd), forms the cluster with
# redis-cli --cluster create, waits until it is stable and 10 s more, counts bus messages over
# 10 s, SIGKILLs one master and polls every other master's CLUSTER NODES every 100 ms; every
# process is stopped by its PID. Then the model runs at the same N and timeout over $SEEDS seeds
# (`cargo bench -p gossip-sim --bench redis_model`), its crash as long after the start as the
# real crashes came after `--cluster create` on average, its messages counted over the 10 s
# before. Then the same for FAILOVER_NODES (default 10) masters with one replica each, where the
# failover time (a replica promoted) is measured too. redis_compare.py prints the table: the real runs' range and mean beside the model's
# mean, and whether the mean is inside the range.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
NODES="${NODES-10 30 60}"
RUNS="${RUNS:-6}"
SEEDS="${SEEDS:-20}"
NODE_TIMEOUT="${NODE_TIMEOUT:-5000}"
FAILOVER_NODES="${FAILOVER_NODES-10}"
WINDOW_MS=10000

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    echo "installing redis-server and redis-tools from Debian" >&2
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update
    $sudo apt-get install -y -o DPkg::Lock::Timeout=300 redis-server redis-tools
fi
redis-server --version >&2

out="$(mktemp -d -t redis-vs-model-XXXXXX)"
started=$(date +%s)

echo "building the model bench" >&2
(cd "$root" && cargo bench -p gossip-sim --bench redis_model --no-run 2>&2)
built=$(date +%s)

# compare N REPLICAS TAG: real runs, then the model, into real-TAG.jsonl and model-TAG.json.
compare() {
    local n=$1 replicas=$2 tag=$3
    echo "real Redis, $n masters with $replicas replicas each, $RUNS runs" >&2
    python3 "$here/redis_cluster_trials.py" --nodes "$n" --replicas "$replicas" --runs "$RUNS" \
        --node-timeout "$NODE_TIMEOUT" --window $((WINDOW_MS / 1000)) | tee "$out/real-$tag.jsonl" >&2
    crash_at=$(python3 -c "
import json, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
print(round(1000 * sum(r['crash_after_create_s'] for r in runs) / len(runs)))" "$out/real-$tag.jsonl")
    echo "model, the same, $SEEDS seeds, crash at $crash_at ms" >&2
    (cd "$root" && cargo bench -q -p gossip-sim --bench redis_model -- \
        "nodes=$n" "replicas=$replicas" "seeds=$SEEDS" "node_timeout=$NODE_TIMEOUT" \
        "crash_at=$crash_at" "window=$WINDOW_MS") > "$out/model-$tag.json"
}

tags=""
for n in $NODES; do
    compare "$n" 0 "$n"
    tags="$tags $n"
done
for n in $FAILOVER_NODES; do
    compare "$n" 1 "${n}r1"
    tags="$tags ${n}r1"
done

finished=$(date +%s)
python3 "$here/redis_compare.py" "$out" $tags
echo
echo "Took $(( (finished - started) / 60 )) min $(( (finished - started) % 60 )) s" \
    "(building the model bench: $(( built - started )) s); raw results in $out"
