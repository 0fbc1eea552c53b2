/**
 * One run, start to finish, against a store (design.md "Results"):
 *
 * 1. complete and current → skip; complete but stale → retrain from scratch (or keep, with
 *    --reuse-stale); corrupt → fail with exit 3 (results are evidence: never silently replaced);
 * 2. unfinished with a checkpoint of this trainer version → resume: cut events.jsonl back to its
 *    length at that checkpoint; unfinished without one, with one of another trainer version, or
 *    aborted → start over;
 * 3. write manifest.json, train (events appended as they come, checkpoints under checkpoint/);
 * 4. success → summary.json, delete checkpoint/, then SHA256SUMS last (the run is complete);
 *    training failure (exit 4: diverged, no backend/kernel) → summary.json with status "aborted"
 *    and the reason, checkpoint/ deleted, no SHA256SUMS: not complete, so `run` retries it from
 *    the start; interruption (SIGINT/SIGTERM) → the trainer checkpointed; nothing else is written.
 *
 * Aborted summaries record what was observed before the failure; numbers that were never measured
 * are NaN in memory and null in summary.json.
 */
import { TrainerError, TrainingInterruptedError } from '../../trainers/errors.ts';
import { EventKey, type EventSink } from '../../trainers/events.ts';
import { type BackendProvenance, RUN_SUMMARY_SCHEMA_VERSION, type Provenance, type RunSummary } from '../../trainers/run-summary.ts';
import type { TrainResult } from '../../trainers/train-api.ts';
import { ExitCode, describeError, exitCodeOf } from '../errors.ts';
import type { ExpandedRun } from '../manifest/types.ts';
import { gpuModel, machineProvenance } from '../provenance.ts';
import { StoreCheckpoints } from '../run-checkpoints.ts';
import { EventLog } from '../run-events.ts';
import { RUN_FILE, parseEvents, runKey, runPrefix, sealRun, writeManifest, writeSummary } from '../run-store.ts';
import { signSums } from '../signing/signature.ts';
import type { Store } from '../store/types.ts';
import { expectedBackend } from './backends.ts';
import { runStoreStatus } from './stored-state.ts';
import type { InProcessContext, RunOutcome } from './types.ts';

export async function executeRun(run: ExpandedRun, ctx: InProcessContext): Promise<RunOutcome> {
  const base = { index: run.index, runId: run.runId, axes: run.axes };
  const label = `run ${run.index} (${run.runId})`;
  try {
    const state = await runStoreStatus(ctx.store, run, ctx);
    switch (state.status) {
      case 'stored':
        return { ...base, status: 'stored', exitCode: ExitCode.Ok, message: null, wallMs: state.summary.wallMs, metrics: state.summary.metrics };
      case 'corrupt':
        return { ...base, status: 'failed', exitCode: exitCodeOf(state.error), message: `${state.message}; the stored run is left as it is (delete ${runPrefix(run.runId)} to retrain it)`, wallMs: null, metrics: null };
      case 'stale':
        if (ctx.reuseStale) {
          return { ...base, status: 'reused-stale', exitCode: ExitCode.Ok, message: `stale: ${state.reasons.join('; ')}`, wallMs: state.summary.wallMs, metrics: state.summary.metrics };
        }
        ctx.log(`${label}: stored result is stale (${state.reasons.join('; ')}); retraining`);
        await ctx.store.deletePrefix(runPrefix(run.runId));
        break;
      case 'aborted':
        ctx.log(`${label}: the last attempt aborted (${state.reason ?? 'no reason recorded'}); retrying from the start`);
        await ctx.store.deletePrefix(runPrefix(run.runId));
        break;
      case 'unfinished':
        if (!state.hasCheckpoint) await ctx.store.deletePrefix(runPrefix(run.runId));
        break;
      case 'missing':
        break;
    }
    if (ctx.signal.aborted) return { ...base, status: 'not-started', exitCode: ExitCode.Interrupted, message: 'interrupted before it started', wallMs: null, metrics: null };
    return await train(run, ctx);
  } catch (error) {
    return { ...base, status: 'failed', exitCode: exitCodeOf(error), message: describeError(error), wallMs: null, metrics: null };
  }
}

