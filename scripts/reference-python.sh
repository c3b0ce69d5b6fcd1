#!/usr/bin/env bash
# Prints the Python interpreter that runs the benchmarks' PyTorch / ONNX Runtime reference, the one
# place that picks it: $REFERENCE when set, else this checkout's .venv-reference (PyTorch 2.15 from
# PyPI, scripts/install-deps.sh --with-reference), else Debian's /usr/bin/python3 (python3-torch
# 1.13, with a warning). Checks that it imports torch and reports the versions on stderr.
#
#   PY=$(scripts/reference-python.sh) || exit
#   PY2=$(REFERENCE=/usr/bin/python3 scripts/reference-python.sh) || exit    # a second reference
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
py=${REFERENCE:-}
if [ -z "$py" ]; then
  if [ -x "$root/.venv-reference/bin/python" ]; then
    py="$root/.venv-reference/bin/python"
  else
    py=/usr/bin/python3
    echo "reference-python.sh: no $root/.venv-reference (scripts/install-deps.sh --with-reference);" \
         "falling back to Debian's $py" >&2
  fi
fi
if ! versions=$("$py" -c '
import torch
try:
    import onnxruntime
    ort = "ONNX Runtime " + onnxruntime.__version__
except ImportError:
    ort = "no ONNX Runtime"
print(f"PyTorch {torch.__version__}, {ort}")' 2>&1); then
  echo "reference-python.sh: $py cannot import torch: ${versions##*$'\n'}" >&2
  exit 1
fi
echo "reference: $py ($versions)" >&2
echo "$py"
