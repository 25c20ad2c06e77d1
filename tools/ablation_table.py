#!/usr/bin/env python3
"""The ablation table from a directory of `recgrad train --metrics-out` files (NAME.json) and, when
present, `recgrad evaluate --metrics-out` files of the same runs (NAME.eval.json): one row per preset,
mean ± sd (sample standard deviation) over seeds of test HR@10 and NDCG@10 at the validation-selected
epoch, the same on the users who rated their test item >= 4, the seeds, the selected epochs and the mean
training time. Plain Python, no third-party modules.

    python3 tools/ablation_table.py runs/ablation_u2999
"""
import glob
import os
import json
import statistics
import sys

ORDER = {"u2999_sasrec.toml": (0, "SASRec (reference block)"),
         "u2999_hstu_pos.toml": (1, "HSTU, rab = position"),
         "u2999_hstu_time.toml": (2, "HSTU, rab = position + time"),
         "hstu_events.toml": (3, "HSTU, event stream (attributes, ratings, time; positives as targets)"),
         "hstu_paper_time.toml": (4, "HSTU, rab = position + time, all users, times interpolated"),
         "hstu_paper_time_previous.toml": (5, "HSTU, rab = position + time, all users, times carried from the previous"),
         "hstu_events_all.toml": (6, "HSTU, event stream, all users, times interpolated"),
         "u2999_hstu_time_hidden.toml": (7, "HSTU, rab = position + time, times hidden as in the partial file, interpolated"),
         "u2999_hstu_time_hidden_previous.toml": (8, "HSTU, rab = position + time, times hidden as in the partial file, previous")}


def fmt(values):
    if len(values) < 2:
        return f"{values[0]:.4f}"
    return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f}"


def main(directory):
    rows = {}
    for p in sorted(glob.glob(os.path.join(directory, "*.json"))):
        if p.endswith(".eval.json"):
            continue
        with open(p) as f:
            m = json.load(f)
        ev = p[:-len(".json")] + ".eval.json"
        if os.path.exists(ev):
            with open(ev) as f:
                e = json.load(f)
            if e["test"] != m["test"]:
                sys.exit(f"{ev}: its test metrics differ from {p}'s (not the same checkpoint?)")
            m["rated4"] = e.get("test_rated_4_plus")
            m["rated4_users"] = e.get("users_rated_4_plus")
        rows.setdefault(m["preset"], []).append(m)
    print("| row | seeds | HR@10 | NDCG@10 | HR@50 | HR@10, test item rated ≥ 4 | NDCG@10, rated ≥ 4 | selected epochs | train s (mean) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for preset in sorted(rows, key=lambda k: ORDER.get(k, (9, k))[0]):
        runs = sorted(rows[preset], key=lambda m: m["seed"])
        name = ORDER.get(preset, (9, preset))[1]
        seeds = ", ".join(str(m["seed"]) for m in runs)
        epochs = ", ".join(str(m["best_epoch"]) for m in runs)
        secs = statistics.mean(m["train_seconds"] for m in runs)
        rated = [m["rated4"] for m in runs if m.get("rated4")]
        r_hr = fmt([r["hit_rate@10"] for r in rated]) if len(rated) == len(runs) else "—"
        r_nd = fmt([r["ndcg@10"] for r in rated]) if len(rated) == len(runs) else "—"
        print(f"| {name} | {seeds} | {fmt([m['test']['hit_rate@10'] for m in runs])} | "
              f"{fmt([m['test']['ndcg@10'] for m in runs])} | {fmt([m['test']['hit_rate@50'] for m in runs])} | "
              f"{r_hr} | {r_nd} | {epochs} | {secs:.0f} |")
    users = {m.get("rated4_users") for ms in rows.values() for m in ms if m.get("rated4_users")}
    if users:
        print(f"\nUsers who rated their test item ≥ 4: {', '.join(str(u) for u in sorted(users))}.")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "runs/ablation_u2999")
