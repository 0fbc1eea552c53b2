import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainingDivergedError, TrainingInterruptedError } from './errors.ts';
import { EventKey } from './events.ts';
import { trainRun } from './train.ts';
import { MemoryCheckpoints, tinyDataset, tinyManifest, tinyOptions } from './testing/tiny-run.ts';

let data: Awaited<ReturnType<typeof tinyDataset>>;
beforeAll(async () => {
  data = await tinyDataset();
});
afterAll(async () => {
  await data.cleanup();
});

describe('trainRun', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    it(`gives bit-identical metrics for the same manifest and seed on ${backend}`, async () => {
      const manifest = tinyManifest(data.spec, backend);
      const a = await trainRun(tinyOptions(manifest, data.dataDir));
      const b = await trainRun(tinyOptions(manifest, data.dataDir));
      expect(a.backend.name).toBe(backend);
      expect(a.backend.determinism).toBe('bit-exact');
      expect(b.metrics).toEqual(a.metrics);
      expect(b.layers).toEqual(a.layers);
      expect(a.maskUpdates).toBeGreaterThan(0);
      // A different seed is a different run.
      const c = await trainRun(tinyOptions(tinyManifest(data.spec, backend, { seed: 1 }), data.dataDir));
      expect(c.metrics.finalTrainLoss).not.toBe(a.metrics.finalTrainLoss);
    });
  }

  it('keeps exact per-layer counts and reports every mask update and epoch as events', async () => {
    const options = tinyOptions(tinyManifest(data.spec, 'wasm'), data.dataDir);
    const result = await trainRun(options);
    const counts = result.layers.map((l) => l.activeCount);
    // ERK at 0.8 over 784·32, 32·16, 16·10 (rigl-spec §4.2); the counts never drift during training.
    const updates = options.eventLog.filter((e) => e.key === EventKey.MaskUpdate);
    expect(updates.length).toBe(result.maskUpdates);
    for (const u of updates) {
      const layers = (u.meta as { layers: { name: string; active: number }[] }).layers;
      expect(layers.map((l) => l.active)).toEqual(counts);
    }
    expect(options.eventLog.filter((e) => e.key === EventKey.EvalAccuracy).map((e) => e.meta.epoch)).toEqual([0, 1, 2]);
    expect(options.eventLog.at(-1)!.key).toBe(EventKey.RunStop);
    expect(result.metrics.steps).toBe(36);
    expect(result.flops.trainMultiplier).toBeGreaterThan(0);
    expect(result.flops.trainMultiplier).toBeLessThan(1);
  });

  it('resumes from a checkpoint written on a stop request and ends bit-identical to an uninterrupted run', async () => {
    const manifest = tinyManifest(data.spec, 'wasm');
    const straight = await trainRun(tinyOptions(manifest, data.dataDir));

    const checkpoints = new MemoryCheckpoints();
    const stop = new AbortController();
    const first = tinyOptions(manifest, data.dataDir, {
      checkpoints,
      signal: stop.signal,
      // Stop in the middle of the second epoch, after a mask update.
      progress: (p) => {
        if (p.step >= 20) stop.abort();
      },
    });
    await expect(trainRun(first)).rejects.toBeInstanceOf(TrainingInterruptedError);
    expect(checkpoints.files).not.toBeNull();

    const second = tinyOptions(manifest, data.dataDir, { checkpoints });
    const resumed = await trainRun(second);
    expect(resumed.resumed).toBe(true);
    expect(second.eventLog.some((e) => e.key === EventKey.RunResume)).toBe(true);
    expect(resumed.metrics).toEqual(straight.metrics);
    expect(resumed.layers).toEqual(straight.layers);
  });

  it('stops with a typed error naming the step when the loss diverges', async () => {
    const manifest = tinyManifest(data.spec, 'wasm', { learningRate: 1e9, method: { name: 'dense' } });
    manifest.sparsity = undefined;
    const run = trainRun(tinyOptions(manifest, data.dataDir));
    await expect(run).rejects.toBeInstanceOf(TrainingDivergedError);
    await expect(run).rejects.toThrow(/loss is (NaN|Infinity|-Infinity) at step \d+/);
  });

});
