/**
 * The suites of the MLRC-2020 RigL reproduction (Sundar & Dwaraknath 2021, "[Re] Rigging the
 * Lottery", ReScience C 7(2) #21, arXiv 2103.15767; "the report") with every published cell of its
 * Tables 1–5 that the harness can train, as claims (shared research claims.md B1–B5, B7):
 *
 *   cifar10-wrn22-2.json       Table 2 (45k/5k split), Table 4, Table 5 (CIFAR-10), the ERK-vs-Random
 *                              figure's FLOP-matched ERK runs; predicates H2–H7, H11
 *   cifar100-resnet50.json     Table 3, Table 5 (CIFAR-100), the figure's CIFAR-100 runs; H2–H7, H11
 *   cifar10-wrn22-2-50k.json   Table 1 (all 50,000 training images), "Ours" and "Original" columns; H1
 *
 * The JSON files are the data; this module keeps the grids, the recipes (rigl-spec §6.1, §6.2) and
 * the tolerance policy consistent, and generate.ts writes them. docs/report-suites.md explains every
 * choice.
 */
import type { Claim, ClaimSource, GridBlock, GroupSelector, RunManifestBaseInput, SuiteFile } from '../../harness/manifest/types.ts';
import type { MethodId } from '../../trainers/run-manifest.ts';

const SEEDS = [0, 1, 2];
/** One-sided level of every order claim (Welch's t-test over 3 seeds per group). */
const ORDER_ALPHA = 0.05;
const REPORT = 'Sundar & Dwaraknath 2021, [Re] Rigging the Lottery (ReScience C 7(2) #21; arXiv 2103.15767)';
const RIGL_PAPER = 'Evci et al. 2020, Rigging the Lottery (ICML), as printed in the report\'s Table 1 "Original" column';

// ---------------------------------------------------------------------------------------------
// Tolerance policy: written once, applied to every abs claim (claims.md §A's suggested band).

/** Floor of the band in percentage points: a 3-seed CIFAR mean moves this much with no change at all. */
const TOLERANCE_FLOOR_PP = 0.3;
/** Band half-width = max(2 × published std, 0.3 pp); 0.3 pp where the report gives no std. */
export function toleranceFor(publishedStd: number | null): number {
  const band = publishedStd === null ? TOLERANCE_FLOOR_PP : Math.max(2 * publishedStd, TOLERANCE_FLOOR_PP);
  return Number(band.toFixed(4));
}
const TOLERANCE_POLICY =
  'abs claims (a published cell): verified when the mean test accuracy of the 3 seeds (0, 1, 2) lies within ' +
  `max(2 × the report's published std, ${TOLERANCE_FLOOR_PP} pp) of the published mean (claims.md §A's suggested band; ` +
  `${TOLERANCE_FLOOR_PP} pp where no std is published). ` +
  `order claims (the report's predicates H2–H7, H11): Welch's one-sided t-test at alpha ${ORDER_ALPHA} over the 3 seeds of each group; ` +
  'verified when it rejects in the claimed direction, failed when it rejects in the opposite one, inconclusive otherwise. ' +
  '"all" claims hold when every part holds (accuracy AND training FLOPs). ' +
  'H1 alone uses the report\'s own words, "within 0.1 %" of the original value, as its band.';

// ---------------------------------------------------------------------------------------------
// Recipes (rigl-spec §6.1 CIFAR-10 WRN-22-2, §6.2 CIFAR-100 ResNet-50).

/** Mask updates end at T_end = 65,918 = 0.75 × 87,891 iterations at 1× (rigl-spec §2.1; REPC `end_when`). */
const T_END_STEPS = 65_918;
const UPDATE_INTERVAL_STEPS = 100;
const DROP_FRACTION = 0.3;
/** GMP: from step 700 to T_end, every 100 steps (rigl-spec §3.6). */
const GMP_START_STEP = 700;
/** CIFAR-10 Pruning runs add a 3,500-iteration linear LR warm-up (REPC makefiles/cifar10.mk). */
const CIFAR10_GMP_WARMUP_STEPS = 3_500;
/** CIFAR-100: 5 epochs × 352 iterations, the report's code (its text says "2 epochs"; docs/report-suites.md). */
const CIFAR100_WARMUP_STEPS = 1_760;
const EPOCHS = 250;

interface Recipe {
  key: 'cifar10' | 'cifar100';
  base: RunManifestBaseInput;
  /** LR ×0.2 every this many iterations at 1× (PyTorch StepLR stepped per iteration). */
  lrDecayEverySteps: number;
  /** Extra `set` entries of the GMP method value (CIFAR-10's Pruning warm-up). */
  gmpExtra: Record<string, unknown>;
  /** Name of the first conv layer, dense under uniform (trainers/models/wrn.ts, resnet50-cifar.ts). */
  firstLayer: string;
}

const backend = { preference: ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] as const, threads: 1 };

function cifar10Recipe(split: 'holdout-tail' | 'official'): Recipe {
  return {
    key: 'cifar10',
    base: {
      schemaVersion: 1,
      seed: 0,
      dataset: {
        name: 'cifar10',
        // 45k/5k: the last 5,000 training images are held out and never used (rigl-spec §6.1).
        split: split === 'holdout-tail' ? { kind: 'holdout-tail', validationCount: 5_000 } : { kind: 'official' },
        augmentation: [{ kind: 'pad-crop', padPixels: 4, padMode: 'reflect' }, { kind: 'horizontal-flip' }],
      },
      model: { name: 'wrn', depth: 22, widthFactor: 2, dropRate: 0.3 },
      training: {
        epochs: EPOCHS,
        batchSize: 128,
        keepLastPartialBatch: true,
        optimizer: { kind: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 5e-4, weightDecayExclude: 'biases-and-norms' },
        learningRate: { initial: 0.1, schedule: { kind: 'step-decay', unit: 'step', every: 30_000, gamma: 0.2 }, warmupSteps: 0 },
        labelSmoothing: 0,
        multiplier: 1,
        evalBatchSize: 1000,
      },
      backend: { preference: [...backend.preference], threads: backend.threads },
    },
    lrDecayEverySteps: 30_000,
    gmpExtra: { 'training.learningRate.warmupSteps': CIFAR10_GMP_WARMUP_STEPS },
    firstLayer: 'conv1',
  };
}

