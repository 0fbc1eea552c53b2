#!/usr/bin/env bash
# The fmnist-lenet300 grid over seeds 0–4 on the native backend (manifests/fmnist-lenet300/suite-5-seeds.json),
# trained with
#   node bin/rigl-harness.js run manifests/fmnist-lenet300/suite-5-seeds.json --store results/fmnist-lenet300-5-seeds --jobs 2
# This script regenerates everything else here from the stored runs (trains nothing): verify.txt,
# report/ and plan.txt. Run from the repository root.
set -uo pipefail
cd "$(dirname "$0")/../.."
suite=manifests/fmnist-lenet300/suite-5-seeds.json
store=results/fmnist-lenet300-5-seeds
node bin/rigl-harness.js verify "$suite" --store "$store" > "$store/verify.txt" 2>&1
echo "verify exit code: $? (0 all verified, 1 a claim failed, 5 some undecided); table in $store/verify.txt"
node bin/rigl-harness.js report "$suite" --store "$store" --out "$store/report"
node bin/rigl-harness.js plan "$suite" --store "$store" > "$store/plan.txt" 2>&1
