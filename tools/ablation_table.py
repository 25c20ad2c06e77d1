#!/usr/bin/env python3
"""The ablation table from `recgrad train --metrics-out` files: one row per preset, mean ± sd (sample
standard deviation) over seeds of test HR@10 and NDCG@10 at the validation-selected epoch, with the
seeds, the selected epochs and the mean training time. Plain Python, no third-party modules.

    python3 tools/ablation_table.py runs/ablation_u2999/*.json
"""
import json
import statistics
import sys

ORDER = {"u2999_sasrec.toml": (0, "SASRec (reference block)"),
         "u2999_hstu_pos.toml": (1, "HSTU, rab = position"),
         "u2999_hstu_time.toml": (2, "HSTU, rab = position + time"),
         "hstu_events.toml": (3, "HSTU, event stream (attributes, ratings, time; positives as targets)")}


def fmt(values):
    if len(values) < 2:
        return f"{values[0]:.4f}"
    return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f}"


def main(paths):
    rows = {}
    for p in paths:
        with open(p) as f:
            m = json.load(f)
        rows.setdefault(m["preset"], []).append(m)
    print("| row | seeds | HR@10 | NDCG@10 | HR@50 | selected epochs | train s (mean) |")
    print("|---|---|---|---|---|---|---|")
    for preset in sorted(rows, key=lambda k: ORDER.get(k, (9, k))[0]):
        runs = sorted(rows[preset], key=lambda m: m["seed"])
        name = ORDER.get(preset, (9, preset))[1]
        seeds = ", ".join(str(m["seed"]) for m in runs)
        epochs = ", ".join(str(m["best_epoch"]) for m in runs)
        secs = statistics.mean(m["train_seconds"] for m in runs)
        print(f"| {name} | {seeds} | {fmt([m['test']['hit_rate@10'] for m in runs])} | "
              f"{fmt([m['test']['ndcg@10'] for m in runs])} | {fmt([m['test']['hit_rate@50'] for m in runs])} | "
              f"{epochs} | {secs:.0f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
