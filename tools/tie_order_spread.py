#!/usr/bin/env python3
"""How much the order of same-second ratings moves a trained model's test metrics (ML-1M, `paper-hstu`).

ML-1M users often rate several movies in the same second. Which of them is "last" (the test item) and
"second-last" (the validation item) then depends on how a preprocessing script breaks timestamp ties:
the HSTU reference sorts the whole ratings frame with pandas' default (unstable) quicksort, our
`ml-1m.seq.txt` carries DiffuRec's order, other papers keep the file order. This script measures what
that choice alone does to one trained model, without retraining:

* Among the users with timestamps (`ml-1m/ratings.dat` when present, as scripts/get_data.sh downloads it;
  else the shared copy's `ratings.users1-2999.dat.gz`) it finds those whose last two items share a
  timestamp. Under the `paper-hstu` preset neither of those two items was ever a training target (training
  uses full[:-2]), so swapping them gives an equally valid test set the model is equally blind to.
* Each draw swaps them with probability 1/2 per user (a fresh random tie order restricted to the last
  two slots), writes the sequence file to a temporary data directory and runs
  `recgrad evaluate` with the given checkpoint. Draw 0 is the file as it is and must reproduce the run.
* It prints test HR@10 and NDCG@10 per draw and their mean, sd, min and max.

Only swaps of the last two slots are drawn, so the spread is a lower bound: ties of three or more items
can bring a training item to the test slot (and the model would have to be retrained to see it).

    python3 tools/tie_order_spread.py --checkpoint runs/sasrec_paper-seed42/best.safetensors \\
        --config configs/sasrec_paper.toml --draws 20

Plain Python, no third-party modules.
"""
import argparse
import gzip
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import tomllib

RATINGS = ["ml-1m/ratings.dat", "ml-1m/ratings.users1-2999.dat.gz"]  # the first one present is read
SEQUENCES = "ml-1m/ml-1m.seq.txt"


def find_data_dir(flag):
    """The same lookup as the CLI: --data-dir, $RECGRAD_DATA, ./data, ../shared/data."""
    for d in [flag, os.environ.get("RECGRAD_DATA"), "data", "../shared/data"]:
        if d and os.path.exists(os.path.join(d, SEQUENCES)):
            return os.path.abspath(d)
    sys.exit(f"no {SEQUENCES} under --data-dir, $RECGRAD_DATA, ./data or ../shared/data "
             "(scripts/get_data.sh shows how to get it)")


def find_ratings(data_dir):
    """The first of RATINGS under data_dir: the full ratings.dat if the user downloaded it, else the shared copy."""
    for r in RATINGS:
        if os.path.exists(os.path.join(data_dir, r)):
            return os.path.join(data_dir, r)
    sys.exit(f"no {' or '.join(RATINGS)} under {data_dir}: the tie order needs the timestamps")


def read_timestamps(path):
    """{user: {movie: unix seconds}} from UserID::MovieID::Rating::Timestamp lines."""
    ts = {}
    with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
        for n, line in enumerate(f, 1):
            parts = line.rstrip("\n").split("::")
            if len(parts) != 4:
                sys.exit(f"{path}:{n}: expected 4 '::'-separated fields, got {len(parts)}")
            ts.setdefault(int(parts[0]), {})[int(parts[1])] = int(parts[3])
    return ts


def read_sequences(path):
    """[(user, [movie, ...])] in file order, oldest item first."""
    rows = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            parts = line.split()
            if len(parts) < 3:
                sys.exit(f"{path}:{n}: a user needs at least 2 items")
            rows.append((int(parts[0]), [int(p) for p in parts[1:]]))
    return rows


def swappable_users(rows, ts):
    """Users whose test item (last) and validation item (second-last) were rated in the same second."""
    out = []
    for user, items in rows:
        if user not in ts:
            continue
        missing = [m for m in items if m not in ts[user]]
        if missing:
            sys.exit(f"{SEQUENCES}: user {user} has movie {missing[0]}, which the ratings file does not list for them")
        t = [ts[user][m] for m in items]
        if any(a > b for a, b in zip(t, t[1:])):
            sys.exit(f"{SEQUENCES}: user {user}'s sequence is not in timestamp order")
        if t[-1] == t[-2]:
            out.append(user)
    return out


