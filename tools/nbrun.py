#!/usr/bin/env python3
"""Runs C++ notebooks (kernelspec xcpp17, written for xeus-cling) in clang-repl-19 and checks them.

    tools/nbrun.py notebooks_cpp/*.ipynb            # run every code cell, compare with the saved outputs
    tools/nbrun.py --no-compare notebooks_cpp/01_autograd_from_scratch.ipynb

Every code cell of a notebook runs in one interpreter session (tools/xcpp/repl.py), in order, from the
notebook's directory, as Jupyter would run it. A cell fails when it does not compile, when the JIT cannot
link it, when the process dies (an uncaught exception, a crash: the later cells "did not run"), on a
timeout, or — with comparison on — when its text output differs from the one saved in the notebook:
numbers are compared with a tolerance (|a - b| <= atol + rtol |b|), everything else exactly, and the
number of images it shows must match. Cell tags:
  nbrun-no-compare   run the cell, do not compare its output (timings, progress lines)
  nbrun-skip         do not run the cell
  nbrun-data         its output depends on the data: compared only when the run used the same data as the
                     saved outputs (the real ML-1M, or the bundled synthetic stand-in; the notebook's
                     metadata "recgrad": {"data": ...} says which)
  nbrun-atol=X       compare this cell's numbers with absolute tolerance X instead of --atol: metrics counted
                     over users move by a user or two when the same code is compiled for another CPU
                     (-march=native), e.g. 1/6040 ≈ 0.00017 per user on ML-1M
The last line is `N passed, N failed`; the exit status is 1 when any cell failed. Python stdlib only.
"""
import argparse
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "xcpp"))
from repl import Repl, STD_OF_KERNEL  # noqa: E402

NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf)\b")
SYNTHETIC_NOTE = "NOTE: the real ML-1M was not found"


def saved_text(cell):
    return "".join("".join(o.get("text", "")) for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def saved_images(cell):
    return sum(1 for o in cell.get("outputs", []) if o.get("output_type") in ("display_data", "execute_result")
               and "image/png" in o.get("data", {}))


def differs(got, want, rtol, atol):
    """None when the texts agree (numbers within tolerance), else a description of the first difference."""
    got_lines = [l.rstrip() for l in got.rstrip().split("\n")]
    want_lines = [l.rstrip() for l in want.rstrip().split("\n")]
    if len(got_lines) != len(want_lines):
        return "%d lines, saved %d" % (len(got_lines), len(want_lines))
    for i, (g, w) in enumerate(zip(got_lines, want_lines), 1):
        if NUMBER.sub("#", g) != NUMBER.sub("#", w):
            return "line %d: got %r, saved %r" % (i, g, w)
        for a, b in zip(NUMBER.findall(g), NUMBER.findall(w)):
            fa, fb = float(a), float(b)
            if a != b and not abs(fa - fb) <= atol + rtol * abs(fb):
                return "line %d: %s vs saved %s (rtol %g, atol %g)" % (i, a, b, rtol, atol)
    return None


def run_notebook(path, compare, rtol, atol, timeout, verbose):
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    kernel = nb.get("metadata", {}).get("kernelspec", {}).get("name", "xcpp17")
    if kernel not in STD_OF_KERNEL:
        print("%s: kernelspec %r is not an xcpp kernel" % (path, kernel))
        return 0, 1
    saved_data = nb.get("metadata", {}).get("recgrad", {}).get("data")
    stem = os.path.splitext(os.path.basename(path))[0]
    repl = Repl(std=STD_OF_KERNEL[kernel], workdir=os.path.dirname(os.path.abspath(path)), timeout=timeout)
    passed = failed = 0
    dead = None
    results = []
    start = time.time()
    try:
        for index, cell in enumerate(nb["cells"]):
            if cell.get("cell_type") != "code":
                continue
            tags = cell.get("metadata", {}).get("tags", [])
            source = "".join(cell.get("source", ""))
            label = "%s cell %d" % (stem, index)
            if "nbrun-skip" in tags or not source.strip():
                continue
            if dead:
                print("FAIL %s: did not run (%s)" % (label, dead))
                failed += 1
                continue
            t0 = time.time()
            r = repl.run_cell(source, name="%s.cell%d.cpp" % (stem, index))
            seconds = time.time() - t0
            if verbose:
                sys.stdout.write(r.stdout)
            if r.crashed:
                dead = "an earlier cell stopped the interpreter"
            results.append((index, cell, tags, r, seconds, label))
            if not r.ok:
                print("FAIL %s (%.1f s): %s" % (label, seconds, r.error))
                for line in r.stderr.strip().splitlines()[-12:]:
                    print("    " + line)
                failed += 1
                continue
    finally:
        repl.dispose()
    # Which data did this run see? (load_data prints SYNTHETIC_NOTE when it fell back.)
    data_now = "synthetic" if any(SYNTHETIC_NOTE in r.stdout for _, _, _, r, _, _ in results) else "ml-1m"
    skipped_data = 0
    for index, cell, tags, r, seconds, label in results:
        if not r.ok:
            continue
        problem = None
        if compare and "nbrun-no-compare" not in tags:
            if "nbrun-data" in tags and saved_data and saved_data != data_now:
                skipped_data += 1
            else:
                cell_atol = atol
                for tag in tags:
                    if tag.startswith("nbrun-atol="):
                        cell_atol = float(tag.split("=", 1)[1])
                problem = differs(r.stdout, saved_text(cell), rtol, cell_atol)
                if problem is None and len(r.displays) != saved_images(cell):
                    problem = "%d images shown, saved %d" % (len(r.displays), saved_images(cell))
        if problem:
            print("FAIL %s (%.1f s): output drifted: %s" % (label, seconds, problem))
            failed += 1
        else:
            passed += 1
    note = ""
    if skipped_data:
        note = "; %d data-dependent cells not compared (saved with %s data, ran with %s)" % (skipped_data, saved_data, data_now)
    print("%s: %d cells passed, %d failed, %.1f s%s" % (path, passed, failed, time.time() - start, note))
    return passed, failed


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="+")
    ap.add_argument("--no-compare", action="store_true", help="only run the cells")
    ap.add_argument("--rtol", type=float, default=1e-3)
    ap.add_argument("--atol", type=float, default=1e-4)
    ap.add_argument("--timeout", type=float, default=600, help="seconds per cell")
    ap.add_argument("-v", "--verbose", action="store_true", help="echo each cell's output")
    args = ap.parse_args()
    passed = failed = 0
    for path in args.notebooks:
        p, f = run_notebook(path, not args.no_compare, args.rtol, args.atol, args.timeout, args.verbose)
        passed, failed = passed + p, failed + f
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
