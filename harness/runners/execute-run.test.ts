import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../trainers/events.ts';
import type { TrainRun } from '../../trainers/train-api.ts';
import { loadManifestText } from '../manifest/load.ts';
import { runFile } from '../manifest/test-fixtures.ts';
import type { ExpandedRun } from '../manifest/types.ts';
import { RUN_FILE, parseEvents, readCompleteRun, runKey, sealRun } from '../run-store.ts';
import { LocalStore } from '../store/local.ts';
import { describeBackend, executeRun } from './execute-run.ts';
import { fakeTrainRun, fakeTrainerVersion } from './fake-trainer.ts';
import type { InProcessContext } from './types.ts';

function expanded(edit: (f: ReturnType<typeof runFile>) => void = () => {}): ExpandedRun {
  const file = runFile();
  file.run.training.epochs = 3;
  file.run.backend = { preference: ['wasm', 'cpu'] };
  edit(file);
  return loadManifestText('r.json', JSON.stringify(file)).runs[0]!;
}

let root: string;
let store: LocalStore;
let logs: string[];
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rigl-exec-'));
  store = new LocalStore(root);
  logs = [];
});

function context(overrides: Partial<InProcessContext> = {}): InProcessContext {
  return {
    store,
    storeUri: root,
    dataDirs: [],
    allowDownload: false,
    backendOverride: null,
    reuseStale: false,
    trainerVersion: fakeTrainerVersion(),
    signal: new AbortController().signal,
    log: (line) => logs.push(line),
    checkpointEveryEpochs: 1,
    trainRun: fakeTrainRun,
    ...overrides,
  };
}

async function events(runId: string): Promise<RunEvent[]> {
  return parseEvents((await store.get(runKey(runId, RUN_FILE.events)))!, 'events');
}

