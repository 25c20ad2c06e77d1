#!/usr/bin/env bash
# Installs the xcpp17 Jupyter kernel (tools/xcpp/kernel.py on clang-repl-19) for the current user:
#   tools/xcpp/install_kernel.sh
#   jupyter nbconvert --to notebook --execute notebooks_cpp/02_sasrec.ipynb
# If real xeus-cling is installed under the same name, this replaces it for this user; remove it with
# `jupyter kernelspec remove xcpp17`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
spec="$(mktemp -d)/xcpp17"
mkdir -p "$spec"
cat > "$spec/kernel.json" <<JSON
{
  "argv": ["/usr/bin/python3", "-Xfrozen_modules=off", "$here/kernel.py", "-f", "{connection_file}"],
  "display_name": "C++17 (clang-repl, recgrad)",
  "language": "c++"
}
JSON
/usr/bin/python3 -m jupyter kernelspec install --user --name xcpp17 "$spec" >/dev/null
echo "installed kernel xcpp17 -> $here/kernel.py"
