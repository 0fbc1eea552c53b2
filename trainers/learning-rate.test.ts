import { describe, expect, it } from 'vitest';
import { learningRateAt, type LearningRateConfig } from './learning-rate.ts';

const pos = (step: number) => ({ step, stepsPerEpoch: 469, totalSteps: 9380 });

describe('learningRateAt', () => {
  it('follows the fmnist recipe: 0.1 for epochs 0–9, 0.01 for 10–14, 0.001 for 15–19', () => {
    const config: LearningRateConfig = {
      initial: 0.1,
      schedule: { kind: 'piecewise', unit: 'epoch', boundaries: [10, 15], values: [0.1, 0.01, 0.001] },
      warmupSteps: 0,
    };
    expect(learningRateAt(config, pos(0))).toBe(0.1);
    expect(learningRateAt(config, pos(469 * 10 - 1))).toBe(0.1); // last step of epoch 9
    expect(learningRateAt(config, pos(469 * 10))).toBe(0.01); // first step of epoch 10
    expect(learningRateAt(config, pos(469 * 15 - 1))).toBe(0.01);
    expect(learningRateAt(config, pos(469 * 15))).toBe(0.001);
    expect(learningRateAt(config, pos(9379))).toBe(0.001);
  });

  it('decays by gamma every `every` steps (StepLR per iteration, report CIFAR recipe ×0.2 / 30k)', () => {
    const config: LearningRateConfig = {
      initial: 0.1,
      schedule: { kind: 'step-decay', unit: 'step', every: 30_000, gamma: 0.2 },
      warmupSteps: 0,
    };
    const at = (step: number) => learningRateAt(config, { step, stepsPerEpoch: 352, totalSteps: 88_000 });
    expect(at(29_999)).toBeCloseTo(0.1, 12);
    expect(at(30_000)).toBeCloseTo(0.02, 12);
    expect(at(60_000)).toBeCloseTo(0.004, 12);
  });

  it('warms up linearly and then follows the schedule', () => {
    const config: LearningRateConfig = { initial: 0.1, schedule: { kind: 'constant' }, warmupSteps: 4 };
    expect([0, 1, 2, 3, 4].map((s) => learningRateAt(config, pos(s)))).toEqual([0.025, 0.05, 0.07500000000000001, 0.1, 0.1]);
  });

  it('anneals by cosine to 0 at the last step', () => {
    const config: LearningRateConfig = { initial: 0.2, schedule: { kind: 'cosine' }, warmupSteps: 0 };
    expect(learningRateAt(config, pos(0))).toBeCloseTo(0.2, 12);
    expect(learningRateAt(config, pos(4690))).toBeCloseTo(0.1, 12);
    expect(learningRateAt(config, { step: 9380, stepsPerEpoch: 469, totalSteps: 9380 })).toBeCloseTo(0, 12);
  });

  it('rejects a piecewise schedule whose values do not fit its boundaries', () => {
    const config: LearningRateConfig = {
      initial: 0.1,
      schedule: { kind: 'piecewise', unit: 'epoch', boundaries: [1, 2], values: [0.1, 0.01] },
      warmupSteps: 0,
    };
    expect(() => learningRateAt(config, pos(469 * 3))).toThrow(/expected 3/);
  });
});
