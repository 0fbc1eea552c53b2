/**
 * Where each expanded run stands in the store, for `plan` and `run` alike (design.md "Manifests"):
 * stored (complete and current), stale (complete, but made by another trainer version or on
 * another backend), unfinished (resumable from a checkpoint or not), aborted (training failed;
 * retried by `run`), missing, or corrupt (SHA256SUMS does not verify: exit 3).
 */
import type { BackendName } from '../../trainers/run-manifest.ts';
import type { RunSummary } from '../../trainers/run-summary.ts';
import { ChecksumError, CorruptRunError, describeError } from '../errors.ts';
import type { ExpandedRun } from '../manifest/types.ts';
import { inspectRun } from '../run-store.ts';
import type { Store } from '../store/types.ts';
import { expectedBackend } from './backends.ts';

export type RunStoreStatus =
  | { status: 'stored'; summary: RunSummary }
  | { status: 'stale'; summary: RunSummary; reasons: string[] }
  | { status: 'unfinished'; hasCheckpoint: boolean }
  | { status: 'aborted'; reason: string | null; hasCheckpoint: boolean }
  | { status: 'missing' }
  | { status: 'corrupt'; error: ChecksumError | CorruptRunError; message: string };

/** Why a complete run no longer matches what this code would produce; empty when it is current. */
export function staleReasons(summary: RunSummary, expected: { trainerVersion: string; backend: BackendName | null }): string[] {
  const reasons: string[] = [];
  const stored = summary.provenance?.trainerVersion;
  if (stored !== expected.trainerVersion) reasons.push(`trainer version ${stored ?? '(none)'} ≠ current ${expected.trainerVersion}`);
  const backend = summary.provenance?.backend?.name;
  if (expected.backend !== null && backend !== expected.backend) reasons.push(`backend ${backend ?? '(none)'} ≠ expected ${expected.backend}`);
  return reasons;
}

/** What a stored run is compared with: the trainer that would train it now, and --backend. */
export interface CurrentTrainer {
  trainerVersion: string;
  backendOverride: BackendName | null;
}

export async function runStoreStatus(store: Store, run: ExpandedRun, current: CurrentTrainer): Promise<RunStoreStatus> {
  let state;
  try {
    state = await inspectRun(store, run.runId);
  } catch (error) {
    if (error instanceof ChecksumError || error instanceof CorruptRunError) {
      return { status: 'corrupt', error, message: describeError(error) };
    }
    throw error;
  }
  switch (state.state) {
    case 'missing':
      return { status: 'missing' };
    case 'unfinished':
      if (state.aborted !== null) return { status: 'aborted', reason: state.aborted.abortReason, hasCheckpoint: state.hasCheckpoint };
      return { status: 'unfinished', hasCheckpoint: state.hasCheckpoint };
    case 'complete': {
      const reasons = staleReasons(state.summary, {
        trainerVersion: current.trainerVersion,
        backend: expectedBackend(run.manifest.backend.preference, current.backendOverride),
      });
      return reasons.length === 0 ? { status: 'stored', summary: state.summary } : { status: 'stale', summary: state.summary, reasons };
    }
  }
}
