#!/usr/bin/env bash
# Puts a data set into the data folder (docs/data.md): downloads the official files and checks
# their SHA-256, or unpacks / copies files you already have (--from).
#
#   scripts/get-data.sh cifar10|fashion-mnist|nasbench201 [--from ARCHIVE|DIR] [--to DIR]
#
# --to: default $IQNAS_DATA, else ${XDG_DATA_HOME:-~/.local/share}/iqnas (what `iqnas` and the tests
# read when IQNAS_DATA is unset). Layout written:
#   cifar10/cifar-10-batches-bin/   the binary release (iqnas --dataset cifar10-bin)
#   cifar10/jpg/{train,test}/       a JPEG tree (iqnas --dataset folder)
#   fashion-mnist/                  the four IDX .gz files (iqnas --dataset fashion-mnist)
#   nasbench201/nb201_acc_lat.csv.gz
# --from takes: cifar10: the binary release (cifar-10-binary.tar.gz) or a tar.gz of a JPEG tree
# (train/<class>/*.jpg, test/<class>/*.jpg); fashion-mnist: a folder holding the four IDX .gz
# files (e.g. /usr/share/datasets/fashion-mnist) or a tar archive of them; nasbench201: the table
# nb201_acc_lat.csv.gz. Everything is written to a temporary folder next to the destination and
# renamed into place, so an interrupted run leaves nothing half-written. Never writes into the
# repository.
set -euo pipefail

die() { echo "get-data: $*" >&2; exit 1; }
usage_error() { echo "get-data: $*" >&2; exit 2; }
note() { echo "get-data: $*" >&2; }
usage() {
  sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit "$1"
}

[[ $# -ge 1 ]] || usage 2 >&2
name="$1"
shift
from="" to="${IQNAS_DATA:-${XDG_DATA_HOME:-$HOME/.local/share}/iqnas}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --from) [[ $# -ge 2 ]] || usage_error "--from needs a path"; from="$2"; shift 2 ;;
    --to) [[ $# -ge 2 ]] || usage_error "--to needs a folder"; to="$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) usage_error "unknown option '$1' (usage: get-data.sh cifar10|fashion-mnist|nasbench201 [--from ARCHIVE] [--to DIR])" ;;
  esac
done
case "$name" in
  cifar10|fashion-mnist|nasbench201) ;;
  -h|--help) usage 0 ;;
  *) usage_error "unknown data set '$name': expected cifar10, fashion-mnist or nasbench201" ;;
