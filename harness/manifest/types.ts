/**
 * Manifest files as users write them (design.md "Manifests", "Claims and verdicts").
 *
 * Two kinds of file, both JSON with a required `schemaVersion`:
 * - a run file (`kind: "run"`): one run (a `RunManifestInput`, defaults allowed to be omitted) and
 *   the claims checked on it;
 * - a suite file (`kind: "suite"`): a `base` run, a `grid` (a union of blocks, each the product of
 *   named axes), and claims over groups of the expanded runs.
 *
 * The trainer sees only the resolved `RunManifest` (trainers/run-manifest.ts); claims, titles and
 * sources never reach it and are not part of the run id.
 */
import type {
  Augmentation,
  BackendName,
  CountRounding,
  DatasetFileSpec,
  DatasetName,
  DatasetSplit,
  DropFractionSchedule,
  LearningRateSchedule,
  ModelSpec,
  RunManifest,
  RUN_MANIFEST_SCHEMA_VERSION,
  UpdateEnd,
  UpdateStepConvention,
} from '../../trainers/run-manifest.ts';

export const MANIFEST_SCHEMA_VERSION = 1 as const;

/** Where a claimed number comes from. */
export interface ClaimSource {
  /** e.g. "Sundar & Dwaraknath 2021 (arXiv 2103.15767)", or "sanity check (not from a paper)". */
  paper: string;
  /** e.g. "Table 2"; null when the claim is not from a paper table. */
  table: string | null;
  row: string | null;
  column: string | null;
}

/**
 * Selects runs of a suite by axis values: every named axis must match (numbers compare as
 * numbers); a run without the axis does not match a filter on it.
 */
export type GroupSelector = Record<string, string | number>;

export type AverageKind = 'mean' | 'olympic';

interface ClaimCommon {
  /** Stable id within the file, e.g. "B2-rigl-erk-0.9" or "H2". */
  id: string;
  description: string;
  source: ClaimSource;
  /** A summary number: "testAccuracy" (default), "bestTestAccuracy", "flops.trainMultiplier", ... */
  metric: string;
}

export type Claim =
  /** |mean − value| ≤ tolerance (absolute, in the metric's unit). */
  | (ClaimCommon & {
      kind: 'abs';
      group: GroupSelector;
      value: number;
      publishedStd: number | null;
      tolerance: number;
      average: AverageKind;
    })
  /** |mean − value| ≤ tolerance · |value| (relative). */
  | (ClaimCommon & {
      kind: 'rel';
      group: GroupSelector;
      value: number;
      publishedStd: number | null;
      tolerance: number;
      average: AverageKind;
    })
  /** Two one-sided tests that the seed mean is within ±margin of value, at level alpha. */
  | (ClaimCommon & {
      kind: 'equivalence';
      group: GroupSelector;
      value: number;
      publishedStd: number | null;
      margin: number;
      alpha: number;
    })
  /** Group `better` beats group `worse` on the metric (Welch's t-test, one-sided, at alpha). */
  | (ClaimCommon & {
      kind: 'order';
      better: GroupSelector;
      worse: GroupSelector;
      /** "higher" when a larger metric is better (accuracy), "lower" for costs (FLOPs). */
      direction: 'higher' | 'lower';
      alpha: number;
    })
  /** Every sub-claim holds (e.g. H3: SNFS more accurate AND more FLOPs). */
  | (ClaimCommon & { kind: 'all'; claims: Claim[] });

// ---------------------------------------------------------------------------------------------
// Input forms: a run as written in a file, the resolved RunManifest with defaultable parts
// optional. harness/manifest/defaults.ts fills them in once (and documents each default); the
// result is a RunManifest.

/** Defaults: stepConvention 'after-interval', rounding 'floor', replacesOptimizerStep true. */
export interface MaskUpdateScheduleInput {
  intervalSteps: number;
  end: UpdateEnd;
  dropFraction: DropFractionSchedule;
  stepConvention?: UpdateStepConvention;
  rounding?: CountRounding;
  replacesOptimizerStep?: boolean;
}

export type MethodSpecInput =
  | { name: 'dense' }
  | { name: 'static' }
  | { name: 'set'; update: MaskUpdateScheduleInput }
  | { name: 'rigl'; update: MaskUpdateScheduleInput }
  | { name: 'rigl-sg'; update: MaskUpdateScheduleInput }
  | { name: 'rigl-sm'; update: MaskUpdateScheduleInput }
  | { name: 'snfs'; update: MaskUpdateScheduleInput; redistribution: 'momentum' | 'none' }
  /** Defaults: stepConvention 'after-interval', scope 'global', initialSparsity 0. */
  | {
      name: 'gmp';
      startStep: number;
      end: UpdateEnd;
      intervalSteps: number;
      stepConvention?: UpdateStepConvention;
      scope?: 'global' | 'per-layer';
      initialSparsity?: number;
    }
  | { name: 'small-dense'; hiddenSizes: number[] | null };

/** Defaults: denseLayers [] and, for erk, powerScale 1. */
export type DistributionInput =
  | { kind: 'uniform'; denseLayers?: string[] }
  | { kind: 'er'; denseLayers?: string[] }
  | { kind: 'erk'; denseLayers?: string[]; powerScale?: number }
  | { kind: 'custom'; densities: Record<string, number> };

