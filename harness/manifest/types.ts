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
import type { RunManifest } from '../../trainers/run-manifest.ts';

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

/**
 * A run as written in a file: the resolved RunManifest with defaultable parts optional. The
 * loader (harness/manifest/) fills defaults once; the result is a RunManifest.
 */
export type RunManifestInput = Partial<RunManifest> & Pick<RunManifest, 'schemaVersion'>;

export interface RunFile {
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
 * axis's path) or an object `{ value, set }` that also merges `set` (a partial run manifest) into
 * the run, e.g. the method axis value "rigl" with its method config.
 */
export type AxisValue = string | number | { value: string | number; set: Record<string, unknown> };
export type GridBlock = Record<string, AxisValue[]>;

export interface SuiteFile {
  kind: 'suite';
  schemaVersion: typeof MANIFEST_SCHEMA_VERSION;
  title: string;
  description?: string;
  /** Axis name → manifest path; the four standard axes are predefined and may be omitted. */
  axes?: Record<string, AxisDefinition>;
  base: RunManifestInput;
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
  /** Axis name → value for this run (axes the run's block did not set are absent). */
  axes: Record<string, string | number>;
  manifest: RunManifest;
  /** sha256 (hex) of the canonical JSON of `manifest`. */
  manifestSha256: string;
  /** Run id derived from manifestSha256 (its first 16 hex digits). */
  runId: string;
}
