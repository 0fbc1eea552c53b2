/**
 * The bench's outputs: the table printed on stdout, and the Markdown and JSON files of
 * results/bench/ (how to read them: results/bench/README.md).
 */
import type { BenchReport, CaseRecord } from './orchestrate.ts';

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

/** One row per case, the cells of TABLE_HEADER. */
export function tableRows(report: BenchReport): string[][] {
  return report.cases.map((c) => {
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

/** A plain-text table with aligned columns (numbers right-aligned). */
export function renderTextTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => i > 1 && rows.every((r) => /^[—\d.,\s()t–%a-zµ/]*$/.test(r[i] ?? '')));
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

/** What `npm run bench` prints on stdout. */
export function renderText(report: BenchReport): string {
  return [
    `rigl-harness bench, ${report.startedAt} (${formatMs(report.wallMs / 1000)} s)${report.options.quick ? ' --quick' : ''}`,
    machineLine(report),
    torchLine(report),
    loadLine(report),
    '',
    renderTextTable(TABLE_HEADER, tableRows(report)),
    '',
    ...report.notes.map((n) => `* ${n}`),
  ].join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** results/bench/<date>-<machine>.md */
export function renderMarkdown(report: BenchReport, command: string): string {
  const m = report.machine;
  const rows = tableRows(report);
  const table = [
    `| ${TABLE_HEADER.join(' | ')} |`,
    `|${TABLE_HEADER.map((_, i) => (i > 1 ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(escapeCell).join(' | ')} |`),
  ];
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

export function renderJson(report: BenchReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
