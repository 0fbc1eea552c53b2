/**
 * Progress and outcome lines for stderr.
 */
import type { TrainProgress } from '../../trainers/train-api.ts';
import type { RunOutcome } from './types.ts';

function seconds(ms: number): string {
  return ms < 100_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** `p.epoch` is the 0-based epoch in progress (trainers/train-loop.ts); shown 1-based. */
export function progressLine(p: TrainProgress): string {
  const accuracy = p.testAccuracy === null ? '' : ` test ${p.testAccuracy.toFixed(2)}%`;
  return `epoch ${p.epoch + 1}/${p.epochs} step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(4)}${accuracy} (${seconds(p.elapsedMs)}${eta(p)})`;
}

/** Time left at the average pace so far (a resumed run's earlier attempts included). */
function eta(p: TrainProgress): string {
  if (p.step <= 0 || p.step >= p.totalSteps) return '';
  const leftMs = (p.elapsedMs / p.step) * (p.totalSteps - p.step);
  return `, ETA ${seconds(leftMs)}`;
}

export function describeOutcome(o: RunOutcome): string {
  const accuracy = o.metrics === null || !Number.isFinite(o.metrics.testAccuracy) ? '' : `, test accuracy ${o.metrics.testAccuracy.toFixed(2)}%`;
  const wall = o.wallMs === null ? '' : `, ${seconds(o.wallMs)}`;
  switch (o.status) {
    case 'stored':
      return `already stored${accuracy}`;
    case 'reused-stale':
      return `stored result reused although ${o.message ?? 'stale'}${accuracy}`;
    case 'trained':
      return `trained${accuracy}${wall}`;
    case 'resumed':
      return `resumed and finished${accuracy}${wall}`;
    case 'aborted':
      return `ABORTED (exit 4): ${o.message ?? ''}`;
    case 'interrupted':
      return 'interrupted; a checkpoint was saved';
    case 'failed':
      return `FAILED (exit ${o.exitCode}): ${o.message ?? ''}`;
    case 'not-started':
      return 'not started (interrupted)';
  }
}