async function train(run: ExpandedRun, ctx: InProcessContext): Promise<RunOutcome> {
  const { store } = ctx;
  const base = { index: run.index, runId: run.runId, axes: run.axes };
  const startedMs = Date.now();
  let marker = await new StoreCheckpoints(store, run.runId).marker();
  if (marker !== null && marker.trainerVersion !== ctx.trainerVersion) {
    // A checkpoint is the private state of the trainer that wrote it: other code starts over.
    ctx.log(`run ${run.index} (${run.runId}): its checkpoint was saved by trainer ${marker.trainerVersion ?? '(unknown)'}, not ${ctx.trainerVersion}; starting over`);
    await store.deletePrefix(runPrefix(run.runId));
    marker = null;
  }

  // Resuming: events.jsonl is cut back to what it held when the checkpoint was saved.
  let initialBytes = 0;
  let earlierEvents: ReturnType<typeof parseEvents> = [];
  if (marker !== null) {
    const eventsKey = runKey(run.runId, RUN_FILE.events);
    const stored = (await store.get(eventsKey)) ?? new Uint8Array();
    const kept = stored.subarray(0, Math.min(marker.eventsBytes, stored.length));
    if (kept.length !== stored.length) await store.put(eventsKey, kept);
    initialBytes = kept.length;
    earlierEvents = parseEvents(kept, eventsKey);
    await store.delete(runKey(run.runId, RUN_FILE.summary));
    ctx.log(`run ${run.index} (${run.runId}): resuming from checkpoint generation ${marker.generation} (saved ${marker.savedAt})`);
  }
  await writeManifest(store, run.runId, run.manifest);

  const events = new EventLog(store, run.runId, initialBytes, earlierEvents[0]?.timeMs ?? null);
  events.replay(earlierEvents);
  const checkpoints = new StoreCheckpoints(store, run.runId, () => events.flush(), ctx.trainerVersion);

  let result: TrainResult;
  try {
    result = await ctx.trainRun({
      manifest: run.manifest,
      runId: run.runId,
      dataDirs: ctx.dataDirs,
      allowDownload: ctx.allowDownload,
      backendOverride: ctx.backendOverride,
      events: announcingBackend(events.sink, (line) => ctx.log(`run ${run.index} (${run.runId}): ${line}`)),
      checkpoints,
      checkpointEveryEpochs: ctx.checkpointEveryEpochs,
      progress: (p) => ctx.progress?.(run, p),
      signal: ctx.signal,
    });
  } catch (error) {
    await events.flush().catch(() => undefined);
    if (error instanceof TrainingInterruptedError) {
      return { ...base, status: 'interrupted', exitCode: ExitCode.Interrupted, message: describeError(error), wallMs: null, metrics: null };
    }
    if (error instanceof TrainerError && error.exitCode === ExitCode.TrainingFailed) {
      const summary = await abortedSummary(run, ctx, events, startedMs, error);
      await writeSummary(store, summary);
      await checkpoints.clear();
      return { ...base, status: 'aborted', exitCode: ExitCode.TrainingFailed, message: summary.abortReason, wallMs: null, metrics: null };
    }
    throw error;
  }
  await events.flush();
  const summary = await successSummary(run, result, events, startedMs);
  await writeSummary(store, summary);
  await checkpoints.clear();
  const key = ctx.signingKey ?? null;
  await sealRun(store, run.runId, key === null ? undefined : (sums) => signSums(sums, key));
  return { ...base, status: result.resumed ? 'resumed' : 'trained', exitCode: ExitCode.Ok, message: null, wallMs: summary.wallMs, metrics: summary.metrics };
}

/**
 * One human line for the backend a run got, with why each better one was skipped (e.g. the native
 * addon did not build, so wasm), from the trainer's `backend` event. Optional packages that are
 * simply not installed (tfjs-node on most machines) are left out of the line; summary.json keeps them.
 */
