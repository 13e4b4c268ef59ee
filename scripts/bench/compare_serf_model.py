#!/usr/bin/env python3
"""Sets the real Serf runs (serf_cluster.py) beside the model's seeds (memberlist_crash example).

Usage: compare_serf_model.py REAL.jsonl MODEL.jsonl [REAL.jsonl MODEL.jsonl ...]
Prints a Markdown table: for each population and figure, the real runs' range and mean, the
model's range and mean, and whether the model's mean lies inside the real range (compared at the
printed precision, two decimals).
Times are seconds after the crash.
"""

import json
import sys


def load(path):
    with open(path) as file:
        return [json.loads(line) for line in file if line.strip()]


def real_figures(run):
    suspicion = list(run["suspicion_s"].values())
    failed = list(run["failed_s"].values())
    complete = len(failed) == run["observers"]
    return {
        "first suspicion": min(suspicion) if suspicion else None,
        "mean suspicion over observers": sum(suspicion) / len(suspicion) if suspicion else None,
        "declared failed, first": min(failed) if failed else None,
        "declared failed, at all": max(failed) if complete else None,
        "messages per node per second (steady)": run["udp_per_node_s"],
    }


def model_figures(seed):
    return {
        "first suspicion": seed["first_suspicion_s"],
        "mean suspicion over observers": seed["mean_suspicion_s"],
        "declared failed, first": seed["first_failed_s"],
        "declared failed, at all": seed["all_failed_s"],
        "messages per node per second (steady)": seed["messages_per_node_s"],
    }


def summary(values):
    measured = [v for v in values if v is not None]
    missing = len(values) - len(measured)
    if not measured:
        return None, "none measured"
    low, high, mean = min(measured), max(measured), sum(measured) / len(measured)
    text = f"{low:.2f}–{high:.2f} ({mean:.2f})"
    if missing:
        text += f", {missing} of {len(values)} unmeasured"
    return (low, high, mean), text


def main():
    paths = sys.argv[1:]
    if not paths or len(paths) % 2:
        sys.exit(__doc__)
    print("| N | figure | real: range (mean) | model: range (mean) | model mean in real range |")
    print("|---|---|---|---|---|")
    for real_path, model_path in zip(paths[::2], paths[1::2]):
        real = [real_figures(run) for run in load(real_path)]
        model = [model_figures(seed) for seed in load(model_path)]
        if not real or not model:
            sys.exit(f"no runs in {real_path} or {model_path}")
        nodes = load(real_path)[0]["nodes"]
        for figure in real[0]:
            real_stats, real_text = summary([run[figure] for run in real])
            model_stats, model_text = summary([seed[figure] for seed in model])
            inside = "—"
            if real_stats and model_stats:
                # At the printed precision (the real message rate wavers in the fourth digit).
                low, high, mean = (round(v, 2) for v in (*real_stats[:2], model_stats[2]))
                inside = "yes" if low <= mean <= high else "**no**"
            print(f"| {nodes} | {figure} | {real_text} | {model_text} | {inside} |")
        print(f"| {nodes} | runs | {len(real)} real | {len(model)} seeds | |")


if __name__ == "__main__":
    main()
