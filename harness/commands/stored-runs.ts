/**
 * Reading a file's stored runs for `verify` and `report`: each complete run is verified against
 * SHA256SUMS before it is used; corrupt runs are reported (exit 3) and never used; missing,
 * unfinished and aborted runs are listed (their claims become inconclusive).
 */
import type { KeyObject } from 'node:crypto';
import { ChecksumError, CorruptRunError, describeError } from '../errors.ts';
import type { ExpandedRun } from '../manifest/types.ts';
import { RUN_FILE, inspectRun, readCompleteRun, runKey } from '../run-store.ts';
import { expectedBackend } from '../runners/backends.ts';
import { staleReasons } from '../runners/stored-state.ts';
import { SignatureError, checkRunSignature, type SignatureProblem } from '../signing/signature.ts';
import type { Store } from '../store/types.ts';
import type { RunRecord } from '../verify/types.ts';

export interface StoredRuns {
  records: RunRecord[];
  /** Not complete in the store: never trained, unfinished, or aborted (with why). */
  absent: { index: number; runId: string; state: 'missing' | 'unfinished' | 'aborted'; reason: string | null }[];
  /** SHA256SUMS does not verify (exit 3): the file and both hashes are in `message`. */
  corrupt: { index: number; runId: string; file: string | null; message: string; signature?: SignatureProblem }[];
  /** Complete runs made by another trainer version or backend (used, with a warning). */
  stale: { index: number; runId: string; reasons: string[] }[];
}

/** How `verify --public-key FILE [--require-signature]` checks SHA256SUMS.sig (harness/signing). */
export interface SignaturePolicy {
  publicKey: KeyObject;
  /** Refuse unsigned runs too (else only signatures that are present are checked). */
  required: boolean;
}

/**
 * `trainerVersion`: the trainer's version now (stored runs of another are used, with a warning).
 * With `signatures`, a run whose signature is refused is corrupt (exit 3) and not used.
 */
export async function readStoredRuns(store: Store, runs: readonly ExpandedRun[], trainerVersion: string, signatures: SignaturePolicy | null = null): Promise<StoredRuns> {
  const out: StoredRuns = { records: [], absent: [], corrupt: [], stale: [] };
  for (const run of runs) {
    const hasSums = (await store.get(runKey(run.runId, RUN_FILE.sums))) !== null;
    if (!hasSums) {
      const state = await inspectRun(store, run.runId);
      if (state.state === 'unfinished') {
        out.absent.push({ index: run.index, runId: run.runId, state: state.aborted !== null ? 'aborted' : 'unfinished', reason: state.aborted?.abortReason ?? null });
      } else {
        out.absent.push({ index: run.index, runId: run.runId, state: 'missing', reason: null });
      }
      continue;
    }
    try {
      const complete = await readCompleteRun(store, run.runId);
      if (signatures !== null) await checkSignature(store, run.runId, signatures);
      out.records.push({ index: run.index, runId: run.runId, axes: run.axes, summary: complete.summary, events: complete.events });
      const reasons = staleReasons(complete.summary, { trainerVersion, backend: expectedBackend(run.manifest.backend.preference, null) });
      if (reasons.length > 0) out.stale.push({ index: run.index, runId: run.runId, reasons });
    } catch (error) {
      if (!(error instanceof ChecksumError) && !(error instanceof CorruptRunError) && !(error instanceof SignatureError)) throw error;
      out.corrupt.push({ index: run.index, runId: run.runId, file: error instanceof ChecksumError ? error.file : null, message: describeError(error), ...(error instanceof SignatureError ? { signature: error.problem } : {}) });
    }
  }
  return out;
}

async function checkSignature(store: Store, runId: string, policy: SignaturePolicy): Promise<void> {
  const sums = await store.get(runKey(runId, RUN_FILE.sums));
  if (sums === null) throw new CorruptRunError(`${runKey(runId, RUN_FILE.sums)} is missing: the run is not complete`);
  if (!policy.required && (await store.get(runKey(runId, RUN_FILE.signature))) === null) return;
  await checkRunSignature(store, runId, sums, policy.publicKey);
}

/** Lines for stderr about runs that could not be used. */
export function describeStoredRuns(stored: StoredRuns, total: number): string[] {
  const lines = [`stored runs: ${stored.records.length} of ${total} complete and verified`];
  for (const c of stored.corrupt) lines.push(`  ${c.signature === undefined ? 'CORRUPT' : 'REFUSED'} run ${c.index} (${c.runId}): ${c.message}`);
  for (const a of stored.absent) lines.push(`  ${a.state} run ${a.index} (${a.runId})${a.reason === null ? '' : `: ${a.reason}`}`);
  for (const s of stored.stale) lines.push(`  stale run ${s.index} (${s.runId}), used anyway: ${s.reasons.join('; ')}`);
  return lines;
}
