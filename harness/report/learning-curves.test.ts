import { describe, expect, it } from 'vitest';
import { EventKey, type RunEvent } from '../../trainers/events.ts';
import { learningCurves } from './learning-curves.ts';

const event = (key: RunEvent['key'], value: unknown, meta: Record<string, unknown>): RunEvent => ({ timeMs: 0, type: 'point', key, value, meta });

describe('learningCurves', () => {
  it('reads eval_accuracy and train_loss per epoch, sorted by epoch; the last event of an epoch wins', () => {
    const curves = learningCurves([
      event(EventKey.EvalAccuracy, 80, { epoch: 2 }),
      event(EventKey.EvalAccuracy, 70, { epoch: 1 }),
      event(EventKey.TrainLoss, 0.9, { epoch: 1 }),
      // A resumed run repeats epoch 2: the later value replaces the earlier one.
      event(EventKey.EvalAccuracy, 81, { epoch: 2 }),
      event(EventKey.MaskUpdate, 3, { epoch: 2 }),
    ]);
    expect(curves.testAccuracy).toEqual([{ epoch: 1, value: 70 }, { epoch: 2, value: 81 }]);
    expect(curves.trainLoss).toEqual([{ epoch: 1, value: 0.9 }]);
  });

  it('skips events without a numeric epoch or value', () => {
    const curves = learningCurves([
      event(EventKey.EvalAccuracy, 70, {}),
      event(EventKey.EvalAccuracy, 'x', { epoch: 1 }),
      event(EventKey.TrainLoss, Number.NaN, { epoch: 1 }),
    ]);
    expect(curves).toEqual({ testAccuracy: [], trainLoss: [] });
  });
});
