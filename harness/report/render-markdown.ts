/**
 * The report as Markdown: header with the command that regenerates it, the verdict table, each
 * claim's details with the runs that fed it (by run id), the per-configuration table, and each
 * run's per-layer densities and FLOPs.
 */
import { formatNumber as fmt } from '../verify/format-number.ts';
import { describeSelector } from '../verify/groups.ts';
import type { ClaimVerdict, RunRecord } from '../verify/types.ts';
import { exitCodeForVerdicts } from '../verify/evaluate.ts';
import { configurationAxisNames, type ConfigurationRow, type SeedStatistic } from './configurations.ts';
import { escapeMarkdownCell as cell, escapeMarkdownText as md } from './escape.ts';
import type { ReportInput } from './report-input.ts';
import { countVerdicts } from './terminal-table.ts';
import {
  claimedText,
  flattenVerdicts,
  groupText,
  measuredText,
  seedsText,
  sourceText,
  statisticText,
  verdictLabel,
} from './verdict-text.ts';

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers.map(cell)), line(headers.map(() => '---')), ...rows.map((r) => line(r.map(cell)))].join('\n');
}

/** A fenced code block whose fence is longer than any backtick run inside. */
function codeBlock(content: string): string {
  const longest = Math.max(2, ...Array.from(content.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}\n${content}\n${fence}`;
}

/** "92.41 ± 0.08" or "92.41" or "—". */
export function meanStdText(s: SeedStatistic): string {
  if (s.mean === null) return '—';
  return s.std === null ? fmt(s.mean) : `${fmt(s.mean)} ± ${fmt(s.std)}`;
}

function verdictRows(verdicts: readonly ClaimVerdict[]): string[][] {
  return flattenVerdicts(verdicts).map(({ verdict, depth }) => [
    `${'↳ '.repeat(depth)}${verdict.claimId}`,
    verdictLabel(verdict.verdict),
    verdict.metric,
    claimedText(verdict),
    measuredText(verdict),
    statisticText(verdict),
    sourceText(verdict.source),
  ]);
}

function claimDetails(verdict: ClaimVerdict, runsById: Map<string, RunRecord>, depth: number): string {
  const lines: string[] = [];
  const heading = '#'.repeat(Math.min(6, 3 + depth));
  lines.push(`${heading} ${md(verdict.claimId)}: ${verdictLabel(verdict.verdict)}`, '');
  if (verdict.description) lines.push(md(verdict.description), '');
  lines.push(`- Source: ${md(sourceText(verdict.source))}`);
  lines.push(`- Metric: ${md(verdict.metric)}`);
  lines.push(`- Claimed: ${md(claimedText(verdict))}`);
  lines.push(`- Measured: ${md(measuredText(verdict))}`);
  lines.push(`- Statistic: ${md(statisticText(verdict))}`);
  lines.push(`- Decision rule: ${md(verdict.decisionRule)}`);
  lines.push(`- Why: ${md(verdict.why)}`);
  const seeds = seedsText(verdict);
  if (seeds) lines.push(`- Seeds to decide: ${md(seeds)}`);
  lines.push(`- Runs: ${verdict.runIds.length === 0 ? 'none' : verdict.runIds.map((id) => md(id)).join(', ')}`);
  if (verdict.groups.length > 0) {
    lines.push('');
    const rows = verdict.groups.flatMap((g) => [
      ...g.runIds.map((id, i) => [g.role, describeSelector(g.selector), id, seedOf(runsById.get(id)), fmt(g.values[i] as number), 'used']),
      ...g.excluded.map((e) => [g.role, describeSelector(g.selector), e.runId, seedOf(runsById.get(e.runId)), '—', `left out: ${e.reason}`]),
    ]);
    lines.push(table(['group', 'selector', 'run', 'seed', verdict.metric, 'status'], rows));
    lines.push('', ...verdict.groups.map((g) => `- ${md(g.role)} (${md(describeSelector(g.selector))}): ${md(groupText(g))}`));
  }
  lines.push('');
  for (const sub of verdict.subVerdicts) lines.push(claimDetails(sub, runsById, depth + 1));
  return lines.join('\n');
}

/** The run's seed axis, '—' when it has none, '?' for a run id not among the report's runs. */
export function seedOf(run: RunRecord | undefined): string {
  if (run === undefined) return '?';
  return run.axes.seed === undefined ? '—' : String(run.axes.seed);
}

function configurationTable(rows: readonly ConfigurationRow[]): string {
  const axes = configurationAxisNames(rows);
  return table(
    [...axes, 'n', 'test accuracy (%)', 'best test accuracy (%)', 'train FLOPs (× dense)', 'inference FLOPs (× dense)', 'runs'],
    rows.map((r) => [
      ...axes.map((a) => (r.axes[a] === undefined ? '—' : String(r.axes[a]))),
      r.abortedRunIds.length > 0 ? `${r.testAccuracy.n} (+${r.abortedRunIds.length} aborted)` : String(r.testAccuracy.n),
      meanStdText(r.testAccuracy),
      meanStdText(r.bestTestAccuracy),
      meanStdText(r.trainMultiplier),
      meanStdText(r.inferenceMultiplier),
      r.runIds.join(' '),
    ]),
  );
}

function runSection(run: RunRecord): string {
  const s = run.summary;
  const axes = Object.entries(run.axes).map(([k, v]) => `${k}=${v}`).join(', ');
  const lines = [
    `### Run ${md(run.runId)}`,
    '',
    `- Axes: ${md(axes || '(none)')}`,
    `- Status: ${md(s.status)}${s.abortReason ? ` (${md(s.abortReason)})` : ''}`,
    `- Test accuracy: ${fmt(s.metrics.testAccuracy)} % (best ${fmt(s.metrics.bestTestAccuracy)} %), final train loss ${fmt(s.metrics.finalTrainLoss)}, ${s.metrics.epochs} epochs, ${s.metrics.steps} steps`,
    `- FLOPs: train ${fmt(s.flops.trainMultiplier)} × dense, inference ${fmt(s.flops.inferenceMultiplier)} × dense (dense forward ${fmt(s.flops.denseForward)} per example)`,
    `- Mask updates: ${s.maskUpdates}; wall time ${fmt(s.wallMs / 1000)} s; backend ${md(s.provenance.backend.name)} (${md(s.provenance.backend.determinism)}); trainer ${md(s.provenance.trainerVersion)}`,
    '',
    table(
      ['layer', 'shape', 'size', 'target density', 'active', 'density'],
      s.layers.map((l) => [l.name, l.shape.join('×'), String(l.size), fmt(l.targetDensity), String(l.activeCount), l.size > 0 ? fmt(l.activeCount / l.size) : '—']),
    ),
    '',
  ];
  return lines.join('\n');
}

