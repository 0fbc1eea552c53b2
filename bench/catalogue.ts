/**
 * The only list of benchmark cases: their ids, what they time, where they run, how many
 * iterations, and which PyTorch case of bench/peer/steps.py they are compared with.
 *
 * Where a case runs: tfjs fixes the wasm thread count of a process at its first initialisation
 * (trainers/backends/wasm.ts), so the step cases run in child processes, one per wasm thread count
 * ("wasm 1 thread" also runs the cpu-backend cases); the harness cases need no tensors and run in
 * the bench process itself.
 */

/** Models of a training step; the names are steps.py's case names. */
export type StepModel = 'mlp' | 'lenet5' | 'wrn-conv' | 'rigl-mlp';
export const STEP_MODELS: readonly StepModel[] = ['mlp', 'lenet5', 'wrn-conv', 'rigl-mlp'];

export type HarnessCost = 'validate-hash-manifests' | 'expand-suite' | 'verify-stored-runs';

/** The tfjs backend a step runs on: wasm with 1 or 2 threads, or the plain-JavaScript cpu backend. */
export interface BackendTarget {
  backend: 'wasm' | 'cpu';
  threads: 1 | 2;
}

/** Iterations of one case in one round: `warmup` untimed, then `iterations` timed. */
export interface IterationPlan {
  iterations: number;
  warmup: number;
}

interface CaseBase {
  id: string;
  /** What a reader sees in the table. */
  title: string;
  full: IterationPlan;
  quick: IterationPlan;
}

export type BenchCaseDefinition =
  | (CaseBase & { kind: 'step'; model: StepModel; target: BackendTarget; batch: number; peer: { case: StepModel; threads: 1 | 2 } })
  | (CaseBase & { kind: 'mask-update'; model: 'rigl-mlp'; target: BackendTarget })
  | (CaseBase & { kind: 'harness'; cost: HarnessCost; count: { full: number; quick: number } });

/** Batch size of every training step (env-measurements.md §2c; steps.py BATCH). */
export const STEP_BATCH = 128;

export function targetLabel(target: BackendTarget): string {
  return target.backend === 'cpu' ? 'cpu' : `wasm-${target.threads}t`;
}

const MODEL_TITLES: Record<StepModel, string> = {
  mlp: 'MLP 784-300-100-10 step',
  lenet5: 'LeNet-5-Caffe step',
  'wrn-conv': 'WRN-22-2 block conv 3×3 32→32 step',
  'rigl-mlp': 'RigL ERK 90 % MLP step (dense-masked)',
};

/**
 * Per-round iterations, sized for a loaded 2-core machine (env-measurements.md §3 on a quiet core:
 * MLP ≈ 11 ms, LeNet-5 ≈ 116 ms, WRN conv ≈ 290 ms per step on wasm; the cpu MLP ≈ 133 ms).
 */
const STEP_PLANS: Record<StepModel, { full: IterationPlan; quick: IterationPlan }> = {
  mlp: { full: { iterations: 20, warmup: 3 }, quick: { iterations: 2, warmup: 1 } },
  'rigl-mlp': { full: { iterations: 20, warmup: 3 }, quick: { iterations: 2, warmup: 1 } },
  lenet5: { full: { iterations: 8, warmup: 2 }, quick: { iterations: 1, warmup: 1 } },
  'wrn-conv': { full: { iterations: 5, warmup: 1 }, quick: { iterations: 1, warmup: 0 } },
};

function stepCase(model: StepModel, target: BackendTarget, plans = STEP_PLANS[model]): BenchCaseDefinition {
  return {
    kind: 'step',
    id: `step/${model}/${targetLabel(target)}`,
    title: MODEL_TITLES[model],
    model,
    target,
    batch: STEP_BATCH,
    // The cpu backend is single-threaded JavaScript: compared with PyTorch on one thread.
    peer: { case: model, threads: target.threads },
    ...plans,
  };
}

const WASM_1: BackendTarget = { backend: 'wasm', threads: 1 };
const WASM_2: BackendTarget = { backend: 'wasm', threads: 2 };
const CPU: BackendTarget = { backend: 'cpu', threads: 1 };

export const CASES: readonly BenchCaseDefinition[] = [
  ...STEP_MODELS.map((m) => stepCase(m, WASM_1)),
  ...STEP_MODELS.map((m) => stepCase(m, WASM_2)),
  stepCase('mlp', CPU, { full: { iterations: 5, warmup: 1 }, quick: { iterations: 1, warmup: 0 } }),
  {
    kind: 'mask-update',
    id: 'mask-update/rigl-mlp/wasm-1t',
    title: 'RigL mask update, MLP ERK 90 %',
    model: 'rigl-mlp',
    target: WASM_1,
    full: { iterations: 10, warmup: 2 },
    quick: { iterations: 1, warmup: 0 },
  },
  {
    kind: 'harness',
    id: 'harness/validate-hash-manifests',
    title: 'validate + hash N run manifests',
    cost: 'validate-hash-manifests',
    count: { full: 10_000, quick: 200 },
    full: { iterations: 2, warmup: 1 },
    quick: { iterations: 1, warmup: 0 },
  },
  {
    kind: 'harness',
    id: 'harness/expand-suite',
    title: 'load a suite of N runs (expand, validate, hash)',
    cost: 'expand-suite',
    count: { full: 10_000, quick: 200 },
    full: { iterations: 3, warmup: 1 },
    quick: { iterations: 1, warmup: 0 },
  },
  {
    kind: 'harness',
    id: 'harness/verify-stored-runs',
    title: 'verify a suite of N stored runs',
    cost: 'verify-stored-runs',
    count: { full: 10_000, quick: 200 },
    // ~50 s per pass over 10,000 runs on the loaded 2-core machine; the store was just written, so
    // the first pass already reads from the page cache and needs no warm-up.
    full: { iterations: 2, warmup: 0 },
    quick: { iterations: 1, warmup: 0 },
  },
];

/** Cases left out on purpose, with why (printed under the table). */
export const SKIPPED_NOTES: readonly string[] = [
  'cpu backend: LeNet-5, WRN conv and the RigL step are not timed: the tfjs cpu backend is 100-1000x slower on them ' +
    '(env-measurements.md §3, quiet core: LeNet-5 28,301 ms/step, WRN conv 155,979 ms/step), so only the MLP step shows its cost.',
  'WRN-22-2: one block conv (3×3, 32→32, on 128×32×32×32, gradients for weight, bias and input) rather than a whole block, ' +
    'exactly as bench/peer/steps.py `wrn-conv` does, so the two are comparable.',
];

/**
 * `--only`: comma-separated substrings; a case is selected when its id contains any of them.
 * Throws RangeError naming the pattern when nothing matches.
 */
export function selectCases(only: readonly string[] | null, cases: readonly BenchCaseDefinition[] = CASES): BenchCaseDefinition[] {
  if (only === null) return [...cases];
  const selected = cases.filter((c) => only.some((part) => c.id.includes(part)));
  if (selected.length === 0) {
    throw new RangeError(`--only ${JSON.stringify(only.join(','))} selects no case; case ids are: ${cases.map((c) => c.id).join(', ')}`);
  }
  return selected;
}

export function caseById(id: string, cases: readonly BenchCaseDefinition[] = CASES): BenchCaseDefinition {
  const found = cases.find((c) => c.id === id);
  if (found === undefined) throw new RangeError(`unknown bench case '${id}'; known cases: ${cases.map((c) => c.id).join(', ')}`);
  return found;
}
