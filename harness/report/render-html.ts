/**
 * The report as one self-contained HTML page: inline CSS, inline SVG plots generated here, no
 * scripts, fonts or external requests (a Content-Security-Policy meta tag forbids them, so the
 * page cannot fetch anything even if some text slipped through unescaped). Every text from a
 * manifest, summary or event is escaped; every run and claim has an anchor, and each claim links
 * to every run that fed it.
 */
import { exitCodeForVerdicts } from '../verify/evaluate.ts';
import { formatNumber as fmt } from '../verify/format-number.ts';
import { describeSelector } from '../verify/groups.ts';
import type { ClaimVerdict, RunRecord } from '../verify/types.ts';
import type { Claim } from '../manifest/types.ts';
import { configurationAxisNames, type ConfigurationRow } from './configurations.ts';
import { anchorId, escapeHtml as h } from './escape.ts';
import { learningCurves } from './learning-curves.ts';
import { meanStdText, seedOf } from './render-markdown.ts';
import type { ReportInput } from './report-input.ts';
import { accuracyVsSparsityPlot } from './svg/accuracy-vs-sparsity.ts';
import { claimedVsMeasuredPlot, orderDifferencesPlot, orderPointsByMetric, valuePointsByMetric } from './svg/claimed-vs-measured.ts';
import { learningCurvePlot } from './svg/learning-curve.ts';
import { countVerdicts } from './terminal-table.ts';
import { claimedText, flattenVerdicts, groupText, measuredText, seedsText, sourceText, statisticText, verdictLabel } from './verdict-text.ts';

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;margin:0 auto;max-width:1200px;padding:0 24px 48px}
h1{font-size:26px;margin:24px 0 8px}h2{font-size:20px;margin:32px 0 8px;border-bottom:1px solid #ddd}h3{font-size:16px;margin:20px 0 6px}h4{font-size:14px;margin:16px 0 4px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}th,td{border:1px solid #d0d0d0;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}pre{background:#f6f6f6;padding:8px;overflow-x:auto;white-space:pre-wrap}
.verdict{display:inline-block;padding:1px 7px;border-radius:3px;font-weight:600;font-size:12px;color:#fff}
.verdict-verified{background:#00795a}.verdict-failed{background:#b34700}.verdict-inconclusive{background:#8a6400}
.meta dt{font-weight:600;float:left;clear:left;width:150px}.meta dd{margin:0 0 4px 160px}
.plots{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}svg{max-width:100%;height:auto;border:1px solid #e3e3e3}
svg text{font:11px system-ui,sans-serif;fill:#333}svg .plot-title{font-size:13px;font-weight:600}svg .label{font-size:12px}
svg .grid{stroke:#eeeeee;stroke-width:1}svg .axis{stroke:#555;stroke-width:1;fill:none}
svg .series-line{fill:none;stroke-width:1.5;opacity:.7}svg .error-bar{fill:none;stroke-width:1.5}svg .seed{opacity:.35}
svg .claimed,svg .claimed-legend{fill:#fff;stroke-width:2}svg .claimed-band{fill:none;stroke-width:1;stroke-dasharray:3 2}
svg .identity{stroke:#999;stroke-dasharray:4 3;fill:none}svg .accepted{stroke:#9ad;stroke-width:8;opacity:.35;fill:none}
svg .zero{stroke:#555;stroke-dasharray:4 3}svg .curve-accuracy{fill:none;stroke-width:2}svg .curve-loss{fill:none;stroke-width:1.5;stroke-dasharray:5 3}
.run{border-top:1px solid #eee;padding-top:4px}.sub{margin-left:24px;border-left:3px solid #eee;padding-left:12px}
.why{margin:4px 0}.excluded{color:#8a4b00}
`;

function verdictBadge(verdict: ClaimVerdict['verdict']): string {
  return `<span class="verdict verdict-${verdict}">${h(verdictLabel(verdict))}</span>`;
}

function runLink(runId: string): string {
  return `<a href="#${h(anchorId('run', runId))}"><code>${h(runId)}</code></a>`;
}

function claimLink(claimId: string): string {
  return `<a href="#${h(anchorId('claim', claimId))}">${h(claimId)}</a>`;
}

function htmlTable(headers: readonly string[], rows: readonly (readonly string[])[], numeric: readonly boolean[] = []): string {
  const head = `<tr>${headers.map((x) => `<th>${h(x)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c, i) => (numeric[i] ? `<td class="num">${c}</td>` : `<td>${c}</td>`)).join('')}</tr>`).join('');
  return `<table><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

function verdictsTable(verdicts: readonly ClaimVerdict[]): string {
  const rows = flattenVerdicts(verdicts).map(({ verdict, depth }) => [
    `${'&nbsp;&nbsp;↳&nbsp;'.repeat(depth)}${claimLink(verdict.claimId)}`,
    verdictBadge(verdict.verdict),
    `<code>${h(verdict.metric)}</code>`,
    h(claimedText(verdict)),
    h(measuredText(verdict)),
    h(statisticText(verdict)),
    h(sourceText(verdict.source)),
    verdict.runIds.map(runLink).join(' '),
  ]);
  return htmlTable(['claim', 'verdict', 'metric', 'claimed', 'measured', 'statistic', 'source (paper, table, row, column)', 'runs'], rows);
}

function findClaim(claims: readonly Claim[], id: string): Claim | undefined {
  for (const c of claims) {
    if (c.id === id) return c;
    if (c.kind === 'all') {
      const found = findClaim(c.claims, id);
      if (found) return found;
    }
  }
  return undefined;
}

function claimSection(verdict: ClaimVerdict, claims: readonly Claim[], runsById: Map<string, RunRecord>, depth: number): string {
  const tag = depth === 0 ? 'h3' : 'h4';
  const seeds = seedsText(verdict);
  const groupRows = verdict.groups.flatMap((g) => [
    ...g.runIds.map((id, i) => [h(g.role), h(describeSelector(g.selector)), runLink(id), h(seedOf(runsById.get(id))), h(fmt(g.values[i] as number)), 'used']),
    ...g.excluded.map((e) => [h(g.role), h(describeSelector(g.selector)), runLink(e.runId), h(seedOf(runsById.get(e.runId))), '—', `<span class="excluded">left out: ${h(e.reason)}</span>`]),
  ]);
  const written = findClaim(claims, verdict.claimId);
  const source = verdict.source;
  return [
    `<section class="claim${depth > 0 ? ' sub' : ''}" id="${h(anchorId('claim', verdict.claimId))}" data-verdict="${h(verdict.verdict)}">`,
    `<${tag}>${h(verdict.claimId)} ${verdictBadge(verdict.verdict)}</${tag}>`,
    verdict.description ? `<p>${h(verdict.description)}</p>` : '',
    '<dl class="meta">',
    `<dt>Paper</dt><dd>${h(source.paper)}</dd>`,
    `<dt>Cell</dt><dd>table ${h(source.table ?? '—')}, row ${h(source.row ?? '—')}, column ${h(source.column ?? '—')}</dd>`,
    `<dt>Metric</dt><dd><code>${h(verdict.metric)}</code></dd>`,
    `<dt>Claimed</dt><dd>${h(claimedText(verdict))}</dd>`,
    `<dt>Measured</dt><dd>${h(measuredText(verdict))}</dd>`,
    `<dt>Statistic</dt><dd>${h(statisticText(verdict))}</dd>`,
    `<dt>Decision rule</dt><dd>${h(verdict.decisionRule)}</dd>`,
    `<dt>Why</dt><dd class="why">${h(verdict.why)}</dd>`,
    seeds ? `<dt>Seeds to decide</dt><dd>${h(seeds)}</dd>` : '',
    `<dt>Runs</dt><dd>${verdict.runIds.length === 0 ? 'none' : verdict.runIds.map(runLink).join(' ')}</dd>`,
    '</dl>',
    verdict.groups.length > 0 ? htmlTable(['group', 'selector', 'run', 'seed', verdict.metric, 'status'], groupRows, [false, false, false, true, true, false]) : '',
    verdict.groups.length > 0 ? `<ul>${verdict.groups.map((g) => `<li>${h(g.role)} (${h(describeSelector(g.selector))}): ${h(groupText(g))}</li>`).join('')}</ul>` : '',
    written && depth === 0 ? `<details><summary>Claim as written</summary><pre>${h(JSON.stringify(written, null, 2))}</pre></details>` : '',
    ...verdict.subVerdicts.map((s) => claimSection(s, claims, runsById, depth + 1)),
    '</section>',
  ].join('');
}

function configurationsTable(rows: readonly ConfigurationRow[]): string {
  const axes = configurationAxisNames(rows);
  const headers = [...axes, 'n', 'test accuracy (%)', 'best test accuracy (%)', 'train FLOPs (× dense)', 'inference FLOPs (× dense)', 'runs'];
  const body = rows.map((r) => [
    ...axes.map((a) => h(r.axes[a] === undefined ? '—' : String(r.axes[a]))),
    h(r.abortedRunIds.length > 0 ? `${r.testAccuracy.n} (+${r.abortedRunIds.length} aborted)` : String(r.testAccuracy.n)),
    h(meanStdText(r.testAccuracy)),
    h(meanStdText(r.bestTestAccuracy)),
    h(meanStdText(r.trainMultiplier)),
    h(meanStdText(r.inferenceMultiplier)),
    r.runIds.map(runLink).join(' '),
  ]);
  return htmlTable(headers, body, [...axes.map(() => false), true, true, true, true, true, false]);
}

function runSection(run: RunRecord, fedClaims: readonly string[]): string {
  const s = run.summary;
  const axes = Object.entries(run.axes).map(([k, v]) => `${k}=${v}`).join(', ') || '(none)';
  const layers = htmlTable(
    ['layer', 'shape', 'size', 'target density', 'active', 'density'],
    s.layers.map((l) => [h(l.name), h(l.shape.join('×')), h(String(l.size)), h(fmt(l.targetDensity)), h(String(l.activeCount)), h(l.size > 0 ? fmt(l.activeCount / l.size) : '—')]),
    [false, false, true, true, true, true],
  );
  return [
    `<section class="run" id="${h(anchorId('run', run.runId))}" data-run="${h(run.runId)}">`,
    `<h3>Run <code>${h(run.runId)}</code></h3>`,
    '<dl class="meta">',
    `<dt>Axes</dt><dd>${h(axes)}</dd>`,
    `<dt>Status</dt><dd>${h(s.status)}${s.abortReason ? `: ${h(s.abortReason)}` : ''}</dd>`,
    `<dt>Accuracy</dt><dd>test ${h(fmt(s.metrics.testAccuracy))} %, best ${h(fmt(s.metrics.bestTestAccuracy))} %; final train loss ${h(fmt(s.metrics.finalTrainLoss))}; ${s.metrics.epochs} epochs, ${s.metrics.steps} steps</dd>`,
    `<dt>FLOPs</dt><dd>train ${h(fmt(s.flops.trainMultiplier))} × dense, inference ${h(fmt(s.flops.inferenceMultiplier))} × dense (dense forward ${h(fmt(s.flops.denseForward))} per example)</dd>`,
    `<dt>Provenance</dt><dd>backend ${h(s.provenance.backend.name)} ${h(s.provenance.backend.version)} (${h(s.provenance.backend.determinism)}), trainer ${h(s.provenance.trainerVersion)}, commit ${h(s.provenance.gitCommit ?? 'unknown')}${s.provenance.gitDirty ? ' (dirty)' : ''}, ${h(s.provenance.cpuModel)}${s.provenance.gpuModel ? `, ${h(s.provenance.gpuModel)}` : ''}; ${h(fmt(s.wallMs / 1000))} s</dd>`,
    `<dt>Manifest sha256</dt><dd><code>${h(s.manifestSha256)}</code></dd>`,
    `<dt>Claims fed</dt><dd>${fedClaims.length === 0 ? 'none' : fedClaims.map(claimLink).join(', ')}</dd>`,
    '</dl>',
    layers,
    learningCurvePlot(run.runId, learningCurves(run.events)),
    '</section>',
  ].join('');
}

function plotsSection(input: ReportInput): string {
  const plots = [accuracyVsSparsityPlot(input.runs, input.verdicts)];
  const values = valuePointsByMetric(input.verdicts);
  for (const [metric, points] of values) plots.push(claimedVsMeasuredPlot(metric, points));
  const orders = orderPointsByMetric(input.verdicts);
  for (const [metric, points] of orders) plots.push(orderDifferencesPlot(metric, points));
  const notes: string[] = [];
  if (values.size === 0) notes.push('<p>No claim with a published value has measured runs: no claimed-vs-measured plot.</p>');
  if (orders.size === 0) notes.push('<p>No order claim has a Welch statistic: no order plot.</p>');
  return `<div class="plots">${plots.join('')}</div>${notes.join('')}`;
}

export function renderHtml(input: ReportInput, configurations: readonly ConfigurationRow[]): string {
  const counts = countVerdicts(input.verdicts);
  const runsById = new Map(input.runs.map((r) => [r.runId, r]));
  const orderedRuns = [...input.runs].sort((a, b) => a.index - b.index);
  const fedBy = new Map<string, string[]>();
  for (const { verdict } of flattenVerdicts(input.verdicts)) {
    for (const id of verdict.runIds) fedBy.set(id, [...(fedBy.get(id) ?? []), verdict.claimId]);
  }
  const body = [
    `<h1>${h(input.title)}</h1>`,
    '<dl class="meta">',
    `<dt>Suite</dt><dd><code>${h(input.suiteFile)}</code></dd>`,
    `<dt>Verdicts</dt><dd>${counts.verified} verified, ${counts.failed} failed, ${counts.inconclusive} inconclusive (exit code ${exitCodeForVerdicts(input.verdicts)})</dd>`,
    `<dt>Runs</dt><dd>${input.runs.length}</dd>`,
    `<dt>Tool version</dt><dd>${h(input.toolVersion)}</dd>`,
    `<dt>Machine</dt><dd>${h(input.machine)}</dd>`,
    `<dt>Regenerate</dt><dd><code>${h(input.generatedBy)}</code></dd>`,
    '</dl>',
    input.tolerancePolicy ? `<h2>Tolerance policy</h2><p>${h(input.tolerancePolicy)}</p>` : '',
    '<h2 id="verdicts">Verdicts</h2>',
    input.verdicts.length === 0 ? '<p>No claims to verify.</p>' : verdictsTable(input.verdicts),
    '<h2 id="plots">Plots</h2>',
    plotsSection(input),
    input.verdicts.length > 0 ? '<h2 id="claims">Claims</h2>' : '',
    ...input.verdicts.map((v) => claimSection(v, input.claims, runsById, 0)),
    '<h2 id="configurations">Configurations</h2>',
    '<p>Runs grouped by every axis except seed; mean ± sample std (n − 1) over seeds.</p>',
    configurations.length === 0 ? '<p>No runs.</p>' : configurationsTable(configurations),
    '<h2 id="runs">Runs</h2>',
    ...orderedRuns.map((r) => runSection(r, [...new Set(fedBy.get(r.runId) ?? [])])),
  ].join('\n');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${h(input.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