def make_variant_dir(data_dir, out_dir):
    """A data directory linking every ml-1m file of data_dir except the sequence file, which each draw writes."""
    ml = os.path.join(out_dir, "ml-1m")
    os.makedirs(ml)
    for name in os.listdir(os.path.join(data_dir, "ml-1m")):
        if name != os.path.basename(SEQUENCES):
            os.symlink(os.path.join(data_dir, "ml-1m", name), os.path.join(ml, name))


def write_sequences(rows, swap, out_dir):
    """out_dir's sequence file, with the last two items of every user in `swap` exchanged."""
    with open(os.path.join(out_dir, SEQUENCES), "w") as f:
        for user, items in rows:
            if user in swap:
                items = items[:-2] + [items[-1], items[-2]]
            f.write(" ".join(map(str, [user] + items)) + "\n")


def check_preset(config):
    """The preset must read the sequence file this script rewrites, else every draw would score the same."""
    with open(config, "rb") as f:
        data = tomllib.load(f).get("data", {})
    if data.get("file") != SEQUENCES or data.get("format") != "sequences":
        sys.exit(f"{config}: [data] reads {data.get('file')!r}, not {SEQUENCES!r} as sequences; "
                 "this script re-orders that file only (use a paper-hstu preset such as configs/sasrec_paper.toml)")


def evaluate(args, data_dir, metrics_out):
    cmd = [args.recgrad, "evaluate", "--config", args.config, "--checkpoint", args.checkpoint,
           "--data-dir", data_dir, "--threads", str(args.threads), "--metrics-out", metrics_out]
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stderr}")
    with open(metrics_out) as f:
        return json.load(f)["test"]


def summary(name, values):
    return (f"{name}: mean {statistics.mean(values):.4f}, sd {statistics.stdev(values):.4f}, "
            f"min {min(values):.4f}, max {max(values):.4f}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--config", required=True, help="the paper-hstu preset the checkpoint was trained with")
    p.add_argument("--recgrad", default="build/recgrad")
    p.add_argument("--data-dir")
    p.add_argument("--draws", type=int, default=20)
    p.add_argument("--seed", type=int, default=0, help="seed of the coin flips")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()

    check_preset(args.config)
    data_dir = find_data_dir(args.data_dir)
    ratings = find_ratings(data_dir)
    ts = read_timestamps(ratings)
    rows = read_sequences(os.path.join(data_dir, SEQUENCES))
    users = swappable_users(rows, ts)
    print(f"{len(users)} of {len(ts)} users with timestamps have their last two items in the same second")

    rng = random.Random(args.seed)
    hr, ndcg = [], []
    with tempfile.TemporaryDirectory() as tmp:
        variant = os.path.join(tmp, "data")
        make_variant_dir(data_dir, variant)
        for draw in range(args.draws + 1):
            swap = set() if draw == 0 else {u for u in users if rng.random() < 0.5}
            write_sequences(rows, swap, variant)
            test = evaluate(args, variant, os.path.join(tmp, f"draw{draw}.json"))
            label = "as shipped" if draw == 0 else f"{len(swap)} swapped"
            print(f"draw {draw:2d} ({label}): test HR@10 {test['hit_rate@10']:.4f}, "
                  f"NDCG@10 {test['ndcg@10']:.4f}", flush=True)
            if draw > 0:
                hr.append(test["hit_rate@10"])
                ndcg.append(test["ndcg@10"])
    print(f"over {args.draws} random tie orders of the last two slots ({len(users)} users, timestamps from {ratings}):")
    print(summary("test HR@10", hr))
    print(summary("test NDCG@10", ndcg))


if __name__ == "__main__":
    main()
