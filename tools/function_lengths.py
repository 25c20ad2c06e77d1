#!/usr/bin/env python3
"""Lists C++ function bodies longer than a limit (default 80 lines, signature to closing brace).

    python3 tools/function_lengths.py training models apps            # report, exit 1 if any is too long
    python3 tools/function_lengths.py --limit 60 --all nn              # every function with its length

A small brace matcher, not a C++ parser: a function is a `{` outside any other function (at namespace or
class level) that follows a `)`, a `) const`/`override` or an initialiser list, and runs to its matching `}`;
strings, characters and comments are skipped. Good enough for this code base's style, and checked by
tests/function_lengths_selftest.py.
"""
import argparse
import os
import re
import sys


def strip(text):
    """The text with comments, strings and character literals blanked (newlines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith('R"', i):
            m = re.match(r'R"([^(]*)\(', text[i:])
            end = text.find(")" + m.group(1) + '"', i) if m else -1
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(" " * (min(j + 1, n) - i))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(text):
    """(name, first line, last line) of each function body outside other functions."""
    s = strip(text)
    found, depth, i = [], 0, 0
    scopes = []  # the kind of each open brace: "ns" (namespace / extern / class-like) or "fn"
    while i < len(s):
        c = s[i]
        if c == "{":
            head = s[max(0, s.rfind(";", 0, i), s.rfind("}", 0, i), s.rfind("{", 0, i)) + 1:i]
            in_fn = "fn" in scopes
            kind = "inner"
            if not in_fn:
                if re.search(r"\b(namespace|class|struct|union|enum)\b[^()]*$", head) or re.search(r'extern\s*$', head):
                    kind = "ns"
                elif re.search(r"\)\s*(const|override|noexcept|final|\s)*(->[^{]*)?$", head) or re.search(r"\)\s*:\s*[\s\S]*\)\s*$", head):
                    kind = "fn"
                    m = re.search(r"([~\w:]+)\s*\([^()]*", head)
                    name = m.group(1) if m else "?"
                    start = s.count("\n", 0, i - len(head)) + 1 + len(head[: len(head) - len(head.lstrip())].split("\n")) - 1
                    scopes.append(kind)
                    found.append([name, start, None, len(scopes)])
                    i += 1
                    continue
            scopes.append(kind)
        elif c == "}":
            if scopes:
                kind = scopes.pop()
                if kind == "fn":
                    for f in reversed(found):
                        if f[2] is None and f[3] == len(scopes) + 1:
                            f[2] = s.count("\n", 0, i) + 1
                            break
        i += 1
    return [(n, a, b) for n, a, b, _ in found if b is not None]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--limit", type=int, default=80)
    ap.add_argument("--all", action="store_true", help="print every function, not only the long ones")
    args = ap.parse_args()
    files = []
    for p in args.paths:
        if os.path.isfile(p):
            files.append(p)
        for d, _, fs in os.walk(p):
            files += [os.path.join(d, f) for f in sorted(fs) if f.endswith((".cpp", ".hpp"))]
    long_ones = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for name, a, b in functions(text):
            n = b - a + 1
            if n > args.limit:
                long_ones += 1
            if args.all or n > args.limit:
                print("%s:%d: %s, %d lines" % (path, a, name, n))
    print("%d functions over %d lines" % (long_ones, args.limit))
    return 1 if long_ones else 0


if __name__ == "__main__":
    sys.exit(main())
