#!/usr/bin/env python3
"""ctest `tie_order_selftest`: tools/tie_order_spread.py must find exactly the users whose last two items share a
timestamp, exchange those two items and nothing else in a variant, prefer the full ratings.dat to the shared copy,
and refuse with a message: a preset that reads another file, a movie the ratings do not list for its user, a sequence
that is not in timestamp order (naming the user) and a malformed ratings line (naming the file and line). Hand-made
fixture; no CLI, no checkpoint. Python stdlib only."""
import gzip
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import tie_order_spread as tos  # noqa: E402

PRESET = os.path.join(ROOT, "configs", "sasrec_paper.toml")

# user -> [(movie, timestamp)] in sequence order (oldest first)
USERS = {
    1: [(10, 100), (11, 200), (12, 300), (13, 300)],   # last two tied: swappable
    2: [(10, 100), (11, 100), (12, 200), (13, 300)],   # a tie, but not in the last two slots
    3: [(20, 50), (21, 60), (22, 60), (23, 60)],       # a tie of three reaching the end: swappable
}
UNRATED_USER = (4, [30, 31, 32])  # in the sequence file, no timestamps: never swapped


def write_fixture(d, users, ratings_tail=""):
    os.makedirs(os.path.join(d, "ml-1m"))
    with gzip.open(os.path.join(d, tos.RATINGS[1]), "wt") as f:
        for u, items in users.items():
            for m, t in items:
                f.write(f"{u}::{m}::4::{t}\n")
        f.write(ratings_tail)
    with open(os.path.join(d, tos.SEQUENCES), "w") as f:
        for u, items in users.items():
            f.write(" ".join(map(str, [u] + [m for m, _ in items])) + "\n")
        f.write(" ".join(map(str, [UNRATED_USER[0]] + UNRATED_USER[1])) + "\n")
    with open(os.path.join(d, "ml-1m", "movies.dat"), "w") as f:
        f.write("10::A (1999)::Drama\n")


def check(cond, what):
    if not cond:
        sys.exit(f"FAIL: {what}")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        write_fixture(data, USERS)
        ts = tos.read_timestamps(os.path.join(data, tos.RATINGS[1]))
        rows = tos.read_sequences(os.path.join(data, tos.SEQUENCES))
        users = tos.swappable_users(rows, ts)
        check(users == [1, 3], f"swappable users {users}, expected [1, 3]")

        out = os.path.join(tmp, "variant")
        tos.make_variant_dir(data, out)
        tos.write_sequences(rows, {1}, out)
        got = {}
        with open(os.path.join(out, tos.SEQUENCES)) as f:
            for line in f:
                p = list(map(int, line.split()))
                got[p[0]] = p[1:]
        check(got[1] == [10, 11, 13, 12], f"user 1 not swapped: {got[1]}")
        check(got[3] == [20, 21, 22, 23], f"user 3 changed though not drawn: {got[3]}")
        check(got[2] == [10, 11, 12, 13] and got[4] == UNRATED_USER[1], "users 2 or 4 changed")
        check(os.path.islink(os.path.join(out, "ml-1m", "movies.dat")), "movies.dat not linked into the variant")

        # The full ratings.dat (plain text, as scripts/get_data.sh leaves it) is preferred when present.
        check(tos.find_ratings(data).endswith(tos.RATINGS[1]), "the shared copy not found")
        with open(os.path.join(data, tos.RATINGS[0]), "w") as f:
            f.write("2::12::4::300\n2::13::4::300\n")
        check(tos.find_ratings(data).endswith(tos.RATINGS[0]), "ratings.dat not preferred")
        ts_full = tos.read_timestamps(tos.find_ratings(data))
        check(tos.swappable_users([(2, [12, 13])], ts_full) == [2], "plain ratings.dat not read")

        # A movie the ratings do not list for the user stops with both named.
        missing = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, %r); import tie_order_spread as t;"
                                  "t.swappable_users([(1, [10, 99])], {1: {10: 5}})" % os.path.join(ROOT, "tools")],
                                 capture_output=True, text=True)
        check(missing.returncode != 0 and "user 1 has movie 99" in missing.stderr, f"missing movie: {missing.stderr!r}")

        # A preset that reads another file is refused (every draw would score the same).
        script = os.path.join(ROOT, "tools", "tie_order_spread.py")
        other = subprocess.run([sys.executable, script, "--checkpoint", "none", "--config",
                                os.path.join(ROOT, "configs", "sasrec_original.toml")], capture_output=True, text=True)
        check(other.returncode != 0 and "re-orders that file only" in other.stderr, f"other preset: {other.stderr!r}")

        # A sequence against the timestamps, and a malformed ratings line, stop with a message naming them.
        for name, users_, tail, expect in [
                ("unordered", {1: [(10, 300), (11, 200), (12, 400)]}, "", "user 1's sequence is not in timestamp order"),
                ("malformed", USERS, "5::99::4\n", "ratings.users1-2999.dat.gz:13: expected 4"),
        ]:
            d = os.path.join(tmp, name)
            write_fixture(d, users_, tail)
            done = subprocess.run([sys.executable, script, "--checkpoint", "none", "--config", PRESET,
                                   "--data-dir", d], capture_output=True, text=True)
            check(done.returncode != 0 and expect in done.stderr,
                  f"{name}: rc {done.returncode}, stderr {done.stderr!r}, expected {expect!r}")
    print("tie_order_selftest: 14 checks passed")


if __name__ == "__main__":
    main()