export function describeBackend(backend: BackendProvenance): string {
  const extras = [backend.details.isa, `${backend.threads} thread${backend.threads === 1 ? '' : 's'}`, backend.determinism].filter(Boolean);
  const skipped = Object.entries(backend.details)
    .filter(([key, reason]) => key.startsWith('skipped.') && !reason.endsWith('is not installed (MODULE_NOT_FOUND)'))
    .map(([key, reason]) => `${key.slice('skipped.'.length)}: ${reason}`);
  return `backend ${backend.name} (${extras.join(', ')})${skipped.length > 0 ? `; skipped ${skipped.join('; ')}` : ''}`;
}

/** Passes events through, logging the backend line when the trainer reports its backend. */
function announcingBackend(sink: EventSink, log: (line: string) => void): EventSink {
  return (event) => {
    if (event.key === EventKey.Backend) log(describeBackend(event.meta as unknown as BackendProvenance));
    sink(event);
  };
}

async function provenanceFor(
  run: ExpandedRun,
  parts: Pick<Provenance, 'trainerVersion' | 'backend' | 'dataset'>,
  events: EventLog,
  startedMs: number,
): Promise<Provenance> {
  const machine = await machineProvenance();
  return {
    ...machine,
    trainerVersion: parts.trainerVersion,
    backend: parts.backend,
    gpuModel: await gpuModel(parts.backend.name),
    dataset: parts.dataset,
    startedAt: new Date(events.observed.firstEventMs ?? startedMs).toISOString(),
    finishedAt: new Date().toISOString(),
  };
}

async function successSummary(run: ExpandedRun, result: TrainResult, events: EventLog, startedMs: number): Promise<RunSummary> {
  return {
    schemaVersion: RUN_SUMMARY_SCHEMA_VERSION,
    runId: run.runId,
    manifestSha256: run.manifestSha256,
    status: 'success',
    abortReason: null,
    metrics: result.metrics,
    layers: result.layers,
    maskUpdates: result.maskUpdates,
    flops: result.flops,
    wallMs: result.wallMs,
    provenance: await provenanceFor(run, { trainerVersion: result.trainerVersion, backend: result.backend, dataset: result.dataset }, events, startedMs),
  };
}

async function abortedSummary(run: ExpandedRun, ctx: InProcessContext, events: EventLog, startedMs: number, error: TrainerError): Promise<RunSummary> {
  const o = events.observed;
  const steps = typeof (error as { step?: unknown }).step === 'number' ? (error as unknown as { step: number }).step : Number.NaN;
  const epochs = events.observed.epochsCompleted > 0 ? events.observed.epochsCompleted : Number.NaN;
  const backendName = o.backend?.name ?? expectedBackend(run.manifest.backend.preference, null) ?? 'cpu';
  return {
    schemaVersion: RUN_SUMMARY_SCHEMA_VERSION,
    runId: run.runId,
    manifestSha256: run.manifestSha256,
    status: 'aborted',
    abortReason: `${error.name}: ${describeError(error)}`,
    metrics: {
      testAccuracy: o.lastTestAccuracy ?? Number.NaN,
      bestTestAccuracy: o.bestTestAccuracy ?? Number.NaN,
      finalTrainLoss: o.lastTrainLoss ?? Number.NaN,
      steps,
      epochs,
    },
    layers: [],
    maskUpdates: o.maskUpdates,
    flops: { denseForward: Number.NaN, inferenceMultiplier: Number.NaN, trainMultiplier: Number.NaN, trainTotalMultiplier: Number.NaN },
    wallMs: Date.now() - startedMs,
    provenance: await provenanceFor(
      run,
      {
        trainerVersion: ctx.trainerVersion,
        backend: o.backend ?? { name: backendName, version: 'unknown', threads: run.manifest.backend.threads, determinism: 'nondeterministic', details: { note: 'the trainer stopped before reporting its backend' } },
        dataset: o.dataset ?? { files: [] },
      },
      events,
      startedMs,
    ),
  };
}
