#!/usr/bin/env bash
# Ablations of the method's choices (docs/experiments.md). Every variant is the main job's pipeline
# with one setting changed, run in OUT_DIR/<variant> from the first stage that setting affects; the
# stages before it are copied from a finished base run (heaviest network, reordering, latency table
# and, for the variants of the measurement, the supernet and the random sub-networks). Then
# `iqnas experiment ablations` compares every variant with the base: OUT_DIR/ablations.md/.csv.
#
# Usage: experiments/ablations/run.sh BASE_RUN OUT_DIR [VARIANT...]
#   variants (default: all)
#     per-batch    one path per batch instead of one per sample       (supernet.sampling = single)
#     no-distill   no in-place distillation                            (kd_kl_weight = 0, kd_features = false)
#     private-bn   per-path BN statistics                              (supernet.bn_stats = private)
#     no-ema       no EMA of the weights; later stages use the raw weights
#     no-reorder   no channel reordering before the supernet
#     sequential   contributions measured in the reference code's sequential context
#     per-image    contributions per image in top-1, 2 passes (the main job before: uniform context)
#     passes-1, passes-2, passes-4   contributions averaged over 1, 2 or 4 passes (the main job: 1)
# Environment: IQNAS (default: build/cpu/experiments/iqnas of scripts/run.sh, else build/default's), PIPELINE (default
# experiments/pipelines/tiny.json: BASE_RUN must have been run with it).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
iqnas=${IQNAS:-$root/build/cpu/experiments/iqnas}
[[ -n ${IQNAS:-} || -x $iqnas ]] || iqnas=$root/build/default/experiments/iqnas
pipeline=$(realpath "${PIPELINE:-$root/experiments/pipelines/tiny.json}")
if [[ $# -lt 2 ]]; then sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2; fi
base=$(realpath "$1") out=$2
shift 2
variants=("$@")
[[ ${#variants[@]} -gt 0 ]] || variants=(per-batch no-distill private-bn no-ema no-reorder sequential per-image passes-2 passes-4)
command -v jq >/dev/null || { echo "ablations: jq is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
[[ -x $iqnas ]] || { echo "ablations: no iqnas at $iqnas (build it, or set IQNAS)" >&2; exit 1; }
for f in space.json heaviest.safetensors lut.json supernet.safetensors subnets.csv timings.json; do
  [[ -f $base/$f ]] || { echo "ablations: $base/$f is missing: finish the base run first (iqnas run $pipeline --run $base)" >&2; exit 1; }
done
mkdir -p "$out"
ln -sfn "$base" "$out/base"

# The pipeline with its configuration paths made absolute, then patched by the jq filter $1.
pipeline_with() {
  local dir; dir=$(dirname "$pipeline")
  jq --arg d "$dir" 'reduce ("heaviest", "reorder", "supernet", "finetune") as $k (.;
      if has($k) and (.[$k] | startswith("/") | not) then .[$k] = $d + "/" + .[$k] else . end) | '"$1" "$pipeline"
}

for v in "${variants[@]}"; do
  sup='.' pipe='.' from=supernet copy=(space.json heaviest.safetensors heaviest.csv reordered.safetensors lut.json)
  case $v in
    per-batch)  sup='.sampling = "single"' ;;
    no-distill) sup='.kd_kl_weight = 0 | .kd_features = false' ;;
    private-bn) sup='.bn_stats = "private"' ;;
    no-ema)     sup='.ema_decay = 0'; pipe='.weights = "raw"' ;;
    no-reorder) pipe='del(.reorder)'; copy=(space.json heaviest.safetensors heaviest.csv lut.json) ;;
    sequential) pipe='.contrib.context = "sequential" | del(.contrib.group_images)'; from=contrib ;;
    per-image)  pipe='.contrib.context = "uniform" | del(.contrib.group_images) | .contrib.metric = "top1" | .contrib.passes = 2'
                from=contrib ;;
    passes-1)   pipe='.contrib.passes = 1'; from=contrib ;;
    passes-2)   pipe='.contrib.passes = 2'; from=contrib ;;
    passes-4)   pipe='.contrib.passes = 4'; from=contrib ;;
    *) echo "ablations: unknown variant '$v' (see $0 without arguments)" >&2; exit 2 ;;
  esac
  [[ $from == contrib ]] && copy+=(supernet.safetensors supernet.csv subnets.csv)
  dir=$out/$v
  mkdir -p "$dir"
  for f in "${copy[@]}"; do [[ -e $dir/$f || ! -e $base/$f ]] || cp "$base/$f" "$dir/$f"; done
  supernet_cfg=$(jq -r .supernet <(pipeline_with .))
  jq "$sup" "$supernet_cfg" > "$dir/supernet-config.json"
  pipeline_with "$pipe | .supernet = \"$(realpath "$dir")/supernet-config.json\"" > "$dir/pipeline.json"
  change=()
  [[ $sup == . ]] || change+=("supernet: $sup")
  [[ $pipe == . ]] || change+=("pipeline: $pipe")
  { printf '%s; ' "${change[@]}"; echo "from $from"; } > "$dir/ablation.txt"
  echo "== $v (from $from)"
  "$iqnas" run "$dir/pipeline.json" --run "$dir" --from "$from"
done
"$iqnas" experiment ablations --run "$out"
