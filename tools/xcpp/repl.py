"""One clang-repl-19 session that runs notebook cells written for xeus-cling (kernelspec xcpp17).

Used by tools/nbrun.py (runs and checks whole notebooks) and tools/xcpp/kernel.py (the Jupyter kernel).
Design: each cell is written to its own file and fed to ONE clang-repl
process as `#include "<file>"` followed by a call that prints an end-of-cell marker on stdout and stderr.
So a cell is one incremental unit with its line breaks intact, state carries over as in Jupyter, and
compiler errors name the cell's file and line.

xeus-cling idioms are translated before feeding:
  #pragma cling add_include_path("p")   -> -I p        (relative paths: to the working directory)
  #pragma cling add_library_path("p")   -> a directory where `load` looks
  #pragma cling load("lib")             -> LD_PRELOAD of the library (no exit-time crash, unlike %lib)
  %%file name                           -> writes the rest of the cell to `name`
  %timeit stmt / %%timeit               -> runs the statement once
  other %magics, `name?`                -> skipped
  a last line that is an expression without ';' -> printed with operator<< (xcpp_runtime::show_value)
and xcpp::display(x) comes from tools/xcpp/include/xcpp/xdisplay.hpp (mime_bundle_repr, as xeus-cling).

Python stdlib only.
"""
import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RUNTIME_INCLUDE = os.path.join(HERE, "include")
END_RE = re.compile(r"\x1eXCPP-END (\d+)\x1e\n?")
DISPLAY_RE = re.compile(r"\x1eXCPP-DISPLAY (.*?)\x1e\n?", re.S)
PRAGMA_RE = re.compile(r'^\s*#\s*pragma\s+cling\s+(add_include_path|add_library_path|load)\s*\(\s*"([^"]*)"\s*\)\s*$')
STD_OF_KERNEL = {"xcpp11": "c++11", "xcpp14": "c++14", "xcpp17": "c++17", "xcpp20": "c++20"}
ERROR_MARKERS = ("error:", "Failed to materialize", "JIT session error")


def find_clang_repl():
    for name in ("clang-repl-19", "clang-repl"):
        path = shutil.which(name)
        if path:
            return path
    if os.path.exists("/usr/lib/llvm-19/bin/clang-repl"):
        return "/usr/lib/llvm-19/bin/clang-repl"
    raise RuntimeError("clang-repl-19 not found: apt-get install clang-tools-19")


class CellResult:
    """What one cell did: its stdout (displays removed), displays (MIME bundles), stderr, and whether it failed."""

    def __init__(self):
        self.stdout = ""
        self.stderr = ""
        self.displays = []
        self.error = None  # a one-line reason when the cell failed
        self.crashed = False  # the process died: later cells cannot run in this session

    @property
    def ok(self):
        return self.error is None


def _is_expression_line(line, previous):
    """A trailing expression xeus-cling would print: no ';', not a directive, not a block's end."""
    s = re.sub(r"\s*//[^\"]*$", "", line).strip()  # a trailing // comment does not count
    if not s or s.startswith(("#", "//", "}", "{")) or s.endswith((";", "{", "}", ",", "\\")):
        return False
    if re.match(r"^(if|for|while|switch|return|using|namespace|class|struct|template|typedef|else|do)\b", s):
        return False
    prev = re.sub(r"\s*//[^\"]*$", "", previous).strip()
    return not prev or prev.endswith((";", "}", "{")) or prev.startswith(("#", "//"))


