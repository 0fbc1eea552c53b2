/**
 * Plot: test accuracy vs sparsity, one series per configuration without its sparsity and seed
 * (method × distribution × ...), seed mean with ± sample-std error bars, each seed as a faint dot,
 * and the claimed values of accuracy claims overlaid as diamonds with their accepted interval.
 */
import { escapeHtml } from '../escape.ts';
import { formatNumber } from '../../verify/format-number.ts';
import { describeSelector } from '../../verify/groups.ts';
import { mean, sampleStd } from '../../verify/descriptive.ts';
import type { ClaimVerdict, RunRecord } from '../../verify/types.ts';
import { configurationAxes, configurationAxisNames, type ConfigurationRow } from '../configurations.ts';
import { runSparsity } from '../plot-points.ts';
import { uniqueVerdicts } from '../verdict-text.ts';
import { diamondPath, element, paletteColor, polylinePath, text, title, VERDICT_COLORS, verticalErrorBarPath } from './elements.ts';
import { plotFrame } from './frame.ts';
import { paddedExtent } from './scale.ts';

const METRIC = 'testAccuracy';

export interface SparsityPoint {
  seriesKey: string;
  seriesLabel: string;
  sparsity: number;
  mean: number;
  std: number | null;
  values: number[];
  runIds: string[];
}

export interface ClaimedMarker {
  claimId: string;
  verdict: ClaimVerdict['verdict'];
  sparsity: number;
  value: number;
  lower: number;
  upper: number;
}

/** Series label: the configuration's axis values without sparsity, standard axes first ("rigl · erk"). */
function seriesOf(run: RunRecord): { key: string; label: string } {
  const axes = configurationAxes(run.axes);
  delete axes.sparsity;
  const names = configurationAxisNames([{ axes } as ConfigurationRow]);
  const label = names.map((n) => String(axes[n])).join(' · ');
  return { key: JSON.stringify(axes), label: label === '' ? 'runs' : label };
}

const LEGEND_MAX_CHARS = 26;
/** Horizontal offset between series at the same sparsity, in px. */
const DODGE_PX = 5;

function shorten(label: string): string {
  const chars = Array.from(label);
  return chars.length <= LEGEND_MAX_CHARS ? label : `${chars.slice(0, LEGEND_MAX_CHARS - 1).join('')}…`;
}

/** Points of the plot: one per (series, sparsity) over successful runs, in plan order of series. */
export function sparsityPoints(runs: readonly RunRecord[]): SparsityPoint[] {
  const ordered = [...runs].filter((r) => r.summary.status === 'success').sort((a, b) => a.index - b.index);
  const byKey = new Map<string, { series: { key: string; label: string }; sparsity: number; runs: RunRecord[] }>();
  for (const run of ordered) {
    const value = run.summary.metrics.testAccuracy;
    if (!Number.isFinite(value)) continue;
    const series = seriesOf(run);
    const sparsity = runSparsity(run);
    const key = `${series.key}@${sparsity}`;
    const entry = byKey.get(key);
    if (entry) entry.runs.push(run);
    else byKey.set(key, { series, sparsity, runs: [run] });
  }
  return [...byKey.values()].map(({ series, sparsity, runs: members }) => {
    const values = members.map((r) => r.summary.metrics.testAccuracy);
    return {
      seriesKey: series.key,
      seriesLabel: series.label,
      sparsity,
      mean: mean(values),
      std: values.length >= 2 ? sampleStd(values) : null,
      values,
      runIds: members.map((r) => r.runId),
    };
  });
}

/** Claimed accuracy values (abs, rel, equivalence on testAccuracy), placed at their runs' sparsity. */
export function claimedMarkers(verdicts: readonly ClaimVerdict[], runs: readonly RunRecord[]): ClaimedMarker[] {
  const byId = new Map(runs.map((r) => [r.runId, r]));
  const markers: ClaimedMarker[] = [];
  for (const verdict of uniqueVerdicts(verdicts)) {
    const c = verdict.claimed;
    if (verdict.metric !== METRIC) continue;
    if (c.kind !== 'abs' && c.kind !== 'rel' && c.kind !== 'equivalence') continue;
    const group = verdict.groups[0];
    const fed = (group?.runIds ?? []).map((id) => byId.get(id)).filter((r): r is RunRecord => r !== undefined);
    let sparsity: number | null = fed.length > 0 ? mean(fed.map(runSparsity)) : null;
    const selected = group?.selector.sparsity;
    if (sparsity === null && selected !== undefined && Number.isFinite(Number(selected))) sparsity = Number(selected);
    if (sparsity === null) continue;
    const [lower, upper] = c.kind === 'equivalence' ? [c.value - c.margin, c.value + c.margin] : [c.lower, c.upper];
    markers.push({ claimId: verdict.claimId, verdict: verdict.verdict, sparsity, value: c.value, lower, upper });
  }
  return markers;
}

