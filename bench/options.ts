/**
 * Command line of `npm run bench` (node --import tsx bench/run.ts [flags]), resolved once into
 * BenchOptions with every default applied.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { UsageError } from '../harness/errors.ts';
import { DEFAULT_PEER_PYTHON } from './peer.ts';

export const DEFAULT_RESULTS_DIR = fileURLToPath(new URL('../results/bench/', import.meta.url));

export const BENCH_USAGE = `usage: npm run bench -- [--quick] [--only PATTERN] [--rounds N] [--no-peer] [--python PATH] [--out DIR]

  --quick          a few iterations per case and 1-epoch whole runs (a smoke test; its numbers are
                   not meant to be read)
  --only PATTERN   only the cases whose id contains one of the comma-separated substrings,
                   e.g. --only step/mlp,harness/ (ids: step/<model>/<wasm-1t|wasm-2t|native-1t|native-2t|cpu>,
                   sparsity-curve/rigl-mlp-<0.50|0.70|0.80|0.95|0.98>/<native-1t|native-2t>,
                   mask-update/rigl-mlp/wasm-1t, whole-run/fmnist-lenet300/<dense|rigl-erk-0.90>/native-1t,
                   harness/<validate-hash-manifests|expand-suite|verify-stored-runs>); --only rigl-mlp
                   gives the whole sparsity curve, --only whole-run the 20-epoch runs alone
  --rounds N       rounds of ours-then-PyTorch (A B A B ...); default 3, or 1 with --quick
  --no-peer        do not run the PyTorch peer (no ratios)
  --python PATH    interpreter for bench/peer/steps.py (default $PEER_PYTHON or ${DEFAULT_PEER_PYTHON})
  --out DIR        write <date>-<machine>.json and .md there; a full run without --only writes to
                   results/bench/ by default, a --quick or --only run writes nothing unless --out is given
  --help           this text`;

export interface BenchOptions {
  quick: boolean;
  /** Substrings of case ids, or null for every case. */
  only: string[] | null;
  rounds: number;
  peer: boolean;
  python: string;
  /** Where the results files go; null = print only. */
  outDir: string | null;
  help: boolean;
}

export function parseBenchArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        rounds: { type: 'string' },
        'no-peer': { type: 'boolean', default: false },
        python: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${BENCH_USAGE}`, { cause: error });
  }
  const v = parsed.values;
  const quick = v.quick === true;
  let only: string[] | null = null;
  if (v.only !== undefined) {
    only = v.only.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (only.length === 0) throw new UsageError(`--only ${JSON.stringify(v.only)}: expected at least one non-empty substring of a case id`);
  }
  let rounds = quick ? 1 : 3;
  if (v.rounds !== undefined) {
    rounds = Number(v.rounds);
    if (!/^\d+$/.test(v.rounds) || rounds < 1 || rounds > 100) throw new UsageError(`--rounds ${JSON.stringify(v.rounds)}: expected an integer from 1 to 100`);
  }
  if (v.python !== undefined && v.python.trim() === '') throw new UsageError('--python: expected an interpreter path, got an empty string');
  if (v.out !== undefined && v.out.trim() === '') throw new UsageError('--out: expected a folder, got an empty string');
  const outDir = v.out !== undefined ? path.resolve(v.out) : !quick && only === null ? DEFAULT_RESULTS_DIR : null;
  return {
    quick,
    only,
    rounds,
    peer: v['no-peer'] !== true,
    python: v.python ?? env.PEER_PYTHON ?? DEFAULT_PEER_PYTHON,
    outDir,
    help: v.help === true,
  };
}