class Translation:
    """A cell after the xeus-cling idioms are handled: the code to feed and the session settings it asks for."""

    def __init__(self, source, workdir):
        self.include_paths, self.library_paths, self.libraries = [], [], []
        self.code = None  # None: nothing to feed (a %%file cell)
        self.file_written = None
        lines = source.split("\n")
        if lines and lines[0].startswith("%%file"):
            name = lines[0].split(None, 1)[1].strip()
            path = os.path.join(workdir, name)
            with open(path, "w") as f:
                f.write("\n".join(lines[1:]) + "\n")
            self.file_written = path
            return
        if lines and lines[0].startswith("%%timeit"):
            lines[0] = ""
        out = []
        for line in lines:
            m = PRAGMA_RE.match(line)
            if m:
                kind, arg = m.groups()
                if kind == "add_include_path":
                    self.include_paths.append(os.path.normpath(os.path.join(workdir, arg)))
                elif kind == "add_library_path":
                    self.library_paths.append(os.path.normpath(os.path.join(workdir, arg)))
                else:
                    self.libraries.append(arg)
                out.append("")  # keep line numbers
            elif line.lstrip().startswith("%timeit"):
                out.append(line.lstrip()[len("%timeit"):].strip().rstrip(";") + ";")
            elif line.lstrip().startswith("%") or re.match(r"^\s*[A-Za-z_][\w:]*\?\s*$", line):
                out.append("")
            else:
                out.append(line)
        # The last non-empty line, if it is an expression without ';', is shown (as xeus-cling does).
        idx = [i for i, l in enumerate(out) if l.strip() and not l.strip().startswith("//")]
        if idx:
            last = idx[-1]
            prev = out[idx[-2]] if len(idx) > 1 else ""
            if _is_expression_line(out[last], prev):
                out[last] = "xcpp_runtime::show_value(" + out[last].strip() + ");"
        self.code = "\n".join(out) + "\n"