export function accuracyVsSparsityPlot(runs: readonly RunRecord[], verdicts: readonly ClaimVerdict[]): string {
  const points = sparsityPoints(runs);
  const markers = claimedMarkers(verdicts, runs);
  const seriesKeys = [...new Set(points.map((p) => p.seriesKey))];
  const labels = new Map(points.map((p) => [p.seriesKey, p.seriesLabel]));
  const xs = [...points.map((p) => p.sparsity), ...markers.map((m) => m.sparsity)];
  const ys = [
    ...points.flatMap((p) => [...p.values, p.mean - (p.std ?? 0), p.mean + (p.std ?? 0)]),
    ...markers.flatMap((m) => [m.lower, m.upper]),
  ];
  const frame = plotFrame({
    plot: 'accuracy-vs-sparsity',
    title: 'Test accuracy vs sparsity (mean ± std over seeds; ◇ claimed)',
    width: 760,
    height: 400,
    xDomain: paddedExtent(xs, 0.06),
    yDomain: paddedExtent(ys, 0.08),
    xLabel: 'sparsity',
    yLabel: 'test accuracy (%)',
    marginRight: 200,
  });
  const { y } = frame;
  const parts: string[] = [];
  // Series side by side at one sparsity ("dodge", DODGE_PX apart, centred on the true x), so
  // configurations at equal sparsity do not hide each other.
  const atSparsity = new Map<number, string[]>();
  for (const key of seriesKeys) {
    for (const p of points) {
      if (p.seriesKey !== key) continue;
      const keys = atSparsity.get(p.sparsity) ?? [];
      keys.push(key);
      atSparsity.set(p.sparsity, keys);
    }
  }
  const dodge = (sparsity: number, key: string) => {
    const keys = atSparsity.get(sparsity) ?? [key];
    return (keys.indexOf(key) - (keys.length - 1) / 2) * DODGE_PX;
  };
  seriesKeys.forEach((key, i) => {
    const color = paletteColor(i);
    const x = (sparsity: number) => frame.x(sparsity) + dodge(sparsity, key);
    const series = points.filter((p) => p.seriesKey === key).sort((a, b) => a.sparsity - b.sparsity);
    if (series.length > 1) {
      parts.push(element('path', { d: polylinePath(series.map((p) => [x(p.sparsity), y(p.mean)])), class: 'series-line', stroke: color }));
    }
    for (const p of series) {
      if (p.std !== null) {
        parts.push(element('path', { d: verticalErrorBarPath(x(p.sparsity), y(p.mean - p.std), y(p.mean + p.std)), class: 'error-bar', stroke: color }));
      }
      p.values.forEach((v, k) => {
        parts.push(element('circle', { cx: x(p.sparsity), cy: y(v), r: 2.5, class: 'seed', fill: color, 'data-run': p.runIds[k] }));
      });
      const std = p.std === null ? '' : ` ± ${formatNumber(p.std)}`;
      parts.push(
        element(
          'circle',
          { cx: x(p.sparsity), cy: y(p.mean), r: 5, class: 'point', fill: color, 'data-series': p.seriesLabel },
          title(`${p.seriesLabel}, sparsity ${formatNumber(p.sparsity)}: ${formatNumber(p.mean)}${std} % (n = ${p.values.length})`),
        ),
      );
    }
  });
  const x = frame.x;
  for (const m of markers) {
    const color = VERDICT_COLORS[m.verdict];
    // Right of the dodged points at the claim's sparsity.
    const claimOffset = (((atSparsity.get(m.sparsity)?.length ?? 1) - 1) / 2) * DODGE_PX + 9;
    parts.push(element('path', { d: verticalErrorBarPath(x(m.sparsity) + claimOffset, y(m.lower), y(m.upper), 3), class: 'claimed-band', stroke: color }));
    parts.push(
      element(
        'path',
        { d: diamondPath(x(m.sparsity) + claimOffset, y(m.value)), class: 'claimed', stroke: color, 'data-claim': m.claimId },
        title(`claim ${m.claimId}: ${formatNumber(m.value)} % claimed, accepted [${formatNumber(m.lower)}, ${formatNumber(m.upper)}], ${m.verdict}`),
      ),
    );
  }
  // Legend, right of the plot area.
  const legendX = frame.right + 16;
  seriesKeys.forEach((key, i) => {
    const ly = frame.top + 8 + i * 18;
    parts.push(element('circle', { cx: legendX, cy: ly, r: 5, fill: paletteColor(i), class: 'legend-swatch' }));
    const label = labels.get(key) ?? key;
    parts.push(element('text', { x: legendX + 10, y: ly + 4, class: 'legend' }, title(label) + escapeHtml(shorten(label))));
  });
  if (markers.length > 0) {
    const ly = frame.top + 8 + seriesKeys.length * 18 + 6;
    parts.push(element('path', { d: diamondPath(legendX, ly, 5), class: 'legend-swatch claimed-legend', stroke: '#555555' }));
    parts.push(text(legendX + 10, ly + 4, 'claimed (colour = verdict)', { class: 'legend' }));
  }
  if (points.length === 0) parts.push(text((frame.left + frame.right) / 2, (frame.top + frame.bottom) / 2, 'no successful runs', { 'text-anchor': 'middle', class: 'empty' }));
  return frame.wrap(parts.join(''));
}
