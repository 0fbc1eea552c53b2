/**
 * The only list of benchmark cases: their ids, what they time, where they run, how many
 * iterations, and which PyTorch case of bench/peer/steps.py (or run of bench/peer/fmnist_lenet300.py)
 * they are compared with.
 *
 * Where a case runs: tfjs fixes the wasm thread count of a process at its first initialisation
 * (trainers/backends/wasm.ts), so the step cases run in child processes, one per thread count
 * ("1 thread" also runs the cpu-backend cases; the native cases of that thread count run there
 * too); the whole-run cases are processes of their own (`rigl-harness run`, pinned to one core);
 * the harness cases need no tensors and run in the bench process itself.
 */

/** Models of a training step; the names are steps.py's case names. */
export type StepModel = 'mlp' | 'lenet5' | 'wrn-conv' | 'rigl-mlp';
export const STEP_MODELS: readonly StepModel[] = ['mlp', 'lenet5', 'wrn-conv', 'rigl-mlp'];

export type HarnessCost = 'validate-hash-manifests' | 'expand-suite' | 'verify-stored-runs';

/**
 * The tfjs backend a step runs on: wasm or the native addon with 1 or 2 threads, or the
 * plain-JavaScript cpu backend (always 1).
 */
export interface BackendTarget {
  backend: 'wasm' | 'native' | 'cpu';
  threads: 1 | 2;
}

/**
 * How a RigL step computes its masked layers: 'dense-masked' is the loop without step layouts
 * (dense matmuls, gradients masked before momentum: what the report's code and the wasm backend
 * do); 'sparse' passes the step layouts of trainers/step-layouts.ts to `model.apply`, so the
 * native sparse kernels compute forward, input gradient and weight gradient at active entries only.
 */
export type MaskedLayerPath = 'dense-masked' | 'sparse';

/** Where a step case is shown: the main table, or only the sparsity-curve table. */
export type StepSection = 'steps' | 'sparsity-curve';

/** The method of a whole fmnist-lenet300 run (recipes.md grid axes). */
export type WholeRunMethod = { name: 'dense' } | { name: 'rigl'; distribution: 'erk'; sparsity: number };

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

export interface StepCaseFields {
  kind: 'step';
  model: StepModel;
  target: BackendTarget;
  batch: number;
  /** rigl-mlp: the ERK sparsity of the masks; null for the dense models. */
  sparsity: number | null;
  /** rigl-mlp: how the masked layers are computed; null for the dense models. */
  maskedPath: MaskedLayerPath | null;
  section: StepSection;
  /** steps.py's case, thread count and (rigl-mlp) sparsity this step is compared with. */
  peer: { case: StepModel; threads: 1 | 2; sparsity: number | null };
}

export interface WholeRunCaseFields {
  kind: 'whole-run';
  /** The recipe of shared/research/recipes.md, as manifests/fmnist-lenet300/suite.json pins it. */
  recipe: 'fmnist-lenet300';
  method: WholeRunMethod;
  /** Ours runs `rigl-harness run --backend <target.backend>` with `threads` kernel threads. */
  target: BackendTarget;
  /** Both sides run under `taskset -c <cpu>`: one core. */
  cpu: number;
  /** Training epochs: the recipe's 20; --quick cuts both sides to a prefix of the schedule. */
  epochs: { full: number; quick: number };
}

export type BenchCaseDefinition =
  | (CaseBase & StepCaseFields)
  | (CaseBase & { kind: 'mask-update'; model: 'rigl-mlp'; target: BackendTarget })
  | (CaseBase & WholeRunCaseFields)
  | (CaseBase & { kind: 'harness'; cost: HarnessCost; count: { full: number; quick: number } });

export type StepCaseDefinition = Extract<BenchCaseDefinition, { kind: 'step' }>;
export type WholeRunCaseDefinition = Extract<BenchCaseDefinition, { kind: 'whole-run' }>;

/** Batch size of every training step (env-measurements.md §2c; steps.py BATCH). */
export const STEP_BATCH = 128;

/** "wasm-1t", "native-2t", "cpu". */
export function targetLabel(target: BackendTarget): string {
  return target.backend === 'cpu' ? 'cpu' : `${target.backend}-${target.threads}t`;
}

/** The sparsity of the RigL step of the main table (the quick manifest's and the target). */
export const HEADLINE_SPARSITY = 0.9;
/** The sparsity curve of the RigL ERK MLP step on native (issue #8: 0.5–0.98). */
export const CURVE_SPARSITIES: readonly number[] = [0.5, 0.7, 0.8, 0.9, 0.95, 0.98];

const MODEL_TITLES: Record<StepModel, string> = {
  mlp: 'MLP 784-300-100-10 step',
  lenet5: 'LeNet-5-Caffe step',
  'wrn-conv': 'WRN-22-2 block conv 3×3 32→32 step',
  'rigl-mlp': 'RigL ERK MLP step',
};

/** "RigL ERK 90 % MLP step (sparse kernels)"; the dense models' titles as they are. */
function stepTitle(model: StepModel, sparsity: number | null, path: MaskedLayerPath | null): string {
  if (sparsity === null || path === null) return MODEL_TITLES[model];
  const percent = Number((sparsity * 100).toFixed(1));
  return `RigL ERK ${percent} % MLP step (${path === 'sparse' ? 'sparse kernels' : 'dense-masked'})`;
}

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

/**
 * The native backend aims at PyTorch's times (quiet core: MLP ≈ 1.4 ms, LeNet-5 ≈ 30 ms, WRN conv
 * ≈ 75 ms), several times shorter than wasm's, so more calls fit in the same time and steady the median.
 */