export interface SparsitySpecInput {
  target: number;
  distribution?: DistributionInput;
}

/**
 * A dataset by name; every other field defaults to the catalog's pinned spec for that name
 * (trainers/datasets/catalog.ts), and a field given here replaces the catalog's whole field.
 */
export interface DatasetSpecInput {
  name: DatasetName;
  version?: string;
  files?: DatasetFileSpec[];
  split?: DatasetSplit;
  normalization?: { mean: number[]; std: number[] };
  augmentation?: Augmentation[];
}

/** Defaults: nesterov false, weightDecay 0, weightDecayExclude 'none'. */
export interface OptimizerSpecInput {
  kind: 'sgd';
  momentum: number;
  nesterov?: boolean;
  weightDecay?: number;
  weightDecayExclude?: 'none' | 'biases-and-norms';
}

/**
 * Defaults: keepLastPartialBatch true, learningRate.schedule constant, warmupSteps 0,
 * labelSmoothing 0, multiplier 1, evalBatchSize 1000.
 */
export interface TrainingSpecInput {
  epochs: number;
  batchSize: number;
  keepLastPartialBatch?: boolean;
  optimizer: OptimizerSpecInput;
  learningRate: { initial: number; schedule?: LearningRateSchedule; warmupSteps?: number };
  labelSmoothing?: number;
  multiplier?: number;
  evalBatchSize?: number;
}

/** Defaults: preference [tfjs-node-gpu, tfjs-node, native, wasm, cpu], threads 1. */
export interface BackendSpecInput {
  preference?: BackendName[];
  threads?: number;
}

/** A run as written in a run file (`schemaVersion` defaults to RUN_MANIFEST_SCHEMA_VERSION). */
export interface RunManifestInput {
  schemaVersion?: typeof RUN_MANIFEST_SCHEMA_VERSION;
  seed: number;
  dataset: DatasetSpecInput;
  model: ModelSpec;
  method: MethodSpecInput;
  sparsity?: SparsitySpecInput;
  training: TrainingSpecInput;
  backend?: BackendSpecInput;
}

/**
 * A suite's `base`: a RunManifestInput whose top-level parts may be left to the grid's axes; each
 * expanded run must be a complete RunManifestInput.
 */
export type RunManifestBaseInput = Partial<RunManifestInput>;

export interface RunFile {
  /** Editors' pointer to the JSON Schema (manifests/manifest.schema.json); ignored by the tool. */
  $schema?: string;
  kind: 'run';
  schemaVersion: typeof MANIFEST_SCHEMA_VERSION;
  title: string;
  description?: string;
  run: RunManifestInput;
  claims: Claim[];
}

/** Named axes and the manifest path each one sets (design.md: method → method.name ...). */
export interface AxisDefinition {
  /** Dotted path into the run manifest, e.g. "sparsity.distribution.kind". */
  path: string;
}

/**
 * One block of a grid: the product of its axes. Each axis value is either a scalar (set at the
 * axis's path) or an object `{ value, set }` that also applies `set` to the run, e.g. the method
 * axis value "rigl" with its method config, or "dense" with `{"sparsity": null}`.
 *
 * `set` maps dotted manifest paths to values: each value REPLACES what is at its path (objects
 * are not merged; missing parents are created) and `null` DELETES the key. Within a block, axes
 * apply in the order they are written; for each axis its `set` applies first, then the axis value
 * at the axis path, so the axis value always holds (a later axis that overwrites an earlier axis's
 * path is an error).
 */
export type AxisValue = string | number | { value: string | number; set: Record<string, unknown> };
export type GridBlock = Record<string, AxisValue[]>;

export interface SuiteFile {
  /** Editors' pointer to the JSON Schema (manifests/manifest.schema.json); ignored by the tool. */
  $schema?: string;
  kind: 'suite';
  schemaVersion: typeof MANIFEST_SCHEMA_VERSION;
  title: string;
  description?: string;
  /** Axis name → manifest path; the four standard axes are predefined and may be omitted. */
  axes?: Record<string, AxisDefinition>;
  base: RunManifestBaseInput;
  grid: GridBlock[];
  claims: Claim[];
  /** How the suite's tolerances were chosen, shown in reports. */
  tolerancePolicy?: string;
}

export type ManifestFile = RunFile | SuiteFile;

/** One expanded run of a file: its axis values, resolved manifest and id. */
export interface ExpandedRun {
  /** Position in `plan` order (0-based), what `--index` selects. */
  index: number;
  /**
   * Axis name → value for this run: every known axis (standard or suite-defined) whose path holds
   * a string or number in the resolved manifest, whether the run's block set it or not; an axis
   * whose path is absent (dense: no distribution) is absent here.
   */
  axes: Record<string, string | number>;
  manifest: RunManifest;
  /** sha256 (hex) of the canonical JSON of `manifest`. */
  manifestSha256: string;
  /** Run id derived from manifestSha256 (its first 16 hex digits). */
  runId: string;
}