function cifar100Recipe(): Recipe {
  return {
    key: 'cifar100',
    base: {
      schemaVersion: 1,
      seed: 0,
      dataset: {
        name: 'cifar100',
        split: { kind: 'holdout-tail', validationCount: 5_000 },
        // torchvision RandomResizedCrop(32) defaults + flip (rigl-spec §6.2).
        augmentation: [
          { kind: 'random-resized-crop', scaleMin: 0.08, scaleMax: 1, ratioMin: 3 / 4, ratioMax: 4 / 3 },
          { kind: 'horizontal-flip' },
        ],
      },
      model: { name: 'resnet50-cifar' },
      training: {
        epochs: EPOCHS,
        batchSize: 128,
        keepLastPartialBatch: true,
        optimizer: { kind: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 1e-4, weightDecayExclude: 'biases-and-norms' },
        learningRate: {
          initial: 0.1,
          schedule: { kind: 'step-decay', unit: 'step', every: 20_000, gamma: 0.2 },
          warmupSteps: CIFAR100_WARMUP_STEPS,
        },
        labelSmoothing: 0.1,
        multiplier: 1,
        evalBatchSize: 1000,
      },
      backend: { preference: [...backend.preference], threads: backend.threads },
    },
    lrDecayEverySteps: 20_000,
    gmpExtra: {},
    firstLayer: 'conv1',
  };
}

// ---------------------------------------------------------------------------------------------
// Configurations: one per trained cell (3 seeds each).

type Distribution = 'uniform' | 'erk';
type Multiplier = 1 | 2 | 3;

interface Config {
  method: MethodId;
  distribution?: Distribution;
  /** Overall sparsity 1 − density; absent for dense. */
  sparsity?: number;
  multiplier: Multiplier;
  /** Initial drop fraction α and update interval ΔT of the dynamic methods (default 0.3, 100). */
  alpha?: number;
  deltaT?: number;
}

const DYNAMIC: ReadonlySet<MethodId> = new Set(['set', 'snfs', 'rigl', 'rigl-sg', 'rigl-sm']);

function maskUpdate(k: Multiplier, alpha: number, deltaT: number) {
  return {
    intervalSteps: deltaT,
    end: { kind: 'step' as const, step: T_END_STEPS * k },
    dropFraction: { kind: 'cosine' as const, initial: alpha },
    stepConvention: 'after-interval' as const,
    rounding: 'floor' as const,
    replacesOptimizerStep: true,
  };
}

function methodConfig(c: Config): Record<string, unknown> {
  const update = maskUpdate(c.multiplier, c.alpha ?? DROP_FRACTION, c.deltaT ?? UPDATE_INTERVAL_STEPS);
  switch (c.method) {
    case 'dense':
    case 'static':
      return { name: c.method };
    case 'set':
    case 'rigl':
    case 'rigl-sg':
    case 'rigl-sm':
      return { name: c.method, update };
    case 'snfs':
      // The report's SNFS: momentum redistribution and dense momentum (rigl-spec §3.4).
      return { name: 'snfs', update, redistribution: 'momentum' };
    case 'gmp':
      return {
        name: 'gmp',
        startStep: GMP_START_STEP,
        end: { kind: 'step', step: T_END_STEPS * c.multiplier },
        intervalSteps: UPDATE_INTERVAL_STEPS,
        stepConvention: 'after-interval',
        scope: 'global',
        initialSparsity: 0,
      };
    case 'small-dense':
      // CNNs: every channel count × √density, truncated (trainers/methods/small-dense.ts).
      return { name: 'small-dense', hiddenSizes: null };
  }
}

function distributionConfig(kind: Distribution, recipe: Recipe): Record<string, unknown> {
  // Uniform keeps the first layer dense (claims.md §A, rigl-spec §4.1); ERK masks every layer, as
  // the report's code does (its first conv ends up dense at every sparsity ≥ 0.5 anyway, §4.2).
  return kind === 'uniform' ? { kind, denseLayers: [recipe.firstLayer] } : { kind, denseLayers: [], powerScale: 1 };
}

/** The method axis value: the method config and what the method changes outside `method`. */
function methodValue(c: Config, recipe: Recipe) {
  const set: Record<string, unknown> = { method: methodConfig(c) };
  // The base has no sparsity: dense and small-dense (which needs only the target) get no distribution.
  if (c.method === 'gmp') {
    // Global magnitude pruning from a dense start; the first conv is never pruned (rigl-spec §3.6).
    set['sparsity.distribution'] = { kind: 'uniform', denseLayers: [recipe.firstLayer] };
    Object.assign(set, recipe.gmpExtra);
  }
  return { value: c.method, set };
}

/** ×k multiplies epochs, the LR-decay interval and T_end (claims.md §A; T_end is in methodConfig). */
function multiplierValue(k: Multiplier, recipe: Recipe) {
  return {
    value: k,
    set: {
      'training.epochs': EPOCHS * k,
      'training.learningRate.schedule': { kind: 'step-decay', unit: 'step', every: recipe.lrDecayEverySteps * k, gamma: 0.2 },
    },
  };
}

const fixed = (x: number): number => Number(x.toFixed(4));

