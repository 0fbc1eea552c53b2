/**
 * Plots of claimed against measured numbers:
 * - value claims (abs, rel, equivalence), one plot per metric: x = claimed value (± published
 *   std), y = measured average (± sample std), the accepted interval as a band at x, and the line
 *   y = x; points coloured by verdict;
 * - order claims, one forest plot per metric: the measured mean difference (better − worse) with
 *   its (1 − 2α) interval, against 0; points coloured by verdict.
 */
import { formatNumber } from '../../verify/format-number.ts';
import type { ClaimVerdict } from '../../verify/types.ts';
import { uniqueVerdicts } from '../verdict-text.ts';
import { coord, element, horizontalErrorBarPath, polylinePath, text, title, VERDICT_COLORS, verticalErrorBarPath } from './elements.ts';
import { plotFrame } from './frame.ts';
import { paddedExtent } from './scale.ts';

export interface ValuePoint {
  claimId: string;
  verdict: ClaimVerdict['verdict'];
  metric: string;
  claimed: number;
  publishedStd: number | null;
  measured: number;
  std: number | null;
  lower: number;
  upper: number;
}

/** Value claims that have a measured average, by metric in first-seen order. */
export function valuePointsByMetric(verdicts: readonly ClaimVerdict[]): Map<string, ValuePoint[]> {
  const out = new Map<string, ValuePoint[]>();
  for (const verdict of uniqueVerdicts(verdicts)) {
    const c = verdict.claimed;
    if (c.kind !== 'abs' && c.kind !== 'rel' && c.kind !== 'equivalence') continue;
    const group = verdict.groups[0];
    const measured = c.kind === 'equivalence' ? group?.mean : group?.averageValue;
    if (group === undefined || measured === null || measured === undefined) continue;
    const [lower, upper] = c.kind === 'equivalence' ? [c.value - c.margin, c.value + c.margin] : [c.lower, c.upper];
    const list = out.get(verdict.metric) ?? [];
    list.push({ claimId: verdict.claimId, verdict: verdict.verdict, metric: verdict.metric, claimed: c.value, publishedStd: c.publishedStd, measured, std: group.std, lower, upper });
    out.set(verdict.metric, list);
  }
  return out;
}

export function claimedVsMeasuredPlot(metric: string, points: readonly ValuePoint[]): string {
  const xs = points.flatMap((p) => [p.claimed - (p.publishedStd ?? 0), p.claimed + (p.publishedStd ?? 0)]);
  const ys = points.flatMap((p) => [p.measured - (p.std ?? 0), p.measured + (p.std ?? 0), p.lower, p.upper]);
  // One domain for both axes so that y = x is the diagonal.
  const domain = paddedExtent([...xs, ...ys], 0.08);
  const frame = plotFrame({
    plot: 'claimed-vs-measured',
    title: `Claimed vs measured: ${metric}`,
    width: 480,
    height: 420,
    xDomain: domain,
    yDomain: domain,
    xLabel: `claimed ${metric}`,
    yLabel: `measured ${metric}`,
    attributes: { 'data-metric': metric },
  });
  const { x, y } = frame;
  const parts: string[] = [
    element('path', { d: polylinePath([[x(domain[0]), y(domain[0])], [x(domain[1]), y(domain[1])]]), class: 'identity' }),
  ];
  for (const p of points) {
    const color = VERDICT_COLORS[p.verdict];
    parts.push(element('path', { d: `M${coord(x(p.claimed))} ${coord(y(p.lower))} L${coord(x(p.claimed))} ${coord(y(p.upper))}`, class: 'accepted' }));
    if (p.std !== null) parts.push(element('path', { d: verticalErrorBarPath(x(p.claimed), y(p.measured - p.std), y(p.measured + p.std)), class: 'error-bar', stroke: color }));
    if (p.publishedStd !== null && p.publishedStd > 0) {
      parts.push(element('path', { d: horizontalErrorBarPath(y(p.measured), x(p.claimed - p.publishedStd), x(p.claimed + p.publishedStd)), class: 'error-bar published', stroke: color }));
    }
    parts.push(
      element(
        'circle',
        { cx: x(p.claimed), cy: y(p.measured), r: 5, class: 'point', fill: color, 'data-claim': p.claimId },
        title(`claim ${p.claimId} (${p.verdict}): claimed ${formatNumber(p.claimed)}, measured ${formatNumber(p.measured)}${p.std === null ? '' : ` ± ${formatNumber(p.std)}`}, accepted [${formatNumber(p.lower)}, ${formatNumber(p.upper)}]`),
      ),
    );
  }
  return frame.wrap(parts.join(''));
}

export interface OrderPoint {
  claimId: string;
  verdict: ClaimVerdict['verdict'];
  direction: 'higher' | 'lower';
  difference: number;
  lower: number;
  upper: number;
  level: number;
}

/** Order claims with a Welch statistic, by metric in first-seen order. */
export function orderPointsByMetric(verdicts: readonly ClaimVerdict[]): Map<string, OrderPoint[]> {
  const out = new Map<string, OrderPoint[]>();
  for (const verdict of uniqueVerdicts(verdicts)) {
    const s = verdict.statistic;
    if (verdict.claimed.kind !== 'order' || s === null || s.kind !== 'welch') continue;
    const list = out.get(verdict.metric) ?? [];
    list.push({ claimId: verdict.claimId, verdict: verdict.verdict, direction: verdict.claimed.direction, difference: s.meanDifference, lower: s.ci.lower, upper: s.ci.upper, level: s.ci.level });
    out.set(verdict.metric, list);
  }
  return out;
}

export function orderDifferencesPlot(metric: string, points: readonly OrderPoint[]): string {
  const rowHeight = 28;
  const height = 34 + 48 + Math.max(1, points.length) * rowHeight + 10;
  const frame = plotFrame({
    plot: 'order-differences',
    title: `Order claims on ${metric}: better − worse, (1 − 2α) interval`,
    width: 640,
    height,
    xDomain: paddedExtent([0, ...points.flatMap((p) => [p.lower, p.upper])], 0.08),
    yDomain: [points.length + 0.5, 0.5],
    xLabel: `mean(better) − mean(worse) (claimed > 0 for "higher", < 0 for "lower")`,
    yLabel: '',
    yTicks: false,
    attributes: { 'data-metric': metric },
  });
  const { x, y } = frame;
  const parts: string[] = [element('path', { d: `M${coord(x(0))} ${frame.top} L${coord(x(0))} ${frame.bottom}`, class: 'zero' })];
  points.forEach((p, i) => {
    const row = y(i + 1);
    const color = VERDICT_COLORS[p.verdict];
    parts.push(element('path', { d: horizontalErrorBarPath(row, x(p.lower), x(p.upper)), class: 'error-bar', stroke: color }));
    parts.push(
      element(
        'circle',
        { cx: x(p.difference), cy: row, r: 5, class: 'point', fill: color, 'data-claim': p.claimId },
        title(`claim ${p.claimId} (${p.verdict}, claimed ${p.direction === 'higher' ? '> 0' : '< 0'}): ${formatNumber(p.difference)}, ${formatNumber(100 * p.level)} % interval [${formatNumber(p.lower)}, ${formatNumber(p.upper)}]`),
      ),
    );
    parts.push(text(frame.left + 4, row - 8, `${p.claimId} (${p.direction === 'higher' ? '>' : '<'})`, { class: 'row-label' }));
  });
  return frame.wrap(parts.join(''));
}
