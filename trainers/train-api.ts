/**
 * The trainer's public entry point as the harness sees it. The harness supplies the resolved
 * manifest, where events and checkpoints go, and a stop signal; the trainer returns measured numbers.
 * The trainer knows nothing of stores, runners or claims (design.md "Data flow").
 */
import type { EventSink } from './events.ts';
import type { BackendName, RunManifest } from './run-manifest.ts';
import type {
  BackendProvenance,
  DatasetProvenance,
  FlopsSummary,
  LayerSummary,
  RunMetrics,
} from './run-summary.ts';

/** Checkpoint files by name ("state.json", "weights.bin", ...), saved and loaded as a whole. */
export type CheckpointFiles = Record<string, Uint8Array>;

export interface CheckpointIO {
  /** The latest complete checkpoint, or null when the run has none. */
  load(): Promise<CheckpointFiles | null>;
  /** Replace the checkpoint; a crash during save must leave the previous one loadable. */
  save(files: CheckpointFiles): Promise<void>;
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  step: number;
  totalSteps: number;
  /** Running mean training loss of the current epoch. */
  loss: number;
  /** Last end-of-epoch test accuracy in percent, null before the first evaluation. */
  testAccuracy: number | null;
  elapsedMs: number;
}

export interface TrainRunOptions {
  manifest: RunManifest;
  runId: string;
  /** Extra folders to look for dataset files in, searched before the defaults. */
  dataDirs: string[];
  /** Download missing dataset files from their official URLs (verified before use). */
  allowDownload: boolean;
  /** Force a backend instead of the manifest's preference list. */
  backendOverride: BackendName | null;
  events: EventSink;
  checkpoints: CheckpointIO;
  /** Save a checkpoint every this many epochs (and on stop). */
  checkpointEveryEpochs: number;
  progress: (p: TrainProgress) => void;
  /** Aborting stops the run at the next step boundary: checkpoint, then TrainingInterruptedError. */
  signal: AbortSignal;
}

export interface TrainResult {
  metrics: RunMetrics;
  layers: LayerSummary[];
  maskUpdates: number;
  flops: FlopsSummary;
  backend: BackendProvenance;
  dataset: DatasetProvenance;
  /** Package version plus a hash of trainers/ sources. */
  trainerVersion: string;
  /** Training wall time of this process plus that of earlier attempts recorded in the checkpoint. */
  wallMs: number;
  /** True when the run continued from a checkpoint. */
  resumed: boolean;
}

export type TrainRun = (options: TrainRunOptions) => Promise<TrainResult>;
