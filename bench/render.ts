/**
 * The bench's outputs: the table printed on stdout, and the Markdown and JSON files of
 * results/bench/ (how to read them: results/bench/README.md).
 */
import type { BenchReport, CaseRecord } from './orchestrate.ts';
import { median } from './stats.ts';

/** Milliseconds with about three significant digits and thousands separators. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const digits = ms < 10 ? 2 : ms < 100 ? 1 : 0;
  return ms.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatRatio(ratio: number): string {
  return ratio < 10 ? ratio.toFixed(2) : ratio.toFixed(1);
}

function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** What one call achieves per second, or per item for the harness cases. */
export function throughputText(c: CaseRecord): string {
  const median = c.summary.medianMs;
  if (c.kind === 'step' && c.batch !== null) return `${formatCount((c.batch * 1000) / median)} samples/s`;
  if (c.kind === 'mask-update') return `${formatCount(1000 / median)} updates/s`;
  if (c.itemsPerCall !== null) {
    const perItemUs = (median * 1000) / c.itemsPerCall;
    return perItemUs >= 1000 ? `${formatMs(perItemUs / 1000)} ms/item` : `${formatMs(perItemUs)} µs/item`;
  }
  return '';
}

/** The case's title; harness titles say "N" where the item count goes. */
function caseLabel(c: CaseRecord): string {
  return c.itemsPerCall === null ? c.title : c.title.replace(/\bN\b/, formatCount(c.itemsPerCall));
}

export const TABLE_HEADER = ['case', 'backend', 'n', 'median ms', 'p25–p75 ms', 'throughput', 'PyTorch ms', 'ours/PyTorch', 'per round'] as const;

/** One row per case of the main table (steps, mask updates, harness), the cells of TABLE_HEADER. */
export function tableRows(report: BenchReport): string[][] {
  return report.cases.filter((c) => c.section === 'steps').map((c) => {
    const backend = c.backendLabel ?? 'node';
    const peer = c.peer === null ? '—' : `${formatMs(c.peer.summary.medianMs)} (${c.peer.threads}t)`;
    const ratio = c.ratio === null ? '—' : formatRatio(c.ratio.ratio);
    const perRound = c.ratio === null || c.ratio.perRound.length < 2 ? '' : c.ratio.perRound.map(formatRatio).join(', ');
    return [
      caseLabel(c),
      backend,
      String(c.summary.n),
      formatMs(c.summary.medianMs),
      `${formatMs(c.summary.p25Ms)}–${formatMs(c.summary.p75Ms)}`,
      throughputText(c),
      peer,
      ratio,
      perRound,
    ];
  });
}

export const CURVE_HEADER = ['sparsity', 'backend', 'sparse layers', 'ours ms (sparse kernels)', 'PyTorch ms (dense-masked)', 'speedup', 'per round'] as const;

/**
 * The sparsity curve: every RigL step on the sparse path (the curve's points and the main table's
 * 0.9), by backend then sparsity. Speedup = PyTorch's median / ours (> 1: we are faster).
 */
export function curveRows(report: BenchReport): string[][] {
  const points = report.cases.filter((c) => c.kind === 'step' && c.model === 'rigl-mlp' && c.maskedPath === 'sparse' && c.sparsity !== null);
  points.sort((a, b) => (a.backendLabel ?? '').localeCompare(b.backendLabel ?? '') || a.sparsity! - b.sparsity!);
  return points.map((c) => [
    c.sparsity!.toFixed(2),
    c.backendLabel ?? '',
    c.sparseLayers === null ? '?' : c.sparseLayers.length === 0 ? 'none' : c.sparseLayers.join(', '),
    formatMs(c.summary.medianMs),
    c.peer === null ? '—' : `${formatMs(c.peer.summary.medianMs)} (${c.peer.threads}t)`,
    c.ratio === null ? '—' : `${formatRatio(1 / c.ratio.ratio)}×`,
    c.ratio === null || c.ratio.perRound.length < 2 ? '' : c.ratio.perRound.map((r) => formatRatio(1 / r)).join(', '),
  ]);
}

