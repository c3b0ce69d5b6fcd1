#!/usr/bin/env bash
# Installs every Debian package iqnas needs. Idempotent; silent when everything is present.
# Usage: scripts/install-deps.sh [--with-reference]   (reference adds Debian's PyTorch 1.13/scipy, the
# second reference of bench/reference, and the virtual environment .venv-reference with a current
# PyTorch, ONNX Runtime, onnx, scipy and highspy from PyPI, the first reference)
set -euo pipefail

pkgs=(
  build-essential cmake ninja-build pkg-config
  libeigen3-dev libboost-dev libomp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libjpeg62-turbo-dev libpng-dev zlib1g-dev
  dataset-fashion-mnist librsvg2-bin
  jq  # experiments/ablations/run.sh derives its configurations with it
  clang libclang-rt-dev  # libFuzzer for the bounded fuzzing run of scripts/test.sh (scripts/fuzz.sh)
  libopenmpi-dev openmpi-bin  # data-parallel runs under mpirun (docs/distributed.md); optional at build time
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

# The benchmarks' reference (bench/reference, scripts/bench-*.sh, scripts/check-solver-milp.py) is a
# current PyTorch from PyPI, with ONNX Runtime, onnx, scipy and HiGHS (highspy), in a virtual
# environment .venv-reference that does not see Debian's site packages (so pip's torch and numpy win;
# Debian's python3-torch 1.13 stays the second reference through /usr/bin/python3). Pinned versions,
# so that tables name what they were measured against. The PyPI torch wheel is the CUDA build and
# pulls the nvidia-*/cuda-* packages (about 5.7 GB installed, 2-3 min from a fast mirror): installed
# with --no-deps plus only its pure-Python dependencies (1.3 GB) it does not import, because
# libtorch.so itself links libcufile, libcusparseLt and libnvshmem, and the CPU-only wheels live on
# download.pytorch.org, not on PyPI. So the full install; pass a CPU index to pip through
# PIP_INDEX_URL / PIP_EXTRA_INDEX_URL where one is reachable.
if [[ "${1:-}" == "--with-reference" ]]; then
  venv="$(cd "$(dirname "$0")/.." && pwd)/.venv-reference"
  pins=(torch==2.15.0 numpy==2.4.6 onnx==1.23.2 onnxruntime==1.32.0 scipy==1.17.1 highspy==1.16.0)
  # Up to date when the environment is isolated and every package imports at its pinned version.
  check='
import importlib, importlib.metadata as md, sys
bad = []
for pin in sys.argv[1:]:
    name, want = pin.split("==")
    try:
        importlib.import_module(name)
        have = md.version(name)
    except Exception as e:
        have = f"not importable ({type(e).__name__}: {e})"
    if have != want:
        bad.append(f"{name} {have} (want {want})")
sys.exit("; ".join(bad) if bad else 0)'
  isolated() { grep -qx 'include-system-site-packages = false' "$venv/pyvenv.cfg" 2>/dev/null; }
  if ! { isolated && "$venv/bin/python" -c "$check" "${pins[@]}" 2>/dev/null; }; then
    if [[ -d "$venv" ]] && ! isolated; then
      echo "install-deps: $venv sees the system site packages (an older layout); recreating it"
      rm -rf "$venv"
    fi
    echo "install-deps: installing ${pins[*]} into $venv (several GB: the PyPI torch wheel pulls CUDA libraries)"
    [[ -x "$venv/bin/python" ]] || /usr/bin/python3 -m venv "$venv"
    if ! "$venv/bin/pip" install -q --disable-pip-version-check "${pins[@]}"; then
      echo "install-deps: pip install into $venv failed (is PyPI reachable? room for ~6 GB?);" \
           "rerun after fixing, or remove $venv to start over" >&2
      exit 1
    fi
    if ! err=$("$venv/bin/python" -c "$check" "${pins[@]}" 2>&1); then
      echo "install-deps: $venv is incomplete after pip install: $err" >&2
      exit 1
    fi
    echo "install-deps: $venv ready ($("$venv/bin/python" -c \
      'import torch, onnxruntime; print("PyTorch", torch.__version__, "/ ONNX Runtime", onnxruntime.__version__)'))"
  fi
fi
