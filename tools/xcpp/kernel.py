#!/usr/bin/python3
"""A Jupyter kernel named xcpp17 on clang-repl-19, for users without xeus-cling (which Debian does not
package). It runs the same cells as xeus-cling through tools/xcpp/repl.py, the engine tools/nbrun.py uses,
so `jupyter nbconvert --to notebook --execute` can regenerate the notebooks' saved outputs.

Install it with tools/xcpp/install_kernel.sh. Needs Debian's python3-ipykernel (so /usr/bin/python3).
Limits: a cell's output arrives when the cell ends; an uncaught C++ exception or a crash ends the
interpreter (the kernel says so and the next cell starts a fresh one); rich displays are the MIME bundles
of xcpp::display (images, text), not widgets.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ipykernel.kernelbase import Kernel  # noqa: E402
from repl import Repl  # noqa: E402


class XcppKernel(Kernel):
    implementation = "recgrad-xcpp17"
    implementation_version = "1.0"
    language = "c++"
    language_version = "17"
    language_info = {"name": "c++", "version": "17", "mimetype": "text/x-c++src", "file_extension": ".cpp",
                     "codemirror_mode": "text/x-c++src"}
    banner = "C++17 on clang-repl-19 (recgrad's xcpp17 kernel; xeus-cling cells and #pragma cling work)"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.repl = Repl(std="c++17", workdir=os.getcwd())

    def _stream(self, name, text):
        if text:
            self.send_response(self.iopub_socket, "stream", {"name": name, "text": text})

    def do_execute(self, code, silent, store_history=True, user_expressions=None, allow_stdin=False):
        result = self.repl.run_cell(code)
        if not silent:
            self._stream("stdout", result.stdout)
            for bundle in result.displays:
                self.send_response(self.iopub_socket, "display_data", {"data": bundle, "metadata": {}})
            if result.ok:
                self._stream("stderr", result.stderr)
        if result.ok:
            return {"status": "ok", "execution_count": self.execution_count, "payload": [], "user_expressions": {}}
        traceback = [result.error] + result.stderr.strip().splitlines()[-30:]
        if result.crashed:
            traceback.append("The interpreter stopped; the next cell starts a fresh session (earlier state is gone).")
            self.repl.dispose()
            self.repl = Repl(std="c++17", workdir=os.getcwd())
        content = {"ename": "CellError", "evalue": result.error, "traceback": traceback}
        self.send_response(self.iopub_socket, "error", content)
        return dict(content, status="error", execution_count=self.execution_count)

    def do_shutdown(self, restart):
        self.repl.dispose()
        if restart:
            self.repl = Repl(std="c++17", workdir=os.getcwd())
        return {"status": "ok", "restart": restart}


if __name__ == "__main__":
    from ipykernel.kernelapp import IPKernelApp
    IPKernelApp.launch_instance(kernel_class=XcppKernel)