const NATIVE_STEP_PLANS: Record<StepModel, { full: IterationPlan; quick: IterationPlan }> = {
  mlp: { full: { iterations: 50, warmup: 5 }, quick: { iterations: 2, warmup: 1 } },
  'rigl-mlp': { full: { iterations: 50, warmup: 5 }, quick: { iterations: 2, warmup: 1 } },
  lenet5: { full: { iterations: 20, warmup: 3 }, quick: { iterations: 1, warmup: 1 } },
  'wrn-conv': { full: { iterations: 10, warmup: 2 }, quick: { iterations: 1, warmup: 0 } },
};

/**
 * A step case. rigl-mlp runs at `sparsity` (the headline 0.9 unless a curve point) and, on the
 * native backend, through the sparse kernels; everywhere else dense-masked, as the loop runs it.
 * The peer is steps.py's same case at the same thread count (the cpu backend is single-threaded
 * JavaScript: compared with PyTorch on one thread) and sparsity.
 */
function stepCase(model: StepModel, target: BackendTarget, options: { plans?: { full: IterationPlan; quick: IterationPlan }; sparsity?: number } = {}): BenchCaseDefinition {
  const sparse = model === 'rigl-mlp';
  const sparsity = sparse ? (options.sparsity ?? HEADLINE_SPARSITY) : null;
  const maskedPath: MaskedLayerPath | null = sparse ? (target.backend === 'native' ? 'sparse' : 'dense-masked') : null;
  const curvePoint = sparse && sparsity !== HEADLINE_SPARSITY;
  return {
    kind: 'step',
    id: curvePoint ? `sparsity-curve/${model}-${sparsity!.toFixed(2)}/${targetLabel(target)}` : `step/${model}/${targetLabel(target)}`,
    title: stepTitle(model, sparsity, maskedPath),
    model,
    target,
    batch: STEP_BATCH,
    sparsity,
    maskedPath,
    section: curvePoint ? 'sparsity-curve' : 'steps',
    peer: { case: model, threads: target.threads, sparsity },
    ...(options.plans ?? (target.backend === 'native' ? NATIVE_STEP_PLANS : STEP_PLANS)[model]),
  };
}

const WASM_1: BackendTarget = { backend: 'wasm', threads: 1 };
const WASM_2: BackendTarget = { backend: 'wasm', threads: 2 };
const NATIVE_1: BackendTarget = { backend: 'native', threads: 1 };
const NATIVE_2: BackendTarget = { backend: 'native', threads: 2 };
const CPU: BackendTarget = { backend: 'cpu', threads: 1 };

/** The curve's points other than the headline sparsity (whose case is step/rigl-mlp/<target>). */
function curveCases(target: BackendTarget): BenchCaseDefinition[] {
  return CURVE_SPARSITIES.filter((s) => s !== HEADLINE_SPARSITY).map((sparsity) => stepCase('rigl-mlp', target, { sparsity }));
}

/**
 * A whole fmnist-lenet300 run on one core: ours (`rigl-harness run`, native, 1 thread) against
 * bench/peer/fmnist_lenet300.py with the same method, both under `taskset -c 0`.
 */
function wholeRunCase(method: WholeRunMethod): BenchCaseDefinition {
  const label = method.name === 'dense' ? 'dense' : `rigl-${method.distribution}-${method.sparsity.toFixed(2)}`;
  const title = method.name === 'dense' ? 'fmnist-lenet300 run, dense' : `fmnist-lenet300 run, RigL ${method.distribution.toUpperCase()} ${method.sparsity.toFixed(2)}`;
  return {
    kind: 'whole-run',
    id: `whole-run/fmnist-lenet300/${label}/${targetLabel(NATIVE_1)}`,
    title,
    recipe: 'fmnist-lenet300',
    method,
    target: NATIVE_1,
    cpu: 0,
    // --quick: one epoch of the same schedule, a smoke test of the plumbing.
    epochs: { full: 20, quick: 1 },
    // One run per side per round; the rounds alternate ours and PyTorch (A B A B).
    full: { iterations: 1, warmup: 0 },
    quick: { iterations: 1, warmup: 0 },
  };
}

export const CASES: readonly BenchCaseDefinition[] = [
  ...STEP_MODELS.map((m) => stepCase(m, WASM_1)),
  ...STEP_MODELS.map((m) => stepCase(m, WASM_2)),
  stepCase('mlp', CPU, { plans: { full: { iterations: 5, warmup: 1 }, quick: { iterations: 1, warmup: 0 } } }),
  ...STEP_MODELS.map((m) => stepCase(m, NATIVE_1)),
  ...STEP_MODELS.map((m) => stepCase(m, NATIVE_2)),
  ...curveCases(NATIVE_1),
  ...curveCases(NATIVE_2),
  {
    kind: 'mask-update',
    id: 'mask-update/rigl-mlp/wasm-1t',
    title: 'RigL mask update, MLP ERK 90 %',
    model: 'rigl-mlp',
    target: WASM_1,
    full: { iterations: 10, warmup: 2 },
    quick: { iterations: 1, warmup: 0 },
  },
  wholeRunCase({ name: 'dense' }),
  wholeRunCase({ name: 'rigl', distribution: 'erk', sparsity: HEADLINE_SPARSITY }),
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
  'RigL steps: wasm and cpu run them dense-masked (what the trainer does there, and what the report\'s code does); ' +
    'native runs the sparse kernels through trainers/step-layouts.ts and the MLP steps through the fused step (trainers/backends/native/dense-chain-step.ts), as the training loop does on native. PyTorch is always dense-masked.',
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
