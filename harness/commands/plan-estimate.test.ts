import { describe, expect, it } from 'vitest';
import { describeModel } from '../../trainers/models/index.ts';
import { getMethod } from '../../trainers/methods/registry.ts';
import { loadManifestText } from '../manifest/load.ts';
import { runFile } from '../manifest/test-fixtures.ts';
import { estimateRun, formatFlops, formatSeconds } from './plan-estimate.ts';

function manifest(edit: (f: ReturnType<typeof runFile>) => void) {
  const file = runFile();
  file.claims = [];
  edit(file);
  return loadManifestText('m.json', JSON.stringify(file)).runs[0]!.manifest;
}

// LeNet-300-100 on 28×28 inputs: 784·300 + 300·100 + 100·10 = 266,200 weights, f_D = 2 · 266,200.
const F_D = 2 * 266_200;

describe('plan estimates', () => {
  it('dense: training FLOPs 3 · f_D · examples · epochs, wall time from the calibrated wasm rate', () => {
    const m = manifest((f) => {
      f.run.method = { name: 'dense' };
      delete f.run.sparsity;
      f.run.training.epochs = 2;
    });
    const e = estimateRun(m, 'wasm', describeModel, getMethod);
    expect(e.denseForwardFlops).toBe(F_D);
    expect(e.totalSteps).toBe(2 * 469); // ceil(60000 / 128) with the last partial batch kept
    expect(e.trainMultiplier).toBe(1);
    expect(e.trainFlops).toBe(3 * F_D * 60_000 * 2);
    expect(e.evalFlops).toBe(F_D * 10_000 * 2);
    expect(e.wallSeconds).toBeCloseTo(((3 * 60_000 + 10_000) * 2 * F_D) / 18.1e9, 9);
    expect(e.note).toBeNull();
  });

  it('static at sparsity 0.9: a tenth of the dense training FLOPs (dense-layer FLOPs scale with weights), the same wall time', () => {
    const m = manifest((f) => {
      f.run.method = { name: 'static' };
    });
    const e = estimateRun(m, 'cpu', describeModel, getMethod);
    // Each layer's active count is a whole number: at most one weight per layer off 10 %.
    expect(Math.abs(e.trainMultiplier! - 0.1)).toBeLessThanOrEqual(3 / 266_200);
    expect(e.trainFlops).toBe(3 * F_D * 60_000 * e.trainMultiplier!);
    // Masks are applied to dense tensors: sparsity saves no time.
    expect(e.wallSeconds).toBeCloseTo(((3 * 60_000 + 10_000) * F_D) / 1.54e9, 9);
  });

  it('counts only the training part of a held-out split, and drops the partial batch when told', () => {
    const m = manifest((f) => {
      f.run.method = { name: 'dense' };
      delete f.run.sparsity;
      f.run.dataset.split = { kind: 'holdout-tail', validationCount: 5_000 };
      f.run.training.keepLastPartialBatch = false;
    });
    const e = estimateRun(m, 'wasm', describeModel, getMethod);
    expect(e.totalSteps).toBe(Math.floor(55_000 / 128));
    expect(e.trainFlops).toBe(3 * F_D * Math.floor(55_000 / 128) * 128);
  });

  it('says the wall time is unknown for backends it has no measurement for', () => {
    const e = estimateRun(manifest(() => {}), 'tfjs-node', describeModel, getMethod);
    expect(e.wallSeconds).toBeNull();
    expect(e.note).toBe('no wall-time calibration for backend tfjs-node');
  });

  it('formats numbers for the table', () => {
    expect(formatFlops(9.58e10)).toBe('95.8 G');
    expect(formatFlops(1.2e13)).toBe('12.0 T');
    expect(formatSeconds(5.59)).toBe('5.6 s');
    expect(formatSeconds(600)).toBe('10.0 min');
    expect(formatSeconds(7200)).toBe('2.0 h');
  });
});
