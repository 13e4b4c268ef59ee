#!/usr/bin/env bash
# Runs a `gossip-node sweep` as a Slurm job array on a one-node Slurm cluster started here, from
# Debian's slurm-wlm and munge packages, then merges the shards in one more Slurm job and checks
# that the merged table equals the same sweep run locally, unsharded, byte for byte. This is the
# recipe of docs/batch.md tried for real on one machine.
#
# Needs root (the daemons run as root, munged as the munge user) and no systemd: every daemon is
# started by hand with its files in a temporary folder, and stopped by its PID at the end.
#
#   bash scripts/slurm/run_sweep_on_local_slurm.sh            # 4 shards of the default sweep
#   SHARDS=8 bash scripts/slurm/run_sweep_on_local_slurm.sh
#
# Environment: SHARDS (default 4), GOSSIP_NODE (default target/release/gossip-node, built if
# missing), KEEP=1 keeps the temporary folder.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
shards="${SHARDS:-4}"
bin="${GOSSIP_NODE:-$root/target/release/gossip-node}"

for tool in slurmctld slurmd sbatch squeue sinfo munged; do
    if ! command -v "$tool" > /dev/null && [ ! -x "/usr/sbin/$tool" ]; then
        echo "missing $tool: apt-get install -y -o DPkg::Lock::Timeout=300 slurm-wlm munge" >&2
        exit 1
    fi
done
if [ ! -x "$bin" ]; then
    (cd "$root" && cargo build --release -p gossip-node)
fi

work="$(mktemp -d /tmp/gossiplab-slurm.XXXXXX)"
chmod 755 "$work"
mkdir -p "$work"/{etc,state,spool,log,shared,munge}
pids=()
stop_all() {
    # Newest first: slurmd, slurmctld, then munged; each by the PID it wrote.
    for pidfile in "$work/slurmd.pid" "$work/slurmctld.pid" "$work/munge/munged.pid"; do
        if [ -s "$pidfile" ]; then
            pid="$(cat "$pidfile")"
            kill "$pid" 2> /dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
        fi
    done
    if [ "${KEEP:-0}" != 1 ]; then rm -rf "$work"; else echo "kept $work" >&2; fi
}
trap stop_all EXIT

# munge: a fresh key and socket of our own, so a system munged (if any) is left alone.
chown munge:munge "$work/munge"
chmod 755 "$work/munge"   # clients reach the socket through it
head -c 1024 /dev/urandom > "$work/munge/munge.key"
chown munge:munge "$work/munge/munge.key"
chmod 400 "$work/munge/munge.key"
socket="$work/munge/munge.socket"
runuser -u munge -- /usr/sbin/munged --key-file="$work/munge/munge.key" --socket="$socket" \
    --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" \
    --seed-file="$work/munge/munged.seed"

host="$(hostname -s)"
cpus="$(nproc)"
memory_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cat > "$work/etc/slurm.conf" <<CONF
ClusterName=gossiplab
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
MpiDefault=none
SwitchType=switch/none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/etc/slurm.conf"
/usr/sbin/slurmctld -f "$SLURM_CONF"
/usr/sbin/slurmd -f "$SLURM_CONF"
for _ in $(seq 100); do
    state="$(sinfo -h -o %t 2> /dev/null || true)"
    [ "$state" = idle ] && break
    sleep 0.2
done
[ "$state" = idle ] || { echo "the Slurm node is not idle ($state):"; tail "$work"/log/*.log; exit 1; } >&2
echo "Slurm up: $(sinfo -h -o '%P %D node, %c CPUs, %t')"

# The sweep: 4 fanouts x 5 loss rates x 40 seeds of a 20,000-node rumor (800 runs).
cat > "$work/shared/scenario.json" <<'JSON'
{"version": 1, "nodes": 20000, "seed": 1, "rumor": {"direction": "push_pull"}}
JSON
sweep=(sweep "$work/shared/scenario.json" --vary "fanout=1..4" --vary "loss_percent=0..40 step 10"
    --seeds 40 --format csv)
args="$(printf ' %q' "${sweep[@]}")"

started=$(date +%s.%N)
array=$(sbatch --parsable --array=0-$((shards - 1)) --cpus-per-task=1 \
    --output="$work/log/shard-%a.log" \
    --wrap="$(printf %q "$bin")$args --shard \$SLURM_ARRAY_TASK_ID/$shards --out $work/shared/shard-\$SLURM_ARRAY_TASK_ID.json")
merge=$(sbatch --parsable --dependency=afterok:"$array" --output="$work/log/merge.log" \
    --wrap="$(printf %q "$bin") merge $work/shared/shard-*.json --out $work/shared/merged.csv")
echo "submitted array job $array ($shards shards) and merge job $merge"
while [ -n "$(squeue -h -j "$array,$merge" 2> /dev/null)" ]; do sleep 0.5; done
finished=$(date +%s.%N)
if [ ! -s "$work/shared/merged.csv" ]; then
    echo "the merge produced nothing:" >&2
    tail "$work"/log/*.log >&2
    exit 1
fi
echo "Slurm: $shards shards and the merge took $(echo "$finished - $started" | bc) s"

local_started=$(date +%s.%N)
"$bin" "${sweep[@]}" --out "$work/local.csv" 2> /dev/null
echo "local unsharded run: $(echo "$(date +%s.%N) - $local_started" | bc) s"
if cmp "$work/shared/merged.csv" "$work/local.csv"; then
    echo "merged result equals the local run: $(wc -l < "$work/local.csv") lines, sha256 $(sha256sum < "$work/local.csv" | cut -c1-16)"
else
    echo "the merged result differs from the local run" >&2
    exit 1
fi
