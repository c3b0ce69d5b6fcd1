#!/usr/bin/env bash
# Checks scripts/get-data.sh on archives built here: what it installs, what it refuses (with the
# file named), exit codes, and that a refused archive leaves an earlier install untouched.
set -uo pipefail
repo="$1"
get="$repo/scripts/get-data.sh"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect CODE PATTERN -- command...: exit code CODE and PATTERN in stderr.
expect() {
  local code="$1" pattern="$2"
  shift 3
  local err got
  err="$("$@" 2>&1 >/dev/null)"
  got=$?
  [[ $got == "$code" ]] || fail "$* exited $got, expected $code: $err"
  grep -qF -- "$pattern" <<<"$err" || fail "$*: no '$pattern' in: $err"
}

# CIFAR-10 binary release (content, not the official bytes): six files of 10,000 records.
mkdir -p "$work/a/cifar-10-batches-bin"
for f in data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 test_batch; do
  head -c 30730000 /dev/zero >"$work/a/cifar-10-batches-bin/$f.bin"
done
tar -cf - -C "$work/a" cifar-10-batches-bin | gzip -1 >"$work/bin.tar.gz"
out="$(bash "$get" cifar10 --from "$work/bin.tar.gz" --to "$work/data" 2>/dev/null)" || fail "binary release refused"
[[ "$out" == "$work/data/cifar10/cifar-10-batches-bin" ]] || fail "printed '$out'"
[[ $(stat -c %s "$work/data/cifar10/cifar-10-batches-bin/test_batch.bin") == 30730000 ]] || fail "test_batch.bin not installed"

# A truncated batch is refused by name, and the earlier install stays.
truncate -s 30729999 "$work/a/cifar-10-batches-bin/data_batch_3.bin"
tar -cf - -C "$work/a" cifar-10-batches-bin | gzip -1 >"$work/bad.tar.gz"
expect 1 "data_batch_3.bin" -- bash "$get" cifar10 --from "$work/bad.tar.gz" --to "$work/data"
[[ $(stat -c %s "$work/data/cifar10/cifar-10-batches-bin/data_batch_3.bin") == 30730000 ]] || fail "earlier install damaged"
rm -rf "$work/a"

# A JPEG tree under a top folder with the wrong counts: refused with the counts.
mkdir -p "$work/j/top/train/cat" "$work/j/top/test/cat"
echo x >"$work/j/top/train/cat/1.jpg"
echo x >"$work/j/top/test/cat/1.jpg"
tar -czf "$work/jpg.tar.gz" -C "$work/j" top
expect 1 "1 train and 1 test images in 1 classes" -- bash "$get" cifar10 --from "$work/jpg.tar.gz" --to "$work/data"
echo "not a tar" >"$work/junk.tar.gz"
expect 1 "not a readable tar.gz" -- bash "$get" cifar10 --from "$work/junk.tar.gz" --to "$work/data"

# Fashion-MNIST: files with other content are refused by name; the Debian package passes.
mkdir "$work/f"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  echo "$f" | gzip >"$work/f/$f.gz"
done
expect 1 "differs from the official Fashion-MNIST file" -- bash "$get" fashion-mnist --from "$work/f" --to "$work/data"
rm "$work/f/t10k-labels-idx1-ubyte.gz"
expect 1 "t10k-labels-idx1-ubyte.gz is missing" -- bash "$get" fashion-mnist --from "$work/f" --to "$work/data"
if [[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]]; then
  bash "$get" fashion-mnist --from /usr/share/datasets/fashion-mnist --to "$work/data" >/dev/null 2>&1 ||
    fail "the Debian package's Fashion-MNIST was refused"
  [[ -f "$work/data/fashion-mnist/t10k-labels-idx1-ubyte.gz" ]] || fail "Fashion-MNIST not installed"
fi

# NAS-Bench-201: no download, so without --from it says what to do; a short table is refused.
expect 1 "scripts/get-data.sh nasbench201 --from nb201_acc_lat.csv.gz" -- bash "$get" nasbench201 --to "$work/data"
printf 'idx,arch,acc_cifar10,acc_cifar100,acc_imagenet16_120,lat_pixel3,lat_raspi4,lat_fpga,lat_gold_6226,lat_titan_rtx_1,lat_1080ti_256\n0,x,1,1,1,1,1,1,1,1,1\n' |
  gzip >"$work/nb.csv.gz"
expect 1 "1 rows, expected 15625" -- bash "$get" nasbench201 --from "$work/nb.csv.gz" --to "$work/data"

# Usage errors exit 2; the repository is never a destination.
expect 2 "unknown data set 'imagenet'" -- bash "$get" imagenet
expect 2 "unknown option '--form'" -- bash "$get" cifar10 --form x
expect 1 "refusing to write data into the repository" -- bash "$get" cifar10 --from "$work/bin.tar.gz" --to "$repo/data"
[[ ! -e "$repo/data" ]] || fail "created $repo/data"

[[ $fails == 0 ]] && echo "PASS: get-data.sh" || exit 1