/** One grid block per configuration family: same method, distribution, multiplier, α and ΔT. */
function gridOf(configs: Config[], recipe: Recipe): GridBlock[] {
  const families = new Map<string, { config: Config; sparsities: number[] }>();
  for (const c of configs) {
    const key = JSON.stringify([c.method, c.distribution ?? null, c.multiplier, c.alpha ?? null, c.deltaT ?? null]);
    const family = families.get(key);
    if (family === undefined) families.set(key, { config: c, sparsities: c.sparsity === undefined ? [] : [c.sparsity] });
    else if (c.sparsity !== undefined && !family.sparsities.includes(c.sparsity)) family.sparsities.push(c.sparsity);
  }
  return [...families.values()].map(({ config, sparsities }) => {
    const block: GridBlock = { method: [methodValue(config, recipe)] };
    if (config.distribution !== undefined) {
      block.distribution = [{ value: config.distribution, set: { 'sparsity.distribution': distributionConfig(config.distribution, recipe) } }];
    }
    if (sparsities.length > 0) block.sparsity = sparsities;
    block.multiplier = [multiplierValue(config.multiplier, recipe)];
    block.seed = [...SEEDS];
    return block;
  });
}

// ---------------------------------------------------------------------------------------------
// Claims

interface Cell {
  config: Config;
  value: number;
  std: number | null;
  table: string;
  row: string;
  column: string;
  /** Why this cell is special (a conflict resolved, an unpublished value), for the description. */
  note?: string;
}

const METHOD_LABEL: Record<MethodId, string> = {
  dense: 'Dense',
  'small-dense': 'Small-Dense',
  static: 'Static',
  set: 'SET',
  snfs: 'SNFS',
  rigl: 'RigL',
  'rigl-sg': 'RigL-SG',
  'rigl-sm': 'RigL-SM',
  gmp: 'Pruning',
};
const SUBSCRIPT: Record<Multiplier, string> = { 1: '', 2: '₂×', 3: '₃×' };

/** The report's row label: "RigL₂× (ERK)"; its uniform initialisation is called "Random". */
function rowLabel(c: Config): string {
  const init = c.distribution === undefined ? '' : c.distribution === 'erk' ? ' (ERK)' : ' (Random)';
  const tuned = c.alpha !== undefined ? ` (α, ΔT) = (${c.alpha}, ${c.deltaT})` : '';
  return `${METHOD_LABEL[c.method]}${SUBSCRIPT[c.multiplier]}${init}${tuned}`;
}

/** "1 − s = 0.1" for the tables headed by density. */
const densityColumn = (s: number): string => `1 − s = ${fixed(1 - s)} (Top-1 %)`;

interface SuiteShape {
  /** Axes besides the standard four. */
  tuningAxes: boolean;
}

function groupOf(c: Config, shape: SuiteShape): GroupSelector {
  const g: GroupSelector = { method: c.method };
  if (c.distribution !== undefined) g.distribution = c.distribution;
  if (c.sparsity !== undefined) g.sparsity = c.sparsity;
  g.multiplier = c.multiplier;
  if (shape.tuningAxes && DYNAMIC.has(c.method)) {
    g.alpha = c.alpha ?? DROP_FRACTION;
    g.deltaT = c.deltaT ?? UPDATE_INTERVAL_STEPS;
  }
  return g;
}

function configId(c: Config): string {
  const parts: string[] = [c.method];
  if (c.distribution !== undefined) parts.push(c.distribution);
  if (c.sparsity !== undefined) parts.push(`s${c.sparsity}`);
  parts.push(`x${c.multiplier}`);
  if (c.alpha !== undefined) parts.push(`a${c.alpha}`, `dt${c.deltaT}`);
  return parts.join('-');
}

function source(paper: string, table: string, row: string, column: string): ClaimSource {
  return { paper, table, row, column };
}

function cellClaim(cell: Cell, shape: SuiteShape, idPrefix: string, paper = REPORT): Claim {
  const tolerance = toleranceFor(cell.std);
  const published = cell.std === null ? `${cell.value} % (no std published)` : `${cell.value} ± ${cell.std} %`;
  return {
    kind: 'abs',
    id: `${idPrefix}-${configId(cell.config)}`,
    description:
      `${cell.table}, ${cell.row}, ${cell.column}: ${published}; band ±${tolerance} pp.` + (cell.note === undefined ? '' : ` ${cell.note}`),
    source: source(paper, cell.table, cell.row, cell.column),
    metric: 'testAccuracy',
    group: groupOf(cell.config, shape),
    value: cell.value,
    publishedStd: cell.std,
    tolerance,
    average: 'mean',
  };
}

function order(
  id: string,
  description: string,
  src: ClaimSource,
  better: Config,
  worse: Config,
  shape: SuiteShape,
  metric: 'testAccuracy' | 'flops.trainMultiplier' = 'testAccuracy',
  direction: 'higher' | 'lower' = 'higher',
): Claim {
  return {
    kind: 'order',
    id,
    description,
    source: src,
    metric,
    better: groupOf(better, shape),
    worse: groupOf(worse, shape),
    direction,
    alpha: ORDER_ALPHA,
  };
}

function all(id: string, description: string, src: ClaimSource, claims: Claim[]): Claim {
  return { kind: 'all', id, description, source: src, metric: 'testAccuracy', claims };
}

/** Two cells of a Table 2/3 row: sparsity 0.9 (density 0.1) and 0.8 (density 0.2). */
function row(
  table: string,
  method: MethodId,
  distribution: Distribution | undefined,
  multiplier: Multiplier,
  at09: [number, number],
  at08: [number, number],
  note: { at09?: string; at08?: string } = {},
): Cell[] {
  const cells: Cell[] = [];
  for (const [s, [value, std], n] of [
    [0.9, at09, note.at09],
    [0.8, at08, note.at08],
  ] as const) {
    const config: Config = { method, multiplier, sparsity: s, ...(distribution === undefined ? {} : { distribution }) };
    cells.push({ config, value, std, table, row: rowLabel(config), column: densityColumn(s), ...(n === undefined ? {} : { note: n }) });
  }
  return cells;
}

