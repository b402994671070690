#!/bin/bash
# Zero-code sweep (scripts/zoo/README.md): every model of DIR through `profile` and
# `run-campaign --layers all`, twice: 2 workers at --batch 32 and 1 worker at --batch 1. The two
# injections.csv must be byte-identical. Prints the layers that ran no fault windowed, and why.
# Usage: bash scripts/zoo/sweep.sh DIR [model ...]   (after npx tsc -p .; from the repository root)
set -u
dir=$1; shift
cli="node $(dirname "$0")/../../bin/classes.js"
models=("$@"); [ ${#models[@]} -eq 0 ] && models=(squeeze dense mbv3 incep convnext vgg_b1 dense_dynhw)
fail=0
for m in "${models[@]}"; do
  data=$dir/x.npy; [ -e "$dir/$m.onnx" ] || { echo "$m: no $dir/$m.onnx"; fail=1; continue; }
  case $m in *B) data=$dir/x96.npy ;; esac
  $cli profile "$dir/$m.onnx" --data "$data" > "$dir/$m.profile.txt" 2>&1 || { echo "$m: profile failed: $(tail -1 "$dir/$m.profile.txt")"; fail=1; continue; }
  common=(--model "$dir/$m.onnx" --data "$data" --layers all --faults-per-layer 30 --inputs 4 --seed 3 --force)
  $cli run-campaign "${common[@]}" --workers 2 --batch 32 --out "$dir/out/$m-a" > "$dir/out-$m-a.log" 2>&1 || { echo "$m: campaign failed: $(tail -1 "$dir/out-$m-a.log")"; fail=1; continue; }
  $cli run-campaign "${common[@]}" --workers 1 --batch 1 --out "$dir/out/$m-b" > "$dir/out-$m-b.log" 2>&1 || { echo "$m: campaign failed: $(tail -1 "$dir/out-$m-b.log")"; fail=1; continue; }
  if cmp -s "$dir/out/$m-a/injections.csv" "$dir/out/$m-b/injections.csv"; then same=same; else same=DIFFERENT; fail=1; fi
  echo "$m: $(($(wc -l < "$dir/out/$m-a/injections.csv") - 1)) runs, reports $same at 2 workers/batch 32 and 1 worker/batch 1"
  node -e '
    const m = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const why = new Map();
    for (const l of m.layers) if (l.windowed && "refused" in l.windowed) why.set(l.windowed.refused, (why.get(l.windowed.refused) ?? 0) + 1);
    for (const [r, n] of why) console.log(`  ${n} layer(s) not windowed: ${r}`);
  ' "$dir/out/$m-a/manifest.json"
done
exit $fail