esac
[[ -z "$from" || -e "$from" ]] || die "--from $from: no such file or folder"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
to="$(realpath -m "$to")"
case "$to/" in "$repo"/*) die "refusing to write data into the repository ($to); pass --to elsewhere" ;; esac
mkdir -p "$to" || die "cannot create $to"

# Official files: URL, size in bytes, SHA-256 (docs/data.md).
CIFAR10_URL=https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz
CIFAR10_SHA=c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd
FMNIST_URL=https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion
declare -A FMNIST_SHA=(
  [train-images-idx3-ubyte.gz]=3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84
  [train-labels-idx1-ubyte.gz]=a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845
  [t10k-images-idx3-ubyte.gz]=346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073
  [t10k-labels-idx1-ubyte.gz]=67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5
)
# SHA-256 of the *decompressed* IDX files, for copies that were recompressed (the Debian package's).
declare -A FMNIST_RAW_SHA=(
  [train-images-idx3-ubyte.gz]=c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888
  [train-labels-idx1-ubyte.gz]=bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9
  [t10k-images-idx3-ubyte.gz]=5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b
  [t10k-labels-idx1-ubyte.gz]=0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34
)
NB201_SHA=17977d4bda943784b64eca15668a9ded9d340e29420d68d35d298ebcba184e91
NB201_HEADER="idx,arch,acc_cifar10,acc_cifar100,acc_imagenet16_120,lat_pixel3,lat_raspi4,lat_fpga,lat_gold_6226,lat_titan_rtx_1,lat_1080ti_256"

sha256() { sha256sum "$1" | cut -d' ' -f1; }

tmp="$(mktemp -d "$to/.get-data.$name.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# download URL FILE SHA: fetch with curl or wget, then check the SHA-256. On failure, say what to do.
download() {
  local url="$1" out="$2" want="$3" ok=0
  note "downloading $url"
  if command -v curl >/dev/null; then
    curl -fsSL --retry 2 --connect-timeout 20 -o "$out" "$url" && ok=1
  elif command -v wget >/dev/null; then
    wget -q --timeout=20 -O "$out" "$url" && ok=1
  else
    note "neither curl nor wget is installed"
  fi
  if [[ $ok != 1 ]]; then
    rm -f "$out"
    return 1
  fi
  local got
  got="$(sha256 "$out")"
  [[ "$got" == "$want" ]] || die "$url: SHA-256 $got, expected $want (a corrupt or changed download; nothing was installed)"
}

# install SRC DEST: atomic replacement of DEST by SRC (both in the same file system).
install_dir() {
  local src="$1" dest="$2"
  mkdir -p "$(dirname "$dest")"
  if [[ -e "$dest" ]]; then
    mv "$dest" "$tmp/old"
  fi
  mv "$src" "$dest"
  note "wrote $dest"
}

count_files() { find "$1" -type f | wc -l; }

get_cifar10() {
  local archive="$from"
  if [[ -z "$archive" ]]; then
    archive="$tmp/cifar-10-binary.tar.gz"
    download "$CIFAR10_URL" "$archive" "$CIFAR10_SHA" || die "could not download $CIFAR10_URL (no network here?).
  Download it on a machine with network access (162 MiB, SHA-256 $CIFAR10_SHA), copy it here, and run
    scripts/get-data.sh cifar10 --from cifar-10-binary.tar.gz --to $to
  A tar.gz of the JPEG tree (train/<class>/*.jpg, test/<class>/*.jpg) works the same way."
  fi
  [[ -f "$archive" ]] || die "--from $archive: expected the CIFAR-10 archive file, not a folder"
  local listing
  listing="$(tar -tzf "$archive" 2>/dev/null)" || die "$archive: not a readable tar.gz archive"
  mkdir "$tmp/x"
  if grep -q '^cifar-10-batches-bin/data_batch_1.bin$' <<<"$listing"; then
    if [[ "$(sha256 "$archive")" != "$CIFAR10_SHA" ]]; then
      note "$archive: SHA-256 differs from the official release's; checking its contents instead"
    fi
    tar -xzf "$archive" -C "$tmp/x" cifar-10-batches-bin
    local f
    for f in data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 test_batch; do
      [[ "$(stat -c %s "$tmp/x/cifar-10-batches-bin/$f.bin" 2>/dev/null)" == 30730000 ]] ||
        die "$archive: cifar-10-batches-bin/$f.bin is missing or not 10,000 records of 3,073 bytes"
    done
    install_dir "$tmp/x/cifar-10-batches-bin" "$to/cifar10/cifar-10-batches-bin"
    echo "$to/cifar10/cifar-10-batches-bin"
  else
    # A JPEG tree, possibly under one top folder.
    local top
    top="$(grep -m1 -E '(^|/)train/[^/]+/[^/]+$' <<<"$listing" | sed -E 's#(^|/)train/[^/]+/[^/]+$##')" ||
      die "$archive: neither the CIFAR-10 binary release (cifar-10-batches-bin/) nor a JPEG tree (train/<class>/<image>)"
    tar -xzf "$archive" -C "$tmp/x"
    local root="$tmp/x${top:+/$top}"
    [[ -d "$root/train" && -d "$root/test" ]] || die "$archive: the JPEG tree needs both train/ and test/ folders"
    local n_train n_test n_classes
    n_train=$(count_files "$root/train") n_test=$(count_files "$root/test")
    n_classes=$(find "$root/train" -mindepth 1 -maxdepth 1 -type d | wc -l)
    [[ $n_train == 50000 && $n_test == 10000 && $n_classes == 10 ]] ||
      die "$archive: $n_train train and $n_test test images in $n_classes classes; CIFAR-10 has 50000, 10000 and 10"
    mkdir "$tmp/jpg"
    mv "$root/train" "$root/test" "$tmp/jpg/"
    install_dir "$tmp/jpg" "$to/cifar10/jpg"
    echo "$to/cifar10/jpg"
  fi
}

get_fashion_mnist() {
  local f src="$tmp/src"
  mkdir "$src"
  if [[ -z "$from" ]]; then
    for f in "${!FMNIST_SHA[@]}"; do
      download "$FMNIST_URL/$f" "$src/$f" "${FMNIST_SHA[$f]}" || die "could not download $FMNIST_URL/$f (no network here?).
  On Debian or Ubuntu: apt-get install dataset-fashion-mnist (iqnas then finds /usr/share/datasets/fashion-mnist
  without this script). Otherwise download the four files of $FMNIST_URL/ on a machine with network
  access (29 MiB; SHA-256 in docs/data.md) into one folder, copy it here, and run
    scripts/get-data.sh fashion-mnist --from FOLDER --to $to"
    done
  elif [[ -d "$from" ]]; then
    for f in "${!FMNIST_SHA[@]}"; do
      [[ -f "$from/$f" ]] || die "$from: $f is missing (expected the four Fashion-MNIST IDX .gz files)"
      install -m 0644 "$from/$f" "$src/$f"
    done
  else
    tar -xf "$from" -C "$src" 2>/dev/null || die "$from: not a folder or a readable tar archive"
    for f in "${!FMNIST_SHA[@]}"; do
      local hit
      hit="$(find "$src" -name "$f" -type f | head -n1)"
      [[ -n "$hit" ]] || die "$from: $f is missing (expected the four Fashion-MNIST IDX .gz files)"
      [[ "$hit" == "$src/$f" ]] || mv "$hit" "$src/$f"
    done
  fi
  # The official files, or recompressed copies with the same content (the Debian package's).
  mkdir "$tmp/fashion-mnist"
  for f in "${!FMNIST_SHA[@]}"; do
    if [[ "$(sha256 "$src/$f")" != "${FMNIST_SHA[$f]}" ]]; then
      local raw
      raw="$(gzip -dc "$src/$f" 2>/dev/null | sha256sum | cut -d' ' -f1)"
      [[ "$raw" == "${FMNIST_RAW_SHA[$f]}" ]] ||
        die "${from:-download}: $f differs from the official Fashion-MNIST file (SHA-256 of the archive and of its content)"
    fi
    mv "$src/$f" "$tmp/fashion-mnist/$f"
  done
  install_dir "$tmp/fashion-mnist" "$to/fashion-mnist"
  echo "$to/fashion-mnist"
}

get_nasbench201() {
  [[ -n "$from" ]] || die "the NAS-Bench-201 table (accuracies with hardware latencies) has no official
  download of its own: it joins NATS-Bench's accuracies (MIT licence) with HW-NAS-Bench's latencies as
  carried by HELP (MIT licence); docs/data.md describes its columns. Get nb201_acc_lat.csv.gz from
  whoever gave you this repository (SHA-256 $NB201_SHA) and run
    scripts/get-data.sh nasbench201 --from nb201_acc_lat.csv.gz --to $to"
  [[ -f "$from" ]] || die "--from $from: expected the file nb201_acc_lat.csv.gz"
  local header rows
  header="$(gzip -dc "$from" 2>/dev/null | head -n1 | tr -d '\r')" || true
  [[ "$header" == "$NB201_HEADER" ]] || die "$from: header is '$header', expected '$NB201_HEADER'"
  rows=$(( $(gzip -dc "$from" | wc -l) - 1 ))
  [[ $rows == 15625 ]] || die "$from: $rows rows, expected 15625 (one per NAS-Bench-201 cell)"
  [[ "$(sha256 "$from")" == "$NB201_SHA" ]] || note "$from: SHA-256 differs from the table docs/data.md lists; its header and row count are right"
  mkdir "$tmp/nasbench201"
  install -m 0644 "$from" "$tmp/nasbench201/nb201_acc_lat.csv.gz"
  install_dir "$tmp/nasbench201" "$to/nasbench201"
  echo "$to/nasbench201/nb201_acc_lat.csv.gz"
}

case "$name" in
  cifar10) get_cifar10 ;;
  fashion-mnist) get_fashion_mnist ;;
  nasbench201) get_nasbench201 ;;
esac
[[ -n "${IQNAS_DATA:-}" && "$IQNAS_DATA" -ef "$to" ]] || [[ -z "${IQNAS_DATA:-}" && "$to" == "${XDG_DATA_HOME:-$HOME/.local/share}/iqnas" ]] ||
  note "iqnas reads data from \$IQNAS_DATA: export IQNAS_DATA=$to"
