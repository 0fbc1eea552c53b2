/**
 * Where a run or a claim sits on the report's sparsity axis: the run's `sparsity` axis value when
 * it is a number (the manifest's target), else the sparsity its masks actually reached
 * (1 − Σ activeCount / Σ size over masked layers: 0 for dense runs, which have no sparsity axis).
 */
import type { RunRecord } from '../verify/types.ts';
import { measuredSparsity } from './configurations.ts';

export function runSparsity(run: RunRecord): number {
  const axis = run.axes.sparsity;
  if (typeof axis === 'number') return axis;
  if (typeof axis === 'string' && axis.trim() !== '' && Number.isFinite(Number(axis))) return Number(axis);
  return measuredSparsity(run);
}
