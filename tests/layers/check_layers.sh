#!/usr/bin/env bash
# Fails when a source file includes a header of a layer it must not know (docs/design.md, "Layers"):
# each folder below may include only the folders listed after it. Quoted project includes only.
# Usage: check_layers.sh SOURCE_DIR
set -euo pipefail
cd "$1"
# folder: allowed include prefixes (nn means nn's own headers and nn/ops, not nn/data or nn/train)
rules=(
  "util:util"
  "kernels:kernels util"
  "nn/data:nn/data kernels util"
  "nn/train:nn nn/data nn/train kernels util"
  "nn:nn kernels util"
  "supernet:supernet nn nn/data nn/train kernels util"
  "solver:solver util"
  "predictor:predictor supernet solver nn nn/data nn/train kernels util"
  "experiments:experiments predictor supernet solver nn nn/data nn/train kernels util"
)
layer_of() {  # the layer an include path or a file path belongs to
  case "$1" in
    nn/data/*) echo nn/data ;; nn/train/*) echo nn/train ;; nn/*) echo nn ;;
    *) echo "${1%%/*}" ;;
  esac
}
bad=0 checked=0
for rule in "${rules[@]}"; do
  folder=${rule%%:*} allowed=" ${rule#*:} "
  while IFS= read -r file; do
    [[ $(layer_of "$file") == "$folder" ]] || continue  # nn/data files are checked by their own rule
    checked=$((checked + 1))
    while IFS= read -r inc; do
      target=$(layer_of "$inc")
      case " util kernels nn nn/data nn/train supernet solver predictor experiments " in
        *" $target "*) ;;
        *) continue ;;  # not a project header (e.g. generated .inc files)
      esac
      if [[ "$allowed" != *" $target "* ]]; then
        echo "FAIL: $file includes \"$inc\": layer $folder must not use $target"
        bad=$((bad + 1))
      fi
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
  done < <(find "$folder" -type f \( -name '*.h' -o -name '*.cpp' -o -name '*.cu' -o -name '*.cuh' \) | sort)
done
[[ $checked -gt 100 ]] || { echo "FAIL: only $checked files checked: wrong source folder?"; exit 1; }
[[ $bad -eq 0 ]] || exit 1
echo "PASS: $checked files, no include against the layering"
