#!/usr/bin/env python3
"""ctest `nbrun_selftest`: tools/nbrun.py must fail a notebook whose cell does not compile, whose output drifts,
or whose cell throws (and count the cells after it as not run), and pass a good one; a cell's
nbrun-atol=X tag widens its tolerance and nothing else's. Plain C++ cells, no
recgrad library: it checks the checker. Python stdlib only."""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def notebook(cells):
    """cells: (source, saved output) or (source, saved output, tags)."""
    return {"cells": [{"cell_type": "code", "execution_count": None, "id": "c%d" % i,
                       "metadata": {"tags": list(c[2])} if len(c) > 2 else {},
                       "outputs": [{"output_type": "stream", "name": "stdout", "text": c[1]}] if c[1] else [],
                       "source": c[0]} for i, c in enumerate(cells)],
            "metadata": {"kernelspec": {"name": "xcpp17", "display_name": "C++17", "language": "C++17"}},
            "nbformat": 4, "nbformat_minor": 5}


GOOD = [("#include <iostream>\nint n = 41;", ""), ("n += 1;\nstd::cout << \"n = \" << n << \", pi ~ \" << 3.14159 << std::endl;", "n = 42, pi ~ 3.14159\n"),
        ("n", "42\n")]
CASES = {
    "good": (GOOD, 0, "3 passed, 0 failed"),
    "compile_error": (GOOD[:1] + [("int m = undefined_name;", "")] + GOOD[1:], 1, "FAIL compile_error cell 1"),
    "drift": (GOOD[:2] + [("std::cout << n + 1 << std::endl;", "42\n")], 1, "output drifted"),
    "number_within_tolerance": (GOOD[:1] + [("std::cout << 0.30001 << std::endl;", "0.3\n")], 0, "2 passed, 0 failed"),
    "drift_beyond_default_atol": (GOOD[:1] + [("std::cout << 0.0230 << std::endl;", "0.0228\n")], 1, "output drifted"),
    "drift_within_cell_atol": (GOOD[:1] + [("std::cout << 0.0230 << std::endl;", "0.0228\n", ["nbrun-atol=5e-4"])], 0,
                               "2 passed, 0 failed"),
    "throw": (GOOD[:1] + [("#include <stdexcept>\nthrow std::runtime_error(\"boom\");", ""), ("std::cout << n << std::endl;", "41\n")],
              1, "did not run"),
}


def main():
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, (cells, want_status, want_text) in CASES.items():
            path = os.path.join(tmp, name + ".ipynb")
            with open(path, "w") as f:
                json.dump(notebook(cells), f)
            p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "nbrun.py"), path], capture_output=True, text=True,
                               timeout=300)
            ok = p.returncode == want_status and want_text in p.stdout
            print("%s %s: exit %d (want %d), %r %s" % ("ok  " if ok else "FAIL", name, p.returncode, want_status, want_text,
                                                       "found" if want_text in p.stdout else "missing"))
            if not ok:
                print(p.stdout + p.stderr)
                failures += 1
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