const dense: Config = { method: 'dense', multiplier: 1 };
const cfg = (method: MethodId, distribution: Distribution | undefined, sparsity: number, multiplier: Multiplier = 1): Config => ({
  method,
  multiplier,
  sparsity,
  ...(distribution === undefined ? {} : { distribution }),
});
const initName = (d: Distribution): string => (d === 'erk' ? 'ERK' : 'Random');

// ---------------------------------------------------------------------------------------------
// CIFAR-10, WRN-22-2, 45k/5k (report Tables 2, 4, 5 and the ERK-vs-Random figure)

const T2 = 'Table 2';
const T2_CONFLICT =
  'Tables 2 and 4 and the README print 92.6 ± 0.10; Table 5 and the supplementary table print 92.9 ± 0.10; the plotting script has 92.607. ' +
  'claims.md ("Consistency problems") recommends 92.6 (three sources and the script\'s mean), used here.';
const T2_3X_NOTE = 'This row is commented out of the report\'s LaTeX (not in the compiled report): an unpublished value, kept because the runs are in the grid.';
const ALSO_T4_T5 = 'The same cell is printed in Table 4 (reference row) and Table 5.';

const cifar10Cells: Cell[] = [
  { config: dense, value: 93.4, std: 0.07, table: T2, row: 'Dense', column: 'Top-1 %' },
  ...row(T2, 'small-dense', undefined, 1, [89.0, 0.35], [91.0, 0.07]),
  ...row(T2, 'static', 'uniform', 1, [89.1, 0.17], [91.2, 0.16]),
  ...row(T2, 'set', 'uniform', 1, [91.3, 0.47], [92.7, 0.28]),
  ...row(T2, 'rigl', 'uniform', 1, [91.7, 0.18], [92.6, 0.1], { at09: ALSO_T4_T5, at08: T2_CONFLICT }),
  ...row(T2, 'set', 'erk', 1, [92.2, 0.04], [92.9, 0.16]),
  ...row(T2, 'rigl', 'erk', 1, [92.4, 0.06], [93.1, 0.09], { at09: ALSO_T4_T5, at08: ALSO_T4_T5 }),
  ...row(T2, 'static', 'uniform', 2, [89.15, 0.17], [91.2, 0.16]),
  ...row(T2, 'set', 'uniform', 2, [83.3, 15.33], [93.0, 0.22], {
    at09: 'One of the report\'s three seeds collapsed (claims.md H13), hence the std and the wide band.',
  }),
  ...row(T2, 'snfs', 'uniform', 1, [92.4, 0.43], [92.7, 0.2]),
  ...row(T2, 'snfs', 'erk', 1, [92.2, 0.2], [92.8, 0.07]),
  ...row(T2, 'snfs', 'uniform', 2, [92.3, 0.33], [93.2, 0.14]),
  ...row(T2, 'rigl', 'uniform', 2, [92.3, 0.25], [93.0, 0.21]),
  ...row(T2, 'gmp', undefined, 1, [92.6, 0.08], [93.2, 0.27]),
  ...row(T2, 'rigl', 'erk', 2, [92.7, 0.37], [93.3, 0.09]),
  ...row(T2, 'rigl', 'uniform', 3, [92.5, 0.11], [93.2, 0.2], { at09: T2_3X_NOTE, at08: T2_3X_NOTE }),
];

/** Table 4: reference (0.3, 100) at sparsity 0.5 (0.9 and 0.8 are Table 2's cells) and the tuned (α, ΔT). */
const T4 = 'Table 4';
function t4(distribution: Distribution, sparsity: number, value: number, std: number, tuned?: [number, number]): Cell {
  const config: Config = { method: 'rigl', distribution, sparsity, multiplier: 1, ...(tuned === undefined ? {} : { alpha: tuned[0], deltaT: tuned[1] }) };
  const label = `RigL (${initName(distribution)}) ${tuned === undefined ? 'reference (α, ΔT) = (0.3, 100)' : `tuned (α, ΔT) = (${tuned[0]}, ${tuned[1]})`}`;
  return { config, value, std, table: T4, row: label, column: `sparsity ${sparsity} (Top-1 %)` };
}
const table4Cells: Cell[] = [
  t4('uniform', 0.5, 93.3, 0.07),
  t4('erk', 0.5, 93.4, 0.14),
  t4('uniform', 0.9, 91.8, 0.17, [0.197, 50]),
  t4('uniform', 0.8, 92.8, 0.16, [0.448, 150]),
  t4('uniform', 0.5, 93.3, 0.18, [0.459, 550]),
  t4('erk', 0.9, 92.4, 0.23, [0.416, 200]),
  t4('erk', 0.8, 93.1, 0.21, [0.381, 950]),
  t4('erk', 0.5, 93.8, 0.06, [0.287, 500]),
];

const T5 = 'Table 5';
const cifar10Table5Cells: Cell[] = [
  ...row(T5, 'rigl-sg', 'uniform', 1, [92.2, 0.17], [92.7, 0.25]),
  ...row(T5, 'rigl-sm', 'uniform', 1, [92.2, 0.2], [92.9, 0.21]),
  ...row(T5, 'rigl-sg', 'erk', 1, [92.1, 0.19], [92.7, 0.19]),
  ...row(T5, 'rigl-sm', 'erk', 1, [92.27, 0.01], [93.0, 0.13]),
];

