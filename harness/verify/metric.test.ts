import { describe, expect, it } from 'vitest';
import { resolveMetric } from './metric.ts';
import { syntheticRun } from './testing/synthetic-runs.ts';

const summary = syntheticRun({ index: 0, axes: { sparsity: 0.8 }, testAccuracy: 91.5, trainMultiplier: 0.25 }).summary;

describe('resolveMetric', () => {
  it('reads a plain name from summary.metrics first', () => {
    expect(resolveMetric(summary, 'testAccuracy')).toEqual({ ok: true, value: 91.5 });
    expect(resolveMetric(summary, 'bestTestAccuracy')).toEqual({ ok: true, value: 91.6 });
  });

  it('falls back to the top of the summary for a plain name', () => {
    expect(resolveMetric(summary, 'wallMs')).toEqual({ ok: true, value: 1234 });
    expect(resolveMetric(summary, 'maskUpdates')).toEqual({ ok: true, value: 5 });
  });

  it('walks a dotted path from the top of the summary, array indices included', () => {
    expect(resolveMetric(summary, 'flops.trainMultiplier')).toEqual({ ok: true, value: 0.25 });
    expect(resolveMetric(summary, 'metrics.testAccuracy')).toEqual({ ok: true, value: 91.5 });
    expect(resolveMetric(summary, 'layers.1.activeCount')).toEqual({ ok: true, value: 6000 });
  });

  it('says what it found when the value is not a finite number', () => {
    expect(resolveMetric(summary, 'flops')).toEqual({
      ok: false,
      reason: "metric 'flops': summary.metrics.flops or summary.flops is an object, not a finite number",
    });
    expect(resolveMetric(summary, 'runId')).toMatchObject({ ok: false, reason: expect.stringMatching(/string "run0000000000000"/) });
    const nan = { ...summary, metrics: { ...summary.metrics, testAccuracy: Number.NaN } };
    expect(resolveMetric(nan, 'testAccuracy')).toMatchObject({ ok: false, reason: expect.stringMatching(/is NaN/) });
    expect(resolveMetric(summary, 'toString')).toMatchObject({ ok: false });
    expect(resolveMetric(summary, 'flops.__proto__.x')).toMatchObject({ ok: false });
  });
});
