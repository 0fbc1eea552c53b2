/**
 * Reading a claim's metric out of a run summary.
 *
 * Resolution rule (design.md "Claims and verdicts": "any summary number"):
 * - a name without a dot is looked up first in `summary.metrics` ("testAccuracy" →
 *   summary.metrics.testAccuracy), then at the top of the summary ("wallMs", "maskUpdates");
 * - a dotted path is walked from the top of the summary ("flops.trainMultiplier" →
 *   summary.flops.trainMultiplier; "metrics.testAccuracy" works too); array indices are allowed
 *   as segments ("layers.0.activeCount");
 * - the value found must be a finite number, else the run cannot feed the claim.
 */
import type { RunSummary } from '../../trainers/run-summary.ts';

export const DEFAULT_METRIC = 'testAccuracy';

export type MetricLookup = { ok: true; value: number } | { ok: false; reason: string };

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function own(container: unknown, key: string): unknown {
  if (container === null || typeof container !== 'object') return undefined;
  return Object.prototype.hasOwnProperty.call(container, key)
    ? (container as Record<string, unknown>)[key]
    : undefined;
}

/** The metric `path` of `summary`, or why it cannot be read. */
export function resolveMetric(summary: RunSummary, path: string): MetricLookup {
  if (path.length === 0) return { ok: false, reason: "metric path is empty" };
  const segments = path.split('.');
  let found: unknown;
  let where: string;
  if (segments.length === 1) {
    const inMetrics = own(summary.metrics, path);
    found = inMetrics !== undefined ? inMetrics : own(summary, path);
    where = inMetrics !== undefined ? `summary.metrics.${path}` : `summary.metrics.${path} or summary.${path}`;
  } else {
    found = summary;
    for (const segment of segments) found = own(found, segment);
    where = `summary.${path}`;
  }
  if (typeof found === 'number' && Number.isFinite(found)) return { ok: true, value: found };
  return { ok: false, reason: `metric '${path}': ${where} is ${describe(found)}, not a finite number` };
}
