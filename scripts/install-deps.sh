#!/usr/bin/env bash
# Installs every Debian package iqnas needs. Idempotent; silent when everything is present.
# Usage: scripts/install-deps.sh [--with-reference]   (reference adds PyTorch/scipy for bench/reference,
# and the virtual environment .venv-reference with ONNX Runtime on top of Debian's PyTorch)
set -euo pipefail

pkgs=(
  build-essential cmake ninja-build pkg-config
  libeigen3-dev libboost-dev libomp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libjpeg62-turbo-dev libpng-dev zlib1g-dev
  dataset-fashion-mnist librsvg2-bin
)
if [[ "${1:-}" == "--with-reference" ]]; then
  pkgs+=(python3 python3-torch python3-numpy python3-scipy python3-matplotlib coinor-cbc python3-venv)
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# bench/reference (ONNX Runtime for lut_onnx.py and inference_compare.py) and
# scripts/check-solver-milp.py (HiGHS via highspy) need packages Debian does not have: a virtual
# environment .venv-reference that sees Debian's PyTorch (system site packages); numpy 1.26 serves
# both Debian's PyTorch (built for numpy 1.x) and onnxruntime.
if [[ "${1:-}" == "--with-reference" ]]; then
  venv="$(cd "$(dirname "$0")/.." && pwd)/.venv-reference"
  if ! "$venv/bin/python" -c "import onnxruntime, onnx, torch, highspy" 2>/dev/null; then
    echo "install-deps: creating $venv (onnxruntime, onnx, highspy)"
    [[ -x "$venv/bin/python" ]] || /usr/bin/python3 -m venv --system-site-packages "$venv"
    "$venv/bin/pip" install -q --ignore-installed numpy==1.26.4
    "$venv/bin/pip" install -q onnx==1.23.2 onnxruntime==1.32.0 highspy==1.16.0 numpy==1.26.4
  fi
fi