/**
 * The ERK-vs-Random figure (claims.md B7, H7): RigL ERK at the density whose training FLOPs equal
 * RigL uniform's at sparsity 0.9 / 0.8 / 0.5. The report does not print these densities; the
 * report code's history has 0.0587 / 0.1145 / 0.2855 (CIFAR-10) and 0.044 / 0.088 / 0.298 (CIFAR-100).
 */
const FIG = 'Figure fig:erk-vs-random-FLOPs';
interface FlopMatched {
  uniformSparsity: number;
  erkDensity: number;
  erk: [number, number];
}
function figCells(matches: FlopMatched[]): Cell[] {
  return matches.map((m) => {
    const config: Config = { method: 'rigl', distribution: 'erk', sparsity: fixed(1 - m.erkDensity), multiplier: 1 };
    return {
      config,
      value: m.erk[0],
      std: m.erk[1],
      table: FIG,
      row: `RigL (ERK), density ${m.erkDensity} (training FLOPs matched to RigL (Random) at sparsity ${m.uniformSparsity})`,
      column: 'Top-1 %',
      note: 'Values from the report\'s plotting code (visualization/erk_vs_random_FLOPs.py); the ERK density is inferred from the report code\'s history, not printed in the report.',
    };
  });
}
const CIFAR10_FLOP_MATCHED: FlopMatched[] = [
  { uniformSparsity: 0.9, erkDensity: 0.0587, erk: [91.43, 0.015] },
  { uniformSparsity: 0.8, erkDensity: 0.1145, erk: [92.22, 0.12] },
  { uniformSparsity: 0.5, erkDensity: 0.2855, erk: [93.28, 0.15] },
];
const CIFAR100_FLOP_MATCHED: FlopMatched[] = [
  { uniformSparsity: 0.9, erkDensity: 0.044, erk: [71.07, 0.39] },
  { uniformSparsity: 0.8, erkDensity: 0.088, erk: [71.98, 0.3] },
  { uniformSparsity: 0.5, erkDensity: 0.298, erk: [74.18, 0.43] },
];

// ---------------------------------------------------------------------------------------------
// CIFAR-100, ResNet-50 (report Table 3, Table 5, the figure)

const T3 = 'Table 3';
const cifar100Cells: Cell[] = [
  { config: dense, value: 74.7, std: 0.38, table: T3, row: 'Dense', column: 'Top-1 %' },
  ...row(T3, 'static', 'uniform', 1, [69.7, 0.42], [72.3, 0.3]),
  ...row(T3, 'small-dense', undefined, 1, [70.8, 0.22], [72.6, 0.93]),
  ...row(T3, 'set', 'uniform', 1, [71.4, 0.35], [73.4, 0.45]),
  ...row(T3, 'rigl', 'uniform', 1, [71.8, 0.33], [73.5, 0.04], { at09: 'The same cell is printed in Table 5.', at08: 'The same cell is printed in Table 5.' }),
  ...row(T3, 'static', 'erk', 1, [71.5, 0.18], [73.2, 0.39]),
  ...row(T3, 'set', 'erk', 1, [72.3, 0.39], [73.5, 0.25]),
  ...row(T3, 'rigl', 'erk', 1, [72.6, 0.37], [73.4, 0.15], { at09: 'The same cell is printed in Table 5.', at08: 'The same cell is printed in Table 5.' }),
  ...row(T3, 'snfs', 'uniform', 1, [72.3, 0.2], [73.9, 0.2]),
  ...row(T3, 'snfs', 'erk', 1, [73.0, 0.33], [73.9, 0.27]),
  ...row(T3, 'gmp', undefined, 1, [73.1, 0.32], [73.8, 0.23]),
  ...row(T3, 'rigl', 'uniform', 2, [73.1, 0.71], [74.0, 0.24]),
  ...row(T3, 'rigl', 'uniform', 3, [73.7, 0.16], [74.2, 0.23]),
  ...row(T3, 'rigl', 'erk', 2, [73.6, 0.05], [74.4, 0.1]),
];
const cifar100Table5Cells: Cell[] = [
  ...row(T5, 'rigl-sg', 'uniform', 1, [72.3, 0.12], [73.7, 0.15]),
  ...row(T5, 'rigl-sm', 'uniform', 1, [72.6, 0.27], [73.7, 0.35]),
  ...row(T5, 'rigl-sg', 'erk', 1, [73.0, 0.13], [74.2, 0.26]),
  ...row(T5, 'rigl-sm', 'erk', 1, [72.6, 0.27], [74.2, 0.13]),
];
/** The figure's RigL (Random) at sparsity 0.5 on CIFAR-100 is in no table. */
const cifar100UniformHalf: Cell = {
  config: cfg('rigl', 'uniform', 0.5),
  value: 74.27,
  std: 0.31,
  table: FIG,
  row: 'RigL (Random), sparsity 0.5',
  column: 'Top-1 %',
  note: 'Values from the report\'s plotting code (visualization/erk_vs_random_FLOPs.py).',
};

// ---------------------------------------------------------------------------------------------
// The report's predicates (claims.md B0) as order / all claims.

const SPARSITIES = [0.9, 0.8] as const;

