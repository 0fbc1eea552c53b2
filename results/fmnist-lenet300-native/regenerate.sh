#!/usr/bin/env bash
# The fmnist-lenet300 suite trained on the native backend (a cross-backend check of the wasm runs in
# results/fmnist-lenet300/). Trained with
#   node bin/rigl-harness.js run manifests/fmnist-lenet300/suite.json --store results/fmnist-lenet300-native --backend native --jobs 2
# This script regenerates everything else here from the stored runs (trains nothing): verify.txt,
# report/, plan.txt and comparison.md (per configuration and per claim, against the wasm runs).
# The suite prefers wasm, so verify and report list these runs as "stale, used anyway: backend
# native ≠ expected wasm". Run from the repository root.
set -uo pipefail
cd "$(dirname "$0")/../.."
suite=manifests/fmnist-lenet300/suite.json
store=results/fmnist-lenet300-native
node bin/rigl-harness.js verify "$suite" --store "$store" > "$store/verify.txt" 2>&1
echo "verify exit code: $? (0 all verified, 1 a claim failed, 5 some undecided); table in $store/verify.txt"
node bin/rigl-harness.js report "$suite" --store "$store" --out "$store/report"
node bin/rigl-harness.js plan "$suite" --store "$store" > "$store/plan.txt" 2>&1
node --import tsx bench/compare-backends.ts --store-a results/fmnist-lenet300 --report-a results/fmnist-lenet300/report \
  --store-b "$store" --report-b "$store/report" --label-a wasm --label-b native --out "$store/comparison.md" > /dev/null
