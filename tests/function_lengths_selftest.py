#!/usr/bin/env python3
"""tools/function_lengths.py finds functions (members defined in their class too), measures them, and skips
lambdas, blocks and braces inside strings and comments."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
import function_lengths  # noqa: E402

SOURCE = '''namespace a {
struct S {
  int f() const { return 1; }
};
// a comment with { braces }
int g(int x) {
  const char* s = "{ not a brace";
  auto h = [&](int y) { return y + x; };
  if (x) {
    return h(1);
  }
  return 0;
}
S::S() : v(1) {
  v = 2;
}
}  // namespace a
'''


def main():
    found = {name: (a, b) for name, a, b in function_lengths.functions(SOURCE)}
    problems = []
    if found.get("g") != (6, 13):
        problems.append("g: expected lines 6-13, got %r" % (found.get("g"),))
    if found.get("S::S") != (14, 16):
        problems.append("S::S: expected lines 14-16, got %r" % (found.get("S::S"),))
    if found.get("f") != (3, 3):
        problems.append("f (defined inside its class): expected line 3, got %r" % (found.get("f"),))
    if "h" in found or len(found) != 3:
        problems.append("a lambda or a block inside a function was counted as a function: %r" % sorted(found))
    for p in problems:
        print(p)
    print("function_lengths_selftest: %d problems" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
