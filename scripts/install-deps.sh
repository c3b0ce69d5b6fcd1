#!/usr/bin/env bash
# Installs every Debian package iqnas needs. Idempotent; silent when everything is present.
# Usage: scripts/install-deps.sh [--with-reference]   (reference adds PyTorch/scipy for bench/reference)
set -euo pipefail

pkgs=(
  build-essential cmake ninja-build pkg-config
  libeigen3-dev libboost-dev libomp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libjpeg62-turbo-dev libpng-dev zlib1g-dev
  dataset-fashion-mnist librsvg2-bin
)
if [[ "${1:-}" == "--with-reference" ]]; then
  pkgs+=(python3 python3-torch python3-numpy python3-scipy python3-matplotlib coinor-cbc)
fi

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