describe('executeRun', () => {
  it('trains, stores a complete run (no checkpoint left), then skips it as stored', async () => {
    const run = expanded();
    let calls = 0;
    const counting: TrainRun = (o) => {
      calls++;
      return fakeTrainRun(o);
    };
    const first = await executeRun(run, context({ trainRun: counting }));
    expect(first).toMatchObject({ status: 'trained', exitCode: 0, runId: run.runId });
    expect(await store.list(`runs/${run.runId}/`)).toEqual(['SHA256SUMS', 'events.jsonl', 'manifest.json', 'summary.json'].map((f) => `runs/${run.runId}/${f}`));
    const complete = await readCompleteRun(store, run.runId);
    expect(complete.summary).toMatchObject({ status: 'success', runId: run.runId, manifestSha256: run.manifestSha256, metrics: { epochs: 3 } });
    expect(complete.summary.provenance).toMatchObject({ nodeVersion: process.version, backend: { name: 'wasm', version: 'fake' } });
    expect(complete.summary.provenance.packages['@tensorflow/tfjs-core']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(complete.events.filter((e) => e.key === 'epoch_stop')).toHaveLength(3);

    const second = await executeRun(run, context({ trainRun: counting }));
    expect(second).toMatchObject({ status: 'stored', exitCode: 0, metrics: complete.summary.metrics });
    expect(calls).toBe(1);
  });

  it('retrains a stale run (other trainer version), unless told to reuse it', async () => {
    const run = expanded();
    await executeRun(run, context());
    const summaryPath = join(root, 'runs', run.runId, 'summary.json');
    const summary = JSON.parse(await readFile(summaryPath, 'utf8')) as { provenance: { trainerVersion: string } };
    summary.provenance.trainerVersion = '0.0.1+000000000000';
    await writeFile(summaryPath, JSON.stringify(summary));
    await sealRun(store, run.runId);

    const reused = await executeRun(run, context({ reuseStale: true }));
    expect(reused).toMatchObject({ status: 'reused-stale', exitCode: 0 });
    expect(reused.message).toMatch(/trainer version 0\.0\.1\+000000000000 ≠ current/);

    const retrained = await executeRun(run, context());
    expect(retrained).toMatchObject({ status: 'trained', exitCode: 0 });
    expect((await readCompleteRun(store, run.runId)).summary.provenance.trainerVersion).not.toBe('0.0.1+000000000000');
  });

  it('records a diverged run as aborted (exit 4): summary with the reason, no SHA256SUMS, no checkpoint; a rerun retries it', async () => {
    const run = expanded((f) => {
      f.run.training.learningRate.initial = 50;
    });
    const outcome = await executeRun(run, context());
    expect(outcome).toMatchObject({ status: 'aborted', exitCode: 4 });
    expect(outcome.message).toMatch(/^TrainingDivergedError: training diverged: loss is NaN at step 19/);
    const keys = await store.list(`runs/${run.runId}/`);
    expect(keys).toEqual(['events.jsonl', 'manifest.json', 'summary.json'].map((f) => `runs/${run.runId}/${f}`));
    const summary = JSON.parse(await readFile(join(root, 'runs', run.runId, 'summary.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    expect(summary.status).toBe('aborted');
    // Measured before the failure: the first epoch's accuracy; never measured: null.
    expect(summary.metrics!.testAccuracy).toEqual(expect.any(Number));
    expect(summary.metrics!.epochs).toBe(1);
    expect(summary.flops).toEqual({ denseForward: null, inferenceMultiplier: null, trainMultiplier: null, trainTotalMultiplier: null });

    const again = await executeRun(run, context());
    expect(again.status).toBe('aborted');
    expect(logs.some((l) => l.includes('the last attempt aborted (TrainingDivergedError'))).toBe(true);
    // Started over: one run_start, not two.
    expect((await events(run.runId)).filter((e) => e.key === 'run_start')).toHaveLength(1);
  });

  it('stops on the signal with a checkpoint (exit 130), then resumes without logging an epoch twice', async () => {
    const run = expanded();
    const controller = new AbortController();
    const interrupted = await executeRun(run, context({ signal: controller.signal, progress: (_r, p) => p.epoch === 0 && controller.abort() }));
    expect(interrupted).toMatchObject({ status: 'interrupted', exitCode: 130 });
    expect(await store.get(runKey(run.runId, RUN_FILE.sums))).toBeNull();
    expect(await store.get(runKey(run.runId, 'checkpoint/COMPLETE'))).not.toBeNull();

    const resumed = await executeRun(run, context());
    expect(resumed).toMatchObject({ status: 'resumed', exitCode: 0 });
    const keys = (await events(run.runId)).map((e) => e.key);
    expect(keys.filter((k) => k === 'epoch_stop')).toHaveLength(3);
    expect(keys.filter((k) => k === 'run_resume')).toHaveLength(1);
    expect(await store.list(`runs/${run.runId}/checkpoint/`)).toEqual([]);
    const complete = await readCompleteRun(store, run.runId);
    const fresh = expanded();
    expect(complete.summary.metrics.testAccuracy).toBe((await fakeTrainRun({ ...context(), manifest: fresh.manifest, runId: fresh.runId, events: () => {}, checkpoints: { load: async () => null, save: async () => {} }, progress: () => {} })).metrics.testAccuracy);
  });

  it('does not resume from a checkpoint another trainer version saved', async () => {
    const run = expanded();
    const controller = new AbortController();
    await executeRun(run, context({ signal: controller.signal, trainerVersion: 'older', progress: (_r, p) => p.epoch === 0 && controller.abort() }));
    const outcome = await executeRun(run, context());
    expect(outcome.status).toBe('trained');
    expect(logs.some((l) => l.includes('its checkpoint was saved by trainer older'))).toBe(true);
    expect((await events(run.runId)).filter((e) => e.key === 'run_resume')).toHaveLength(0);
  });

  it('cuts events written after the last checkpoint when resuming', async () => {
    const run = expanded();
    const controller = new AbortController();
    await executeRun(run, context({ signal: controller.signal, progress: (_r, p) => p.epoch === 1 && controller.abort() }));
    // A crash after the checkpoint would leave extra lines; the resume must drop them.
    await store.append(runKey(run.runId, RUN_FILE.events), new TextEncoder().encode('{"timeMs":0,"type":"point","key":"epoch_stop","value":99,"meta":{}}\n'));
    await executeRun(run, context());
    expect((await events(run.runId)).filter((e) => e.key === 'epoch_stop').map((e) => e.value)).toEqual([0, 1, 2]);
  });

  it('fails a corrupt stored run with exit 3 and leaves its files alone', async () => {
    const run = expanded();
    await executeRun(run, context());
    const path = join(root, 'runs', run.runId, 'events.jsonl');
    await writeFile(path, 'tampered\n');
    const outcome = await executeRun(run, context());
    expect(outcome).toMatchObject({ status: 'failed', exitCode: 3 });
    expect(outcome.message).toMatch(new RegExp(`checksum mismatch for .*runs/${run.runId}/events\\.jsonl`));
    expect(await readFile(path, 'utf8')).toBe('tampered\n');
  });
});

describe('describeBackend', () => {
  const base = { version: '4.22.0', threads: 1, determinism: 'bit-exact' as const };
  it('names the backend, its ISA, threads and determinism', () => {
    expect(describeBackend({ ...base, name: 'native', threads: 2, details: { isa: 'avx512', 'skipped.tfjs-node': '@tensorflow/tfjs-node is not installed (MODULE_NOT_FOUND)' } })).toBe(
      'backend native (avx512, 2 threads, bit-exact)',
    );
  });
  it('says why a better backend was skipped, e.g. a native addon that did not build', () => {
    const line = describeBackend({
      ...base,
      name: 'wasm',
      details: { build: 'simd', 'skipped.native': 'the native addon did not build at install: node-gyp exited with 1: error: x' },
    });
    expect(line).toBe('backend wasm (1 thread, bit-exact); skipped native: the native addon did not build at install: node-gyp exited with 1: error: x');
  });
});
