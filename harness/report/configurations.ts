/**
 * The per-configuration table of a report: runs grouped by every axis except `seed`, with the
 * seed statistics of the summary numbers the papers print (design.md "Results": metrics in
 * percent, FLOPs as fractions of dense).
 */
import { mean, sampleStd } from '../verify/descriptive.ts';
import type { RunRecord } from '../verify/types.ts';

/** The axis that varies across repeats of one configuration. */
export const SEED_AXIS = 'seed';

export interface SeedStatistic {
  n: number;
  mean: number | null;
  /** Sample std (n − 1); null when n < 2. */
  std: number | null;
}

export interface ConfigurationRow {
  /** Stable key: the configuration's axes (seed removed) as canonical JSON. */
  key: string;
  /** Axis values of the configuration, seed removed. */
  axes: Record<string, string | number>;
  /** All runs of the configuration in plan order, successful or not. */
  runIds: string[];
  /** Runs whose status is not success (left out of every statistic). */
  abortedRunIds: string[];
  testAccuracy: SeedStatistic;
  bestTestAccuracy: SeedStatistic;
  finalTrainLoss: SeedStatistic;
  trainMultiplier: SeedStatistic;
  inferenceMultiplier: SeedStatistic;
  /** Sparsity of the masked layers, 1 − Σ activeCount / Σ size, averaged over seeds. */
  measuredSparsity: SeedStatistic;
}

/** Axes of a run without the seed axis. */
export function configurationAxes(axes: Record<string, string | number>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const key of Object.keys(axes).sort()) {
    if (key !== SEED_AXIS) out[key] = axes[key] as string | number;
  }
  return out;
}

/** 1 − Σ activeCount / Σ size over the masked layers; 0 when the run reports no layers. */
export function measuredSparsity(run: RunRecord): number {
  let size = 0;
  let active = 0;
  for (const layer of run.summary.layers) {
    size += layer.size;
    active += layer.activeCount;
  }
  return size === 0 ? 0 : 1 - active / size;
}

function seedStatistic(values: number[]): SeedStatistic {
  const finite = values.filter((v) => Number.isFinite(v));
  return {
    n: finite.length,
    mean: finite.length >= 1 ? mean(finite) : null,
    std: finite.length >= 2 ? sampleStd(finite) : null,
  };
}

/** Configurations in order of their first run in plan order. */
export function groupConfigurations(runs: readonly RunRecord[]): ConfigurationRow[] {
  const ordered = [...runs].sort((a, b) => a.index - b.index);
  const byKey = new Map<string, RunRecord[]>();
  for (const run of ordered) {
    const key = JSON.stringify(configurationAxes(run.axes));
    const list = byKey.get(key);
    if (list) list.push(run);
    else byKey.set(key, [run]);
  }
  return [...byKey.entries()].map(([key, members]) => {
    const ok = members.filter((r) => r.summary.status === 'success');
    const pick = (f: (r: RunRecord) => number) => seedStatistic(ok.map(f));
    return {
      key,
      axes: configurationAxes((members[0] as RunRecord).axes),
      runIds: members.map((r) => r.runId),
      abortedRunIds: members.filter((r) => r.summary.status !== 'success').map((r) => r.runId),
      testAccuracy: pick((r) => r.summary.metrics.testAccuracy),
      bestTestAccuracy: pick((r) => r.summary.metrics.bestTestAccuracy),
      finalTrainLoss: pick((r) => r.summary.metrics.finalTrainLoss),
      trainMultiplier: pick((r) => r.summary.flops.trainMultiplier),
      inferenceMultiplier: pick((r) => r.summary.flops.inferenceMultiplier),
      measuredSparsity: pick(measuredSparsity),
    };
  });
}

/** Union of the configuration axis names, in first-seen order of the standard axes, then sorted. */
export function configurationAxisNames(rows: readonly ConfigurationRow[]): string[] {
  const standard = ['method', 'distribution', 'sparsity'];
  const names = new Set<string>();
  for (const row of rows) for (const name of Object.keys(row.axes)) names.add(name);
  const first = standard.filter((n) => names.has(n));
  const rest = [...names].filter((n) => !standard.includes(n)).sort();
  return [...first, ...rest];
}
