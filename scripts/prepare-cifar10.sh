#!/usr/bin/env bash
# Unpacks the CIFAR-10 JPEG tree (train/<class>/NNNN.jpg, test/<class>/NNNN.jpg) from the shared
# tarball into a cache folder outside the repository, once: later runs only check the stamp.
#
#   scripts/prepare-cifar10.sh [DATA_DIR | TARBALL]
#
# Default source: the data folder $IQNAS_DATA, else ../shared/data next to the repository
# (docs/data.md). Destination: $IQNAS_CIFAR10_DIR, else
# ${XDG_CACHE_HOME:-~/.cache}/iqnas/cifar10. Prints the destination folder on stdout (progress goes
# to stderr), so `root=$(scripts/prepare-cifar10.sh)` works. Safe to run concurrently (flock).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="${1:-${IQNAS_DATA:-$repo/../shared/data}}"
if [[ -d "$src" ]]; then
  tarball="$src/cifar10/cifar10-jpg.tar.gz"
  [[ -f "$tarball" ]] || tarball="$src/cifar10-jpg.tar.gz"
else
  tarball="$src"
fi
if [[ ! -f "$tarball" ]]; then
  echo "prepare-cifar10: $tarball not found; pass the data folder or the tarball, set IQNAS_DATA, or run scripts/get-data.sh cifar10 (docs/data.md)" >&2
  exit 1
fi

dest="${IQNAS_CIFAR10_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/iqnas/cifar10}"
mkdir -p "$(dirname "$dest")"
dest="$(cd "$(dirname "$dest")" && pwd)/$(basename "$dest")"
case "$dest/" in
  "$repo"/*) echo "prepare-cifar10: refusing to unpack into the repository ($dest)" >&2; exit 1 ;;
esac

# The stamp records which tarball (size and modification time) the folder came from.
stamp_value="$(stat -c '%s %Y' "$tarball") $(basename "$tarball")"
exec 9>"$dest.lock"
flock 9
if [[ -f "$dest/.complete" && "$(cat "$dest/.complete")" == "$stamp_value" ]]; then
  echo "$dest"
  exit 0
fi

echo "prepare-cifar10: unpacking $tarball into $dest" >&2
tmp="$(mktemp -d "$dest.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$tarball" -C "$tmp"
for split in train test; do
  if [[ ! -d "$tmp/$split" ]]; then
    echo "prepare-cifar10: $tarball has no $split/ folder; is it the CIFAR-10 JPEG tree?" >&2
    exit 1
  fi
done
n_train=$(find "$tmp/train" -type f | wc -l)
n_test=$(find "$tmp/test" -type f | wc -l)
echo "prepare-cifar10: $n_train train and $n_test test images" >&2
printf '%s' "$stamp_value" > "$tmp/.complete"
rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT
echo "$dest"
