#!/usr/bin/env python3
"""The repository's documentation stands on its own and its references resolve.

Checks, over every file git tracks (or, outside a checkout, every file under the source tree):
  1. every citation "PROTOCOLS.md §N" or "§N.M" names a section heading of docs/PROTOCOLS.md;
  2. nothing points at the background folder beside the checkout (its docs);
  3. every `path:line` reference in docs/READING.md names an existing file with that many lines, and the
     identifier quoted right after it (`name`) appears on that line or the two after it.
Exits 1 with one line per problem. `tests/docs_selftest.py --fix` first moves each READING.md reference to the
nearest line that holds its name (after an edit shifted the code), then checks.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tracked_files():
    try:
        out = subprocess.check_output(["git", "-C", ROOT, "ls-files"], text=True, stderr=subprocess.DEVNULL)
        return [f for f in out.split("\n") if f]
    except (OSError, subprocess.CalledProcessError):
        return [os.path.relpath(os.path.join(d, f), ROOT) for d, _, fs in os.walk(ROOT) for f in fs
                if "/build" not in d and "/.git" not in d]


def read(path):
    try:
        with open(os.path.join(ROOT, path), encoding="utf-8") as f:
            return f.read()
    except (UnicodeDecodeError, OSError):
        return None


def protocol_sections():
    text = read("docs/PROTOCOLS.md") or ""
    return set(re.findall(r"^#+ (\d+(?:\.\d+)?)\.? ", text, re.M))


REF = re.compile(r"`([\w./-]+):(\d+)`\s*(?:`([^`]+)`)?")


def fix_reading():
    """Moves every `path:line` `name` of docs/READING.md to the nearest line of `path` that holds `name`."""
    path = os.path.join(ROOT, "docs/READING.md")
    text = read("docs/READING.md")

    def moved(m):
        target = read(m.group(1))
        if target is None or not m.group(3):
            return m.group(0)
        lines, k = target.split("\n"), int(m.group(2))
        found = [i + 1 for i, line in enumerate(lines) if m.group(3) in line]
        if not found or any(m.group(3) in line for line in lines[k - 1:k + 2]):
            return m.group(0)
        best = min(found, key=lambda i: abs(i - k))
        return m.group(0).replace("%s:%d" % (m.group(1), k), "%s:%d" % (m.group(1), best))

    with open(path, "w", encoding="utf-8") as f:
        f.write(REF.sub(moved, text))


def main():
    if "--fix" in sys.argv[1:]:
        fix_reading()
    problems = []
    sections = protocol_sections()
    if not sections:
        problems.append("docs/PROTOCOLS.md: missing or without numbered sections")
    forbidden = "shared/" + "docs"  # written split so that this file does not match itself
    for path in tracked_files():
        text = read(path)
        if text is None:
            continue
        for n, line in enumerate(text.split("\n"), 1):
            for sec in re.findall(r"PROTOCOLS\.md §(\d+(?:\.\d+)?)", line):
                if sec not in sections:
                    problems.append("%s:%d: cites docs/PROTOCOLS.md §%s, which does not exist" % (path, n, sec))
            if forbidden in line:
                problems.append("%s:%d: points outside the repository (%s)" % (path, n, forbidden))
    reading = read("docs/READING.md")
    if reading is None:
        problems.append("docs/READING.md: missing")
    else:
        for n, line in enumerate(reading.split("\n"), 1):
            for ref, lineno, name in REF.findall(line):
                target = read(ref)
                if target is None:
                    problems.append("docs/READING.md:%d: %s does not exist" % (n, ref))
                    continue
                lines = target.split("\n")
                k = int(lineno)
                if k < 1 or k > len(lines):
                    problems.append("docs/READING.md:%d: %s has no line %d" % (n, ref, k))
                elif name and not any(name in l for l in lines[k - 1:k + 2]):
                    problems.append("docs/READING.md:%d: `%s` is not at %s:%d" % (n, name, ref, k))
    for p in problems:
        print(p)
    print("docs_selftest: %d problems" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
