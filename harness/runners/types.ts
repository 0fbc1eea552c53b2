/**
 * What runners take and give back. A runner runs a list of expanded runs against a store and
 * returns one outcome per run; a failed run fails itself, never the others.
 */
import type { BackendName } from '../../trainers/run-manifest.ts';
import type { RunMetrics } from '../../trainers/run-summary.ts';
import type { TrainProgress, TrainRun } from '../../trainers/train-api.ts';
import type { ExitCode } from '../errors.ts';
import type { ExpandedRun } from '../manifest/types.ts';
import type { SigningKey } from '../signing/keys.ts';
import type { Store } from '../store/types.ts';

export type RunOutcomeStatus =
  /** Already complete in the store (SHA256SUMS verified) and current: skipped. */
  | 'stored'
  /** Complete but stale (other trainer version or backend), kept because of --reuse-stale. */
  | 'reused-stale'
  /** Trained from the start and stored. */
  | 'trained'
  /** Continued from a checkpoint and stored. */
  | 'resumed'
  /** Training failed (diverged, missing kernel): summary.json says why; not complete (exit 4). */
  | 'aborted'
  /** Stopped by SIGINT/SIGTERM after a checkpoint; `run` again resumes it (exit 130). */
  | 'interrupted'
  /** Could not run: bad config, data, store or checksum, a crashed child, a bug (its exit code). */
  | 'failed'
  /** Not started because the command was interrupted first. */
  | 'not-started';

export interface RunOutcome {
  index: number;
  runId: string;
  axes: Record<string, string | number>;
  status: RunOutcomeStatus;
  exitCode: ExitCode;
  /** Why it failed, aborted or was skipped as stale (redacted); null when there is nothing to say. */
  message: string | null;
  /** Training wall time of the run in ms (all attempts), null when it did not train to the end. */
  wallMs: number | null;
  metrics: RunMetrics | null;
  /** Child runner: the child's last stderr lines when it failed. */
  stderrTail?: string[];
}

export interface RunContext {
  store: Store;
  /** Store URI as given (children get the same). */
  storeUri: string;
  dataDirs: string[];
  allowDownload: boolean;
  backendOverride: BackendName | null;
  reuseStale: boolean;
  /** Version of the trainer that trains here (runners/trainer.ts activeTrainerVersion): stored runs of another are stale. */
  trainerVersion: string;
  /** Aborted on the first SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** Human progress lines (stderr). */
  log: (line: string) => void;
  /**
   * A live status line that the next one replaces (stderr is a terminal); absent when stderr is a
   * file or pipe, where progress falls back to plain lines.
   */
  status?: (line: string) => void;
  checkpointEveryEpochs: number;
  /** --s3-endpoint as given (children and containers get it too); null or absent: none. */
  s3Endpoint?: string | null;
  /** Signs each run's SHA256SUMS (harness/signing) when set; children and containers get it too. */
  signingKey?: SigningKey | null;
}

export interface InProcessContext extends RunContext {
  trainRun: TrainRun;
  /** Progress of the run being trained (throttled by the caller). */
  progress?: (run: ExpandedRun, progress: TrainProgress) => void;
}