function predicateClaims(dataset: 'C10' | 'C100', shape: SuiteShape, matches: FlopMatched[]): Claim[] {
  const claims: Claim[] = [];
  const table = dataset === 'C10' ? T2 : T3;

  // H2: at a fixed training-FLOP budget RigL beats the other sparse-to-sparse methods.
  const h2Rivals: Record<Distribution, MethodId[]> =
    dataset === 'C10' ? { uniform: ['set', 'static', 'small-dense'], erk: ['set'] } : { uniform: ['set', 'static', 'small-dense'], erk: ['set', 'static'] };
  for (const d of ['uniform', 'erk'] as const) {
    for (const s of SPARSITIES) {
      for (const rival of h2Rivals[d]) {
        const rivalConfig = rival === 'small-dense' ? cfg('small-dense', undefined, s) : cfg(rival, d, s);
        const src = source(REPORT, table, `RigL (${initName(d)}) vs ${rowLabel(rivalConfig)}`, densityColumn(s));
        claims.push(
          order(`H2-rigl-beats-${rival}-${d}-s${s}`, `H2: at equal training FLOPs RigL (${initName(d)}) beats ${rowLabel(rivalConfig)} at sparsity ${s} (report results.tex; claims.md B0).`, src, cfg('rigl', d, s), rivalConfig, shape),
        );
      }
    }
  }

  // H3: SNFS beats RigL but needs more training FLOPs (uniform, where the report shows it).
  for (const s of SPARSITIES) {
    const snfs = cfg('snfs', 'uniform', s);
    const rigl = cfg('rigl', 'uniform', s);
    const src = source(REPORT, table, 'SNFS (Random) vs RigL (Random)', `${densityColumn(s)} and train FLOPs`);
    claims.push(
      all(`H3-snfs-beats-rigl-at-more-flops-uniform-s${s}`, `H3: SNFS is more accurate than RigL and costs more training FLOPs (Random, sparsity ${s}).`, src, [
        order(`H3-acc-uniform-s${s}`, 'SNFS more accurate than RigL', src, snfs, rigl, shape),
        order(`H3-flops-uniform-s${s}`, 'SNFS costs more training FLOPs than RigL', src, snfs, rigl, shape, 'flops.trainMultiplier', 'higher'),
      ]),
    );
  }

  // H4: trained longer, RigL beats SNFS at comparable or fewer FLOPs (claims.md B0's cells). Only
  // the accuracy half is a claim: `flops.trainMultiplier` is a per-step fraction of dense training
  // of the same length, while H4 compares totals (k × per-step for RigL k×; docs/report-suites.md).
  const h4: [Config, Config][] =
    dataset === 'C10'
      ? [
          [cfg('rigl', 'erk', 0.9, 2), cfg('snfs', 'uniform', 0.9)],
          [cfg('rigl', 'uniform', 0.8, 2), cfg('snfs', 'uniform', 0.8)],
        ]
      : [
          [cfg('rigl', 'uniform', 0.9, 3), cfg('snfs', 'erk', 0.9)],
          [cfg('rigl', 'uniform', 0.8, 2), cfg('snfs', 'uniform', 0.8)],
        ];
  for (const [rigl, snfs] of h4) {
    const tag = `${rigl.distribution}-x${rigl.multiplier}-vs-snfs-${snfs.distribution}-s${rigl.sparsity}`;
    const src = source(REPORT, table, `${rowLabel(rigl)} vs ${rowLabel(snfs)}`, densityColumn(rigl.sparsity!));
    claims.push(
      order(
        `H4-rigl-${tag}`,
        `H4: ${rowLabel(rigl)} is more accurate than ${rowLabel(snfs)}, which costs more training FLOPs in total (sparsity ${rigl.sparsity}; derived in claims.md B0; the FLOP half is not checked here).`,
        src,
        rigl,
        snfs,
        shape,
      ),
    );
  }

  // H5: trained longer, RigL matches or beats iterative pruning.
  const h5: Config[] = dataset === 'C10' ? [cfg('rigl', 'erk', 0.9, 2)] : [cfg('rigl', 'uniform', 0.9, 3), cfg('rigl', 'uniform', 0.8, 2)];
  for (const rigl of h5) {
    const pruning = cfg('gmp', undefined, rigl.sparsity!);
    const src = source(REPORT, table, `${rowLabel(rigl)} vs Pruning`, densityColumn(rigl.sparsity!));
    claims.push(
      order(
        `H5-rigl-${rigl.distribution}-x${rigl.multiplier}-beats-pruning-s${rigl.sparsity}`,
        `H5: ${rowLabel(rigl)} is more accurate than Pruning at sparsity ${rigl.sparsity} (report results.tex; ${dataset === 'C10' ? 'the report says "matches or exceeds": a tie leaves this inconclusive' : 'Table 3 caption'}).`,
        src,
        rigl,
        pruning,
        shape,
      ),
    );
  }

  // H6: ERK beats uniform at equal parameter count, at higher FLOPs (all sparse methods but SNFS).
  const h6Methods: MethodId[] = dataset === 'C10' ? ['set', 'rigl'] : ['static', 'set', 'rigl'];
  for (const m of h6Methods) {
    for (const s of SPARSITIES) {
      const erk = cfg(m, 'erk', s);
      const uniform = cfg(m, 'uniform', s);
      const src = source(REPORT, table, `${rowLabel(erk)} vs ${rowLabel(uniform)}`, `${densityColumn(s)} and train FLOPs`);
      claims.push(
        all(`H6-erk-beats-uniform-${m}-s${s}`, `H6: ERK beats Random for ${METHOD_LABEL[m]} at equal parameter count, at more training FLOPs (sparsity ${s}).`, src, [
          order(`H6-acc-${m}-s${s}`, `${rowLabel(erk)} more accurate than ${rowLabel(uniform)}`, src, erk, uniform, shape),
          order(`H6-flops-${m}-s${s}`, `${rowLabel(erk)} costs more training FLOPs than ${rowLabel(uniform)}`, src, erk, uniform, shape, 'flops.trainMultiplier', 'higher'),
        ]),
      );
    }
  }

  // H7: at equal training FLOPs, uniform beats ERK (RigL).
  for (const m of matches) {
    const uniform = cfg('rigl', 'uniform', m.uniformSparsity);
    const erk = cfg('rigl', 'erk', fixed(1 - m.erkDensity));
    claims.push(
      order(
        `H7-uniform-beats-flop-matched-erk-s${m.uniformSparsity}`,
        `H7: at equal training FLOPs RigL (Random) at sparsity ${m.uniformSparsity} beats RigL (ERK) at density ${m.erkDensity} (report results_beyond.tex, abstract).`,
        source(REPORT, FIG, `RigL (Random) s = ${m.uniformSparsity} vs RigL (ERK) density ${m.erkDensity}`, 'Top-1 %'),
        uniform,
        erk,
        shape,
      ),
    );
  }

  // H11: redistribution improves RigL with uniform init, at more FLOPs (the ERK half, "no gain", is
  // not an order claim; docs/report-suites.md).
  for (const m of ['rigl-sg', 'rigl-sm'] as const) {
    for (const s of SPARSITIES) {
      const redistributed = cfg(m, 'uniform', s);
      const rigl = cfg('rigl', 'uniform', s);
      const src = source(REPORT, T5, `${rowLabel(redistributed)} vs RigL (Random)`, `${densityColumn(s)} and train FLOPs`);
      claims.push(
        all(`H11-${m}-beats-rigl-uniform-s${s}`, `H11: ${METHOD_LABEL[m]} beats RigL with Random initialisation at more training FLOPs (sparsity ${s}).`, src, [
          order(`H11-acc-${m}-s${s}`, `${METHOD_LABEL[m]} more accurate than RigL (Random)`, src, redistributed, rigl, shape),
          order(`H11-flops-${m}-s${s}`, `${METHOD_LABEL[m]} costs more training FLOPs than RigL (Random)`, src, redistributed, rigl, shape, 'flops.trainMultiplier', 'higher'),
        ]),
      );
    }
  }
  return claims;
}

