/**
 * Metric-by-metric comparison of two summaries of the same run (`reproduce`): every number a claim
 * or an auditor reads (design.md "Results": summary.metrics, each masked layer's activeCount,
 * maskUpdates, flops; numbers added to metrics or flops later are compared too). Numbers are compared bit for bit (Object.is: NaN equals NaN, and 0 and -0
 * differ), because on the backends the README calls deterministic the same manifest and seed must
 * give the same doubles; summary.json stores them in their shortest round-trip form, so equal
 * text means equal bits.
 */
import type { RunSummary } from '../../trainers/run-summary.ts';

export interface MetricComparison {
  /** A dotted path into summary.json: "metrics.testAccuracy", "layers.fc1.activeCount", "flops.trainMultiplier". */
  metric: string;
  /** null: absent on that side (or a number never measured, stored as null). */
  original: number | null;
  reproduced: number | null;
  identical: boolean;
}

const METRIC_KEYS = ['testAccuracy', 'bestTestAccuracy', 'finalTrainLoss', 'steps', 'epochs'];
const FLOPS_KEYS = ['denseForward', 'inferenceMultiplier', 'trainMultiplier'];

/** The contract's keys in their order, then any other numeric key either side has (summaries may grow), sorted. */
function keysOf(known: readonly string[], a: object | undefined, b: object | undefined): string[] {
  const extra = new Set<string>();
  for (const side of [a, b]) for (const [key, value] of Object.entries(side ?? {})) if ((typeof value === 'number' || value === null) && !known.includes(key)) extra.add(key);
  return [...known, ...[...extra].sort()];
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

function entry(metric: string, original: unknown, reproduced: unknown): MetricComparison {
  const a = numberOrNull(original);
  const b = numberOrNull(reproduced);
  return { metric, original: a, reproduced: b, identical: Object.is(a, b) };
}

/** One comparison per number, in summary order; layers are matched by name. */
export function compareSummaries(original: RunSummary, reproduced: RunSummary): MetricComparison[] {
  const out: MetricComparison[] = [];
  const field = (o: object | undefined, key: string): unknown => (o as Record<string, unknown> | undefined)?.[key];
  for (const key of keysOf(METRIC_KEYS, original.metrics, reproduced.metrics)) out.push(entry(`metrics.${key}`, field(original.metrics, key), field(reproduced.metrics, key)));
  out.push(entry('maskUpdates', original.maskUpdates, reproduced.maskUpdates));
  const reproducedLayers = new Map((reproduced.layers ?? []).map((l) => [l.name, l]));
  const seen = new Set<string>();
  for (const layer of original.layers ?? []) {
    seen.add(layer.name);
    out.push(entry(`layers.${layer.name}.activeCount`, layer.activeCount, reproducedLayers.get(layer.name)?.activeCount));
  }
  for (const layer of reproduced.layers ?? []) {
    if (!seen.has(layer.name)) out.push(entry(`layers.${layer.name}.activeCount`, undefined, layer.activeCount));
  }
  for (const key of keysOf(FLOPS_KEYS, original.flops, reproduced.flops)) out.push(entry(`flops.${key}`, field(original.flops, key), field(reproduced.flops, key)));
  return out;
}

/** A number as summary.json writes it (shortest round-trip form), "-0" kept, null as "absent". */
export function formatExact(value: number | null): string {
  if (value === null) return 'absent';
  return Object.is(value, -0) ? '-0' : String(value);
}