export const WHOLE_RUN_HEADER = ['run', 'epochs', 'ours', 'ours s', 'PyTorch s', 'ours/PyTorch', 'per round', 'ours test acc. %', 'PyTorch test acc. %'] as const;

function seconds(values: readonly number[]): string {
  if (values.length === 0) return '—';
  const text = formatMs(median(values));
  return values.length < 2 ? text : `${text} (${values.map((v) => formatMs(v)).join(', ')})`;
}

/** Accuracies of the rounds: one number when every round agrees (deterministic runs), else each. */
function accuracies(values: readonly number[]): string {
  if (values.length === 0) return '—';
  const texts = [...new Set(values.map((v) => v.toFixed(2)))];
  return texts.length === 1 ? texts[0]! : values.map((v) => v.toFixed(2)).join(', ');
}

/** The whole runs: wall seconds process start to exit (median, then each round), ratio, accuracies. */
export function wholeRunRows(report: BenchReport): string[][] {
  return report.cases.flatMap((c) => {
    if (c.wholeRun === null) return [];
    const w = c.wholeRun;
    return [
      [
        c.title,
        String(w.epochs),
        `${w.ours[0]?.engine ?? c.backendLabel ?? ''}, taskset -c ${w.cpu}`,
        seconds(w.ours.map((r) => r.wallSeconds)),
        seconds(w.peer.map((r) => r.wallSeconds)),
        c.ratio === null ? '—' : formatRatio(c.ratio.ratio),
        c.ratio === null || c.ratio.perRound.length < 2 ? '' : c.ratio.perRound.map(formatRatio).join(', '),
        accuracies(w.ours.map((r) => r.testAccuracy)),
        accuracies(w.peer.map((r) => r.testAccuracy)),
      ],
    ];
  });
}

/** A plain-text table with aligned columns (numbers right-aligned). */
export function renderTextTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => i > 1 && rows.every((r) => /^[—\d.,\s()t–%a-zµ/×]*$/.test(r[i] ?? '')));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function loadLine(report: BenchReport): string {
  const first = report.load[0]?.loadAverage;
  const last = report.load[report.load.length - 1]?.loadAverage;
  const fmt = (l: [number, number, number] | undefined) => (l === undefined ? '?' : l.map((x) => x.toFixed(2)).join(' / '));
  return `load average (1/5/15 min): ${fmt(first)} at start, ${fmt(last)} at end`;
}

function torchLine(report: BenchReport): string {
  const t = report.torch;
  return t.available ? `PyTorch ${t.torchVersion} (${t.python}), BLAS ${t.blas ?? 'unknown'}` : `PyTorch: not run (${t.reason})`;
}

function machineLine(report: BenchReport): string {
  const m = report.machine;
  const tfjs = m.packages['@tensorflow/tfjs-core'] ?? '?';
  const wasm = m.packages['@tensorflow/tfjs-backend-wasm'] ?? '?';
  return `${m.cpuModel}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, Node ${m.nodeVersion}, tfjs-core ${tfjs}, tfjs-backend-wasm ${wasm}`;
}

/** What `npm run bench` prints on stdout: the main table, then the curve and the whole runs when run. */
export function renderText(report: BenchReport): string {
  const main = tableRows(report);
  const curve = curveRows(report);
  const whole = wholeRunRows(report);
  return [
    `rigl-harness bench, ${report.startedAt} (${formatMs(report.wallMs / 1000)} s)${report.options.quick ? ' --quick' : ''}`,
    machineLine(report),
    torchLine(report),
    loadLine(report),
    ...(main.length > 0 ? ['', renderTextTable(TABLE_HEADER, main)] : []),
    ...(curve.length > 0 ? ['', 'Sparsity curve, RigL ERK MLP step (speedup = PyTorch / ours):', renderTextTable(CURVE_HEADER, curve)] : []),
    ...(whole.length > 0 ? ['', 'Whole fmnist-lenet300 runs, wall seconds from process start to exit:', renderTextTable(WHOLE_RUN_HEADER, whole)] : []),
    '',
    ...report.notes.map((n) => `* ${n}`),
  ].join('\n');
}