export function renderMarkdown(input: ReportInput, configurations: readonly ConfigurationRow[]): string {
  const counts = countVerdicts(input.verdicts);
  const runsById = new Map(input.runs.map((r) => [r.runId, r]));
  const orderedRuns = [...input.runs].sort((a, b) => a.index - b.index);
  const parts = [
    `# ${md(input.title)}`,
    '',
    `- Suite: ${md(input.suiteFile)}`,
    `- Tool version: ${md(input.toolVersion)}`,
    `- Machine: ${md(input.machine)}`,
    `- Verdicts: ${counts.verified} verified, ${counts.failed} failed, ${counts.inconclusive} inconclusive (exit code ${exitCodeForVerdicts(input.verdicts)})`,
    `- Runs: ${input.runs.length}`,
    '',
    'Regenerate with:',
    '',
    codeBlock(input.generatedBy),
    '',
  ];
  if (input.tolerancePolicy) parts.push('## Tolerance policy', '', md(input.tolerancePolicy), '');
  parts.push('## Verdicts', '');
  parts.push(
    input.verdicts.length === 0
      ? 'No claims to verify.'
      : table(['claim', 'verdict', 'metric', 'claimed', 'measured', 'statistic', 'source'], verdictRows(input.verdicts)),
    '',
  );
  if (input.verdicts.length > 0) {
    parts.push('## Claims', '');
    for (const v of input.verdicts) parts.push(claimDetails(v, runsById, 0));
  }
  parts.push('## Configurations', '', 'Runs grouped by every axis except seed; mean ± sample std (n − 1) over seeds.', '');
  parts.push(configurations.length === 0 ? 'No runs.' : configurationTable(configurations), '');
  parts.push('## Runs', '');
  for (const run of orderedRuns) parts.push(runSection(run));
  return `${parts.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
