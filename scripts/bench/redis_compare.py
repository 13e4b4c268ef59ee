#!/usr/bin/env python3
"""Prints real Redis beside the Redis model, from the files redis_vs_model.sh writes.

Usage: redis_compare.py DIR TAG [TAG ...]; a TAG is N (masters) or NrR (N masters with R
replicas each); DIR holds real-TAG.jsonl (redis_cluster_trials.py, one run per line) and
model-TAG.json (the redis_model bench). One markdown table row per N and
figure: the real runs' min-max and mean, the model's mean over its seeds, and whether that mean
lies inside the real range. Times in seconds after the crash.
"""

import json
import os
import sys

FIGURES = [
    ("first_pfail_ms", "first PFAIL (s)", 1000.0),
    ("mean_pfail_ms", "mean PFAIL over observers (s)", 1000.0),
    ("first_fail_ms", "first FAIL (s)", 1000.0),
    ("fail_all_ms", "FAIL at all (s)", 1000.0),
    ("messages_per_node_second", "messages per node per s (steady)", 1.0),
    ("failover_ms", "failover: a replica promoted (s)", 1000.0),
]


def main():
    directory, sizes = sys.argv[1], sys.argv[2:]
    print("| N | figure | real min-max | real mean | model mean | inside |")
    print("|---|---|---|---|---|---|")
    outside = 0
    for tag in sizes:
        masters, _, replicas = tag.partition("r")
        n = masters if not replicas else "%s + %s replicas" % (masters, int(masters) * int(replicas))
        with open(os.path.join(directory, "real-%s.jsonl" % tag)) as lines:
            real = [json.loads(line) for line in lines if line.strip()]
        with open(os.path.join(directory, "model-%s.json" % tag)) as text:
            model = json.loads(text.read().strip().splitlines()[-1])
        for key, label, scale in FIGURES:
            values = [run[key] / scale for run in real if run.get(key) is not None]
            aggregate = model["figures"].get(key)
            if key == "failover_ms" and not replicas:
                continue
            if not values or aggregate is None:
                print("| %s | %s | %s | | %s | no |" % (n, label, values or "none", aggregate))
                outside += 1
                continue
            low, high = min(values), max(values)
            mean = sum(values) / len(values)
            model_mean = aggregate["mean"] / scale
            inside = low <= model_mean <= high
            outside += not inside
            print(
                "| %s | %s | %.2f-%.2f (%d runs) | %.2f | %.2f | %s |"
                % (n, label, low, high, len(values), mean, model_mean, "yes" if inside else "NO")
            )
    print()
    print("model figures outside the real range: %d" % outside)


if __name__ == "__main__":
    main()