/** A Markdown table; columns from `numericFrom` on are right-aligned. */
function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], numericFrom: number): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i >= numericFrom ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(escapeCell).join(' | ')} |`),
  ];
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** results/bench/<date>-<machine>.md */
export function renderMarkdown(report: BenchReport, command: string): string {
  const m = report.machine;
  const rows = tableRows(report);
  const curve = curveRows(report);
  const whole = wholeRunRows(report);
  const table = rows.length > 0 ? markdownTable(TABLE_HEADER, rows, 2) : [];
  const loadRows = report.load.map((l) => `| ${l.at} | ${escapeCell(l.phase)} | ${l.loadAverage.map((x) => x.toFixed(2)).join(' / ')} |`);
  return [
    `# Bench ${report.startedAt.slice(0, 10)}: ${m.cpuModel}, ${m.cores} cores`,
    '',
    `Produced by \`${command}\` at commit ${m.gitCommit ?? 'unknown'}${m.gitDirty === true ? ' (working tree with uncommitted changes)' : ''}, ` +
      `${report.startedAt} → ${report.finishedAt} (${formatMs(report.wallMs / 1000)} s). How to read it: [README.md](README.md).`,
    '',
    `- machine: ${machineLine(report)}; ${m.platform}`,
    `- ${torchLine(report)}`,
    `- ${loadLine(report)}`,
    `- rounds: ${report.options.rounds} (ours then PyTorch, per thread count, each round)${report.options.only === null ? '' : `; --only ${report.options.only.join(',')}`}`,
    '',
    ...table,
    '',
    ...(curve.length > 0
      ? [
          '## Sparsity curve: RigL ERK MLP step',
          '',
          'Ours through the native sparse kernels (trainers/step-layouts.ts; "sparse layers" are the weight layers it ran sparse, ' +
            'the others dense), PyTorch dense-masked as the report\'s code does it, at the same sparsity and thread count; ' +
            'speedup = PyTorch median / ours (> 1: ours is faster).',
          '',
          ...markdownTable(CURVE_HEADER, curve, 3),
          '',
        ]
      : []),
    ...(whole.length > 0
      ? [
          '## Whole fmnist-lenet300 runs on one core',
          '',
          'Wall seconds from process start to exit (median, then each round in order; ours and PyTorch alternate within a round), ' +
            'both pinned with `taskset`; test accuracy after the last epoch.',
          '',
          ...markdownTable(WHOLE_RUN_HEADER, whole, 1),
          '',
          ...wholeRunCommands(report),
        ]
      : []),
    '## Notes',
    '',
    ...report.notes.map((n) => `- ${n}`),
    '',
    '## Load during the run',
    '',
    '| time (UTC) | about to run | load 1 / 5 / 15 min |',
    '|---|---|---|',
    ...loadRows,
    '',
  ].join('\n');
}

/** The commands the whole runs ran, once per case and side. */
function wholeRunCommands(report: BenchReport): string[] {
  const lines: string[] = [];
  for (const c of report.cases) {
    if (c.wholeRun === null) continue;
    const ours = c.wholeRun.ours[0];
    const peer = c.wholeRun.peer[0];
    if (ours !== undefined) lines.push(`- ${c.title}, ours: \`${ours.command}\``);
    if (peer !== undefined) lines.push(`- ${c.title}, PyTorch: \`${peer.command}\``);
  }
  return lines.length > 0 ? [...lines, ''] : [];
}

export function renderJson(report: BenchReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
