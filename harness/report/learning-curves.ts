/**
 * Learning curves from a run's events (trainers/events.ts): test accuracy per epoch from
 * `eval_accuracy` events (value = accuracy in percent, meta.epoch) and training loss per epoch
 * from `train_loss` events (value = mean loss over the epoch, meta.epoch). A resumed run may
 * repeat an epoch; the last event for an epoch wins.
 */
import { EventKey, type RunEvent } from '../../trainers/events.ts';

export interface CurvePoint {
  epoch: number;
  value: number;
}

export interface LearningCurves {
  testAccuracy: CurvePoint[];
  trainLoss: CurvePoint[];
}

function curve(events: readonly RunEvent[], key: EventKey): CurvePoint[] {
  const byEpoch = new Map<number, number>();
  for (const event of events) {
    if (event.key !== key) continue;
    const epoch = event.meta.epoch;
    if (typeof epoch !== 'number' || !Number.isFinite(epoch)) continue;
    if (typeof event.value !== 'number' || !Number.isFinite(event.value)) continue;
    byEpoch.set(epoch, event.value);
  }
  return [...byEpoch.entries()].sort((a, b) => a[0] - b[0]).map(([epoch, value]) => ({ epoch, value }));
}

export function learningCurves(events: readonly RunEvent[]): LearningCurves {
  return { testAccuracy: curve(events, EventKey.EvalAccuracy), trainLoss: curve(events, EventKey.TrainLoss) };
}