// ---------------------------------------------------------------------------------------------
// CIFAR-10, 50k (report Table 1)

const T1 = 'Table 1';
interface T1Row {
  config: Config;
  ours: number;
  original: number;
}
const table1Rows: T1Row[] = [
  { config: dense, ours: 94.6, original: 94.1 },
  { config: cfg('static', 'erk', 0.9), ours: 91.6, original: 91.6 },
  { config: cfg('static', 'erk', 0.8), ours: 93.2, original: 92.9 },
  { config: cfg('static', 'erk', 0.5), ours: 94.3, original: 94.2 },
  { config: cfg('gmp', undefined, 0.9), ours: 93.2, original: 93.3 },
  { config: cfg('gmp', undefined, 0.8), ours: 93.6, original: 93.5 },
  { config: cfg('gmp', undefined, 0.5), ours: 94.3, original: 94.1 },
  { config: cfg('rigl', 'erk', 0.9), ours: 93.2, original: 93.1 },
  { config: cfg('rigl', 'erk', 0.8), ours: 93.8, original: 93.8 },
  { config: cfg('rigl', 'erk', 0.5), ours: 94.4, original: 94.3 },
];
const t1Column = (c: Config, which: 'Ours' | 'Original'): string =>
  `${which}${c.sparsity === undefined ? '' : `, sparsity ${c.sparsity}`} (Top-1 %)`;
/** The headline's own band: "within 0.1 %" (report front_page.tex, "Results"). */
const H1_TOLERANCE_PP = 0.1;

function table1Claims(shape: SuiteShape): Claim[] {
  const claims: Claim[] = [];
  for (const r of table1Rows) {
    const rowName = rowLabel(r.config);
    claims.push(
      cellClaim({ config: r.config, value: r.ours, std: null, table: T1, row: rowName, column: t1Column(r.config, 'Ours') }, shape, 'T1-ours'),
      cellClaim(
        {
          config: r.config,
          value: r.original,
          std: null,
          table: T1,
          row: rowName,
          column: t1Column(r.config, 'Original'),
          note: 'The RigL authors\' number as the report prints it (claims.md B0\': issue #8 of the authors\' repository gives values up to 0.2 pp lower).',
        },
        shape,
        'T1-original',
        RIGL_PAPER,
      ),
    );
  }
  const rigl = table1Rows.filter((r) => r.config.method === 'rigl');
  claims.push(
    all(
      'H1',
      'H1, the report\'s headline: RigL\'s CIFAR-10 performance is reproduced within 0.1 % of the original value (RigL ERK at sparsity 0.9, 0.8 and 0.5, all 50,000 training images).',
      source(REPORT, T1, 'RigL (ERK) "Ours" vs "Original"', 'sparsity 0.9, 0.8, 0.5'),
      rigl.map((r) => ({
        kind: 'abs' as const,
        id: `H1-rigl-erk-s${r.config.sparsity}`,
        description: `RigL (ERK) at sparsity ${r.config.sparsity} within ${H1_TOLERANCE_PP} pp of the original ${r.original} %.`,
        source: source(RIGL_PAPER, T1, 'RigL (ERK)', t1Column(r.config, 'Original')),
        metric: 'testAccuracy',
        group: groupOf(r.config, shape),
        value: r.original,
        publishedStd: null,
        tolerance: H1_TOLERANCE_PP,
        average: 'mean' as const,
      })),
    ),
  );
  return claims;
}

// ---------------------------------------------------------------------------------------------
// Suites

/** Every trained configuration: the cells' and the predicates' (deduplicated, first-seen order). */
function configsOf(cells: Cell[], extra: Config[] = []): Config[] {
  const seen = new Map<string, Config>();
  for (const c of [...cells.map((cell) => cell.config), ...extra]) {
    const id = configId(c);
    if (!seen.has(id)) seen.set(id, c);
  }
  return [...seen.values()];
}

const MULTIPLIER_AXIS = { multiplier: { path: 'training.multiplier' } };
const TUNING_AXES = {
  alpha: { path: 'method.update.dropFraction.initial' },
  deltaT: { path: 'method.update.intervalSteps' },
};