class Repl:
    """A clang-repl-19 process running cells in order, with Jupyter's state semantics."""

    def __init__(self, std="c++17", workdir=".", extra_flags=(), timeout=600):
        self.std = std
        self.workdir = os.path.abspath(workdir)
        self.extra_flags = list(extra_flags)
        self.timeout = timeout
        self.include_paths, self.library_paths, self.libraries = [], [], []
        self.proc = None
        self.history = []  # the code of every cell run so far (to replay after a restart)
        self.cell_dir = tempfile.mkdtemp(prefix="xcpp-cells-")
        self.counter = 0

    # ---- the process ----
    def _resolve_library(self, name):
        candidates = [name, "lib" + name, name + ".so", "lib" + name + ".so"]
        for d in [self.workdir] + self.library_paths:
            for c in candidates:
                p = os.path.join(d, c)
                if os.path.isfile(p):
                    return os.path.abspath(p)
        if os.path.isfile(name):
            return os.path.abspath(name)
        raise RuntimeError("#pragma cling load(\"%s\"): not found in %s" % (name, ", ".join([self.workdir] + self.library_paths)))

    def _start(self):
        flags = ["--Xcc=-fno-relaxed-template-template-args", "--Xcc=-std=" + self.std, "--Xcc=-O2",
                 "--Xcc=-fopenmp", "--Xcc=-I" + RUNTIME_INCLUDE]
        flags += ["--Xcc=-I" + p for p in self.include_paths]
        flags += ["--Xcc=" + f for f in self.extra_flags]
        env = dict(os.environ)
        preload = [self._resolve_library(l) for l in self.libraries]
        if preload:
            env["LD_PRELOAD"] = " ".join(preload + ([env["LD_PRELOAD"]] if env.get("LD_PRELOAD") else []))
        self.proc = subprocess.Popen([find_clang_repl()] + flags, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=self.workdir, env=env, bufsize=0)
        self.queues = {"out": queue.Queue(), "err": queue.Queue()}
        for name, stream in (("out", self.proc.stdout), ("err", self.proc.stderr)):
            threading.Thread(target=self._pump, args=(stream, self.queues[name]), daemon=True).start()
        self._feed('#include "xcpp/xcpp_runtime.hpp"\n', -1, record=False)

    @staticmethod
    def _pump(stream, q):
        while True:
            chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
            if not chunk:
                q.put(None)
                return
            q.put(chunk)

    def close(self):
        if self.proc and self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"%quit\n")
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except Exception:
                self.proc.kill()
        self.proc = None

    def dispose(self):
        """Ends the session and removes its cell files."""
        self.close()
        shutil.rmtree(self.cell_dir, ignore_errors=True)

    def restart(self, replay=True):
        """A fresh process with the current settings; earlier cells run again silently when replay is on."""
        self.close()
        self._start()
        if replay:
            for code in self.history:
                self._feed(code, self._next(), record=False)

    def _next(self):
        self.counter += 1
        return self.counter

    # ---- feeding a unit and collecting its output ----
    def _feed(self, code, n, record=True, name=None):
        path = os.path.join(self.cell_dir, name or ("cell%d.cpp" % n if n >= 0 else "prelude.cpp"))
        with open(path, "w") as f:
            f.write(code)
        result = CellResult()
        try:
            self.proc.stdin.write(('#include "%s"\nxcpp_runtime::end_cell(%d);\n' % (path, n)).encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            result.error, result.crashed = "clang-repl is not running", True
            return result
        out, err = self._collect(n, result)
        result.stdout, result.stderr = out, err
        if record and not result.crashed:
            self.history.append(code)
        return result

    def _collect(self, n, result):
        marker = "\x1eXCPP-END %d\x1e" % n
        buffers = {"out": b"", "err": b""}
        done = {"out": False, "err": False}
        deadline = time.time() + self.timeout
        while not all(done.values()):
            for name in ("out", "err"):
                if done[name]:
                    continue
                try:
                    chunk = self.queues[name].get(timeout=0.05)
                except queue.Empty:
                    continue
                if chunk is None:
                    done[name] = True
                    result.crashed = True
                else:
                    buffers[name] += chunk
                    if marker.encode() in buffers[name]:
                        done[name] = True
            # A JIT link failure may never reach the end-of-cell marker: give it a few seconds, not the timeout.
            if any(k.encode() in buffers["err"] for k in ("Failed to materialize", "JIT session error")):
                deadline = min(deadline, time.time() + 5)
            if time.time() > deadline:
                jit_failed = b"Failed to materialize" in buffers["err"] or b"JIT session error" in buffers["err"]
                result.error = "the JIT could not link the cell" if jit_failed else "timed out after %d s" % self.timeout
                result.crashed = True
                self.proc.kill()
                break
        out = buffers["out"].decode("utf-8", "replace")
        err = buffers["err"].decode("utf-8", "replace")
        out = END_RE.sub("", out.split(marker)[0] if marker in out else out)
        err = END_RE.sub("", err.split(marker)[0] if marker in err else err)
        if result.crashed and result.error is None:
            try:
                code = self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                code = None
            result.error = "clang-repl died (exit status %s)" % code
            if code is not None and code < 0:
                result.error += ": signal %d" % -code
        return out, err

    def run_cell(self, source, name=None):
        """Runs one notebook cell's source; returns a CellResult. `name`: the file the cell is written to
        (compiler errors name it), e.g. "02_sasrec.cell7.cpp"."""
        t = Translation(source, self.workdir)
        result = CellResult()
        if t.code is None:
            result.stdout = "Writing %s\n" % os.path.basename(t.file_written)
            return result
        new_settings = ([p for p in t.include_paths if p not in self.include_paths] or
                        [p for p in t.library_paths if p not in self.library_paths] or
                        [l for l in t.libraries if l not in self.libraries])
        self.include_paths += [p for p in t.include_paths if p not in self.include_paths]
        self.library_paths += [p for p in t.library_paths if p not in self.library_paths]
        self.libraries += [l for l in t.libraries if l not in self.libraries]
        try:
            if self.proc is None:
                self._start()
            elif new_settings:
                self.restart(replay=True)
        except RuntimeError as e:
            result.error = str(e)
            return result
        result = self._feed(t.code, self._next(), name=name)
        # Displays become display outputs; what is left is the cell's text.
        displays = []
        for m in DISPLAY_RE.finditer(result.stdout):
            try:
                displays.append(json.loads(m.group(1)))
            except ValueError:
                displays.append({"text/plain": m.group(1)})
        result.displays = displays
        result.stdout = DISPLAY_RE.sub("", result.stdout)
        if result.error is None:
            bad = [l for l in result.stderr.splitlines() if any(k in l for k in ERROR_MARKERS)]
            if bad:
                result.error = bad[0].strip()
        if result.error is not None and not result.crashed:
            self.history = self.history[:-1] if self.history and self.history[-1] == t.code else self.history
        return result
