#!/usr/bin/env bash
# Runs the fmnist-lenet300 grid (recipes.md: 31 configurations × seeds 0, 1, 2) with the PyTorch
# peer, one run at a time, single-threaded, writing
#   results/peer/fmnist-lenet300/<method>-<dist>-<sparsity>-seed<N>.json
# and skipping files that already exist (so it can be stopped and restarted at any time).
#
# Usage: bench/peer/run_grid.sh [--commit] [CONFIG_FILE]
#   CONFIG_FILE: lines "method distribution sparsity" (# comments allowed); default: the whole grid
#                in the order of issue #3 (rigl erk 0.90, dense, set/static/snfs erk 0.90, gmp 0.90,
#                small-dense 0.90, rigl uniform 0.90, then the rest).
#   --commit:    after each finished run, `git commit` that one result file (only that path).
# Env: PEER_PYTHON (default /usr/bin/python3), PEER_OUT_DIR, PEER_SEEDS (default "0 1 2").
set -u
cd "$(dirname "$0")/../.."

COMMIT=0
if [ "${1:-}" = "--commit" ]; then COMMIT=1; shift; fi
CONFIG_FILE="${1:-}"
PYTHON="${PEER_PYTHON:-/usr/bin/python3}"
OUT_DIR="${PEER_OUT_DIR:-results/peer/fmnist-lenet300}"
SEEDS="${PEER_SEEDS:-0 1 2}"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1   # one core: the machine is shared

default_grid() {
  cat <<'EOF'
rigl erk 0.90
dense none 0
set erk 0.90
static erk 0.90
snfs erk 0.90
gmp none 0.90
small-dense none 0.90
rigl uniform 0.90
rigl erk 0.95
rigl erk 0.98
rigl uniform 0.95
rigl uniform 0.98
set erk 0.95
set erk 0.98
set uniform 0.90
set uniform 0.95
set uniform 0.98
static erk 0.95
static erk 0.98
static uniform 0.90
static uniform 0.95
static uniform 0.98
snfs erk 0.95
snfs erk 0.98
snfs uniform 0.90
snfs uniform 0.95
snfs uniform 0.98
gmp none 0.95
gmp none 0.98
small-dense none 0.95
small-dense none 0.98
EOF
}

commit_one() {   # commit one path only; retry while another engineer holds the index lock
  local path="$1" msg="$2" try
  for try in 1 2 3 4 5 6 7 8 9 10; do
    if git add -- "$path" 2>/dev/null && git commit -q -m "$msg" --only -- "$path" 2>/dev/null; then
      return 0
    fi
    sleep $((try * 3))
  done
  echo "$(date -Is) could not commit $path (left uncommitted)"
}

if [ -n "$CONFIG_FILE" ]; then CONFIGS="$(grep -v '^\s*#' "$CONFIG_FILE")"; else CONFIGS="$(default_grid)"; fi
mkdir -p "$OUT_DIR"
echo "$(date -Is) grid start, pid $$, python $PYTHON, out $OUT_DIR"
while read -r method dist sparsity; do
  [ -z "${method:-}" ] && continue
  sp=$(printf '%.2f' "$sparsity")
  for seed in $SEEDS; do
    out="$OUT_DIR/$method-$dist-$sp-seed$seed.json"
    if [ -e "$out" ]; then echo "$(date -Is) skip $out (exists)"; continue; fi
    args=(--method "$method" --sparsity "$sparsity" --seed "$seed" --threads 1 --out "$out")
    [ "$dist" != "none" ] && args+=(--distribution "$dist")
    echo "$(date -Is) run $out"
    if "$PYTHON" bench/peer/fmnist_lenet300.py "${args[@]}"; then
      acc=$("$PYTHON" -c "import json,sys; d=json.load(open(sys.argv[1])); print('%.2f %% in %.0f s' % (d['testAccuracy'], d['wallSeconds']))" "$out")
      echo "$(date -Is) done $out: $acc"
      [ "$COMMIT" = 1 ] && commit_one "$out" "peer: fmnist-lenet300 $method $dist $sp seed $seed ($acc)"
    else
      echo "$(date -Is) FAILED $out (exit $?)"
    fi
  done
done <<< "$CONFIGS"
echo "$(date -Is) grid end"
