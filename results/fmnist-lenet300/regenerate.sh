#!/usr/bin/env bash
# Regenerates everything in results/fmnist-lenet300/ from the stored runs (trains nothing):
# the verdict table (verify.txt), the report (report/: Markdown, HTML with plots, CSV of mean ± std
# per configuration, verdicts.json), plan.txt (which runs are stored) and the comparison with the
# PyTorch peer (results/peer/comparison.md). Run from the repository root.
set -uo pipefail
cd "$(dirname "$0")/../.."
suite=manifests/fmnist-lenet300/suite.json
store=results/fmnist-lenet300
node bin/rigl-harness.js verify "$suite" --store "$store" > "$store/verify.txt" 2>&1
echo "verify exit code: $? (0 all verified, 1 a claim failed, 5 some undecided); table in $store/verify.txt"
node bin/rigl-harness.js report "$suite" --store "$store" --out "$store/report"
node bin/rigl-harness.js plan "$suite" --store "$store" > "$store/plan.txt" 2>&1
node --import tsx bench/peer/compare.ts --store "$store" --out results/peer/comparison.md > /dev/null