function suite(
  title: string,
  description: string,
  recipe: Recipe,
  cells: Cell[],
  extraClaims: Claim[],
  shape: SuiteShape,
  cellIdPrefix: (cell: Cell) => string,
): SuiteFile {
  return {
    $schema: '../manifest.schema.json',
    kind: 'suite',
    schemaVersion: 1,
    title,
    description,
    tolerancePolicy: TOLERANCE_POLICY,
    axes: { ...MULTIPLIER_AXIS, ...(shape.tuningAxes ? TUNING_AXES : {}) },
    base: recipe.base,
    grid: gridOf(configsOf(cells), recipe),
    claims: [...cells.map((cell) => cellClaim(cell, shape, cellIdPrefix(cell))), ...extraClaims],
  };
}

const tablePrefix = (cell: Cell): string => (cell.table === FIG ? 'FIG' : cell.table.replace('Table ', 'T'));

export function cifar10Suite(): SuiteFile {
  const shape: SuiteShape = { tuningAxes: true };
  const cells = [...cifar10Cells, ...table4Cells, ...cifar10Table5Cells, ...figCells(CIFAR10_FLOP_MATCHED)];
  return suite(
    'rigl-report / CIFAR-10 WRN-22-2 (45k/5k): the report\'s Tables 2, 4, 5 and its ERK-vs-Random figure',
    'WRN-22-2 on CIFAR-10 with the report\'s recipe (rigl-spec §6.1): 45,000 training images (the last 5,000 held out), reflect-pad-4 crop + flip, ' +
      'SGD Nesterov 0.9, lr 0.1 × 0.2 every 30,000 iterations, weight decay 5e-4 (not on biases or BN), batch 128, 250 epochs (×k: epochs, LR-decay interval and T_end × k), ' +
      'α 0.3, ΔT 100, cosine drop fraction until T_end = 65,918; Pruning from 700 to 65,918 every 100 with a 3,500-iteration warm-up; seeds 0–2. ' +
      'Every published cell of Tables 2, 4 and 5 for a method the harness implements is an abs claim; H2–H7 and H11 are order claims. ' +
      'Needs a GPU (docs/report-suites.md). Generated by manifests/rigl-report/generate.ts.',
    cifar10Recipe('holdout-tail'),
    cells,
    predicateClaims('C10', shape, CIFAR10_FLOP_MATCHED),
    shape,
    tablePrefix,
  );
}

export function cifar100Suite(): SuiteFile {
  const shape: SuiteShape = { tuningAxes: false };
  const cells = [...cifar100Cells, ...cifar100Table5Cells, cifar100UniformHalf, ...figCells(CIFAR100_FLOP_MATCHED)];
  return suite(
    'rigl-report / CIFAR-100 ResNet-50 (45k/5k): the report\'s Tables 3, 5 and its ERK-vs-Random figure',
    'ResNet-50 (3×3 stem, no max-pool) on CIFAR-100 with the report\'s recipe (rigl-spec §6.2): 45,000 training images, RandomResizedCrop(32) + flip, ' +
      'SGD Nesterov 0.9, lr 0.1 × 0.2 every 20,000 iterations after a 1,760-iteration linear warm-up, weight decay 1e-4 (not on biases or BN), label smoothing 0.1, ' +
      'batch 128, 250 epochs (×k: epochs, LR-decay interval and T_end × k), α 0.3, ΔT 100, cosine until T_end = 65,918; Pruning from 700 to 65,918 every 100; seeds 0–2. ' +
      'Every published cell of Tables 3 and 5 for a method the harness implements is an abs claim; H2–H7 and H11 are order claims. ' +
      'Needs a GPU (docs/report-suites.md). Generated by manifests/rigl-report/generate.ts.',
    cifar100Recipe(),
    cells,
    predicateClaims('C100', shape, CIFAR100_FLOP_MATCHED),
    shape,
    tablePrefix,
  );
}

export function cifar10FullSuite(): SuiteFile {
  const shape: SuiteShape = { tuningAxes: false };
  const claims = table1Claims(shape);
  const s: SuiteFile = {
    $schema: '../manifest.schema.json',
    kind: 'suite',
    schemaVersion: 1,
    title: 'rigl-report / CIFAR-10 WRN-22-2 on all 50,000 training images: the report\'s Table 1 and its headline H1',
    description:
      'The report\'s replication check (Table 1): its CIFAR-10 recipe (rigl-spec §6.1, iteration counts as in its config: LR × 0.2 every 30,000 iterations, T_end 65,918) ' +
      'trained on the official 50,000 / 10,000 split with no validation hold-out, as the RigL authors did. Each row is checked against both columns: ' +
      '"Ours" (the report\'s numbers) and "Original" (the RigL authors\' numbers as the report prints them). H1 is the headline: RigL (ERK) within 0.1 % of "Original". ' +
      'Needs a GPU (docs/report-suites.md). Generated by manifests/rigl-report/generate.ts.',
    tolerancePolicy: TOLERANCE_POLICY,
    axes: { ...MULTIPLIER_AXIS },
    base: cifar10Recipe('official').base,
    grid: gridOf(configsOf([], table1Rows.map((r) => r.config)), cifar10Recipe('official')),
    claims,
  };
  return s;
}

/** File name → suite, in the order generate.ts writes them. */
export function reportSuites(): [string, SuiteFile][] {
  return [
    ['cifar10-wrn22-2.json', cifar10Suite()],
    ['cifar100-resnet50.json', cifar100Suite()],
    ['cifar10-wrn22-2-50k.json', cifar10FullSuite()],
  ];
}

/** The JSON text of a suite file as committed (two-space indent, final newline). */
export function suiteJson(file: SuiteFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}
