/**
 * Linear scales and "nice" tick values for the report's SVG plots.
 */

export interface LinearScale {
  (value: number): number;
  domain: [number, number];
  range: [number, number];
}

/** Maps [d0, d1] onto [r0, r1]; a zero-width domain maps everything to the middle of the range. */
export function linearScale(domain: [number, number], range: [number, number]): LinearScale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  const scale = ((value: number) => (span === 0 ? (r0 + r1) / 2 : r0 + ((value - d0) / span) * (r1 - r0))) as LinearScale;
  scale.domain = [d0, d1];
  scale.range = [r0, r1];
  return scale;
}

/**
 * Round tick values covering [min, max], about `count` of them, spaced by 1, 2 or 5 × 10^k
 * (Heckbert, "Nice numbers for graph labels", Graphics Gems 1990).
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  if (min > max) return niceTicks(max, min, count);
  const step = niceStep((max - min) / Math.max(1, count));
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(roundToStep(i * step, step));
  return ticks;
}

function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/** Removes float noise such as 0.30000000000000004 from a tick value. */
function roundToStep(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(value.toFixed(Math.min(20, decimals)));
}

/** [min, max] of the values widened by `padFraction` of the span (or ±1 % / ±1 when the span is 0). */
export function paddedExtent(values: readonly number[], padFraction = 0.08): [number, number] {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return [0, 1];
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.01;
    return [lo - pad, hi + pad];
  }
  const pad = (hi - lo) * padFraction;
  lo -= pad;
  hi += pad;
  return [lo, hi];
}
