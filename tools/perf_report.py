#!/usr/bin/env python3
"""Writes docs/PERFORMANCE.md (to stdout) from the outputs of scripts/bench_e2e.sh.

usage: perf_report.py kernels.txt kernels.json step.jsonl
kernels.txt: recgrad_bench's console output (its first lines carry the measured FMA peak);
kernels.json: the same run in Google Benchmark's JSON; step.jsonl: one JSON line per training-step run.
The hand-written part (method notes, long-run timings) comes from tools/perf_notes.md.
"""
import json
import os
import platform
import re
import statistics
import subprocess
import sys


def cpu_name():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return re.search(r"Model name:\s*(.*)", out).group(1).strip()
    except Exception:
        return platform.processor() or "unknown"


def medians(path):
    runs = json.load(open(path))["benchmarks"]
    out = {}
    for b in runs:
        if b.get("aggregate_name") == "median":
            out[b["run_name"]] = b
    return out


def main():
    txt, kjson, steps = sys.argv[1:4]
    head = open(txt).read()
    peak = float(re.search(r"peak: ([0-9.]+) GFLOP/s per core", head).group(1))
    k = medians(kjson)
    lines = ["# Performance", "",
             "Regenerate with `scripts/bench_e2e.sh` on an otherwise idle machine (this file is its output; "
             "the hand-written notes come from `tools/perf_notes.md`).", "",
             "## Machine", "",
             f"* CPU: {cpu_name()}, {os.cpu_count()} cores; measured FP32 FMA peak **{peak:.1f} GFLOP/s per core** "
             "(12 independent FMA chains, same run as the figures below).",
             "* Kernels: 1 thread pinned to core 0 (`taskset -c 0`, `OMP_NUM_THREADS=1`, `OPENBLAS_NUM_THREADS=1`); "
             "median of 3 repetitions.", ""]
    lines += ["## Matmul at the model shapes (1 thread)", "",
              "| shape (batch × M×N×K) | recgrad GFLOP/s | % of peak | OpenBLAS GFLOP/s | recgrad / OpenBLAS |",
              "|---|---|---|---|---|"]
    for name, b in k.items():
        m = re.match(r"BM_matmul/batch:(\d+)/M:(\d+)/N:(\d+)/K:(\d+)", name)
        if not m:
            continue
        ob = k.get(name.replace("BM_matmul", "BM_openblas_sgemm"))
        g = b["GFLOP"] / 1e9 if b["GFLOP"] > 1e6 else b["GFLOP"]
        og = (ob["GFLOP"] / 1e9 if ob["GFLOP"] > 1e6 else ob["GFLOP"]) if ob else float("nan")
        lines.append(f"| {m.group(1)} × {m.group(2)}×{m.group(3)}×{m.group(4)} | {g:.1f} | {100 * g / peak:.0f} % | "
                     f"{og:.1f} | {100 * g / og:.0f} % |")
    lines += ["", "## Other kernels (1 thread)", "", "| kernel | time | rate |", "|---|---|---|"]
    for name, b in k.items():
        if name.startswith(("BM_matmul", "BM_openblas")):
            continue
        rate = ""
        for c, unit in (("GFLOP", "GFLOP/s"), ("GB", "GB/s")):
            if c in b:
                v = b[c] / 1e9 if b[c] > 1e6 else b[c]
                rate = f"{v:.1f} {unit}"
        lines.append(f"| `{name.replace('/real_time', '')}` | {b['real_time']:.2f} {b['time_unit']} | {rate} |")
    runs = [json.loads(l) for l in open(steps) if l.strip()]
    preset_runs = [r for r in runs if "samples_per_s" in r]  # TIGER on a preset's real batches
    runs = [r for r in runs if "samples_per_s" not in r]
    lines += ["", "## End to end: one training step, recgrad vs PyTorch, same machine, one run", "",
              "Paper shapes: batch 128 × 200 (all positions have a target), d = 50, 2 blocks (SASRec) or 2 layers "
              "(HSTU, d_qk = d_v = 50, position bias), 1 head, dropout 0.2, "
              "128 negatives, sampled softmax on L2-normalised vectors, AdamW. `position`: negatives drawn per position "
              "(what the HSTU paper's code and `configs/sasrec_paper.toml` do); `row`: one set per user row (a batched "
              "matmul, the cheapest form for PyTorch). Median of the timed steps after warm-up (recgrad: the median over "
              "rounds of that); threads pinned "
              "(`taskset`), PyTorch and OpenBLAS threads equal to ours.", "",
              "| model | head | threads | recgrad ms | PyTorch ms | recgrad / PyTorch | recgrad RSS MB | PyTorch RSS MB |",
              "|---|---|---|---|---|---|---|---|"]
    by = {}  # (model, head, threads, is_recgrad) -> the runs of that setting (recgrad: one per round)
    for r in runs:
        by.setdefault((r.get("model", "sasrec"), r["head"], r["threads"], r["impl"].startswith("recgrad")), []).append(r)

    def ms(key):  # median over rounds of each run's median step time
        return statistics.median(r["median_ms"] for r in by[key])

    def rss(key):
        return max(r["peak_rss_mb"] for r in by[key])

    models = ("sasrec", "hstu")
    for model in models:
        for head in ("position", "row"):
            for t in (1, 2):
                a, b = (model, head, t, True), (model, head, t, False)
                if a not in by or b not in by:
                    continue
                lines.append(f"| {model} | {head} | {t} | {ms(a):.0f} | {ms(b):.0f} | "
                             f"{ms(a) / ms(b):.2f} | {rss(a):.0f} | {rss(b):.0f} |")
    rounds = max((len(v) for k, v in by.items() if k[3]), default=0)
    lines += ["", f"Thread scaling (recgrad, 1 → 2 threads; {rounds} rounds alternating 1 and 2 threads, the median "
              "over rounds, each round's median in brackets):", ""]
    for model in models:
        for head in ("position", "row"):
            a, b = (model, head, 1, True), (model, head, 2, True)
            if a in by and b in by:
                each = ", ".join(f"{x['median_ms']:.0f}→{y['median_ms']:.0f}" for x, y in zip(by[a], by[b]))
                lines.append(f"* {model}, {head}: {ms(a):.0f} ms → {ms(b):.0f} ms, **{ms(a) / ms(b):.2f}×** [{each}]")
    if preset_runs:
        lines += ["", "## TIGER on a preset's real batches, recgrad vs PyTorch, same batches, one run", "",
                  "`recgrad_step --model tiger --config P --threads 2 --steps 60 --warmup 10 --shapes-out F`, then "
                  "`bench/torch_step.py --model tiger --threads 2 --shapes F` (the same batches' lengths, padded to "
                  "their longest row): samples per second over the 60 timed steps.", "",
                  "| preset | threads | impl | samples/s | median ms | peak RSS MB |", "|---|---|---|---|---|---|"]
        for r in preset_runs:
            lines.append(f"| {r['preset']} | {r['threads']} | {r['impl']} | {r['samples_per_s']:.1f} | "
                         f"{r['median_ms']:.0f} | {r['peak_rss_mb']:.0f} |")
    notes = os.path.join(os.path.dirname(__file__), "perf_notes.md")
    if os.path.exists(notes):
        lines += ["", open(notes).read().rstrip()]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
