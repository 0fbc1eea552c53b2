/**
 * What a finished (or aborted) run reports: the `summary.json` contract of shared/design.md
 * ("Results"). Auditors and CI read these names; add fields freely, rename none without a schema
 * version bump.
 */
import type { BackendName } from './run-manifest.ts';

export const RUN_SUMMARY_SCHEMA_VERSION = 1 as const;

export type RunStatus = 'success' | 'aborted';

/** How reproducible a backend's arithmetic is (README "Backends and determinism"). */
export type DeterminismClass =
  /** Same manifest and seed → bit-identical metrics (wasm with one thread, cpu). */
  | 'bit-exact'
  /** Same up to float reassociation (multi-threaded reductions, GPU atomics). */
  | 'nondeterministic';

export interface LayerSummary {
  /** Masked layer name, e.g. "fc1" or "block1.conv2". */
  name: string;
  /** Weight shape: [in, out] for dense layers, [h, w, in, out] for conv layers (tfjs layout). */
  shape: number[];
  /** Number of weights (product of shape). */
  size: number;
  /** Density the distribution assigned (1 for dense layers). */
  targetDensity: number;
  /** Active (mask = 1) weights at the end of the run. */
  activeCount: number;
}

export interface FlopsSummary {
  /**
   * Dense forward FLOPs per example (multiply-adds × 2) of the manifest's model. Multipliers are
   * fractions of it, so small-dense (which trains a narrower model) reports its true cost.
   */
  denseForward: number;
  /** Sparse inference FLOPs of the final model as a fraction of denseForward. */
  inferenceMultiplier: number;
  /** Training FLOPs over the run as a fraction of dense training (3 · f_D per example-step) (rigl-spec §5). */
  trainMultiplier: number;
  /**
   * Training FLOPs of the whole run as a fraction of a 1× dense run: trainMultiplier × the ×k
   * training multiplier (the report's FLOP columns for 2× and 3× rows, e.g. RigL₂× 0.34×). Absent
   * in runs stored before this field was added (the first fmnist-lenet300 runs).
   */
  trainTotalMultiplier?: number;
}

export interface RunMetrics {
  /** Top-1 test accuracy after the last epoch, in percent. */
  testAccuracy: number;
  /** Best end-of-epoch test accuracy, in percent. */
  bestTestAccuracy: number;
  /** Mean training loss over the last epoch. */
  finalTrainLoss: number;
  steps: number;
  epochs: number;
}

export interface BackendProvenance {
  name: BackendName;
  version: string;
  threads: number;
  determinism: DeterminismClass;
  /** e.g. "simd", "threaded-simd" for wasm; kernels this project registered on that backend. */
  details: Record<string, string>;
}

export interface DatasetProvenance {
  /** Per file: where it was read and the sha256 of its unpacked bytes as verified. */
  files: { role: string; path: string; unpackedSha256: string; unpackedBytes: number }[];
}

export interface Provenance {
  toolVersion: string;
  /** Package version plus a hash of trainers/ sources, e.g. "0.1.0+3f2a9c1d". */
  trainerVersion: string;
  gitCommit: string | null;
  gitDirty: boolean | null;
  nodeVersion: string;
  packages: Record<string, string>;
  backend: BackendProvenance;
  cpuModel: string;
  gpuModel: string | null;
  dataset: DatasetProvenance;
  startedAt: string;
  finishedAt: string;
}

export interface RunSummary {
  schemaVersion: typeof RUN_SUMMARY_SCHEMA_VERSION;
  runId: string;
  manifestSha256: string;
  status: RunStatus;
  /** Why the run aborted (error class and message, secrets redacted); null on success. */
  abortReason: string | null;
  metrics: RunMetrics;
  layers: LayerSummary[];
  /** Number of mask updates performed (0 for dense and static). */
  maskUpdates: number;
  flops: FlopsSummary;
  wallMs: number;
  provenance: Provenance;
}
