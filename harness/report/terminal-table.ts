/**
 * The verdict table `verify` prints: one row per claim (sub-claims of `all` indented under it),
 * then one line of why per claim that is not verified. Plain text, no colour codes, so CI logs
 * and files read the same.
 */
import type { ClaimVerdict } from '../verify/types.ts';
import { claimedText, flattenVerdicts, measuredText, shortStatisticText, verdictLabel } from './verdict-text.ts';

const HEADERS = ['claim', 'verdict', 'metric', 'claimed', 'measured', 'statistic'] as const;
/** Cells longer than this are cut with '…' in the table (the why lines and reports keep everything). */
const MAX_CELL_CHARS = 48;

function width(text: string): number {
  return Array.from(text).length;
}

function cut(text: string): string {
  const chars = Array.from(text);
  return chars.length <= MAX_CELL_CHARS ? text : `${chars.slice(0, MAX_CELL_CHARS - 1).join('')}…`;
}

function pad(text: string, to: number): string {
  return text + ' '.repeat(Math.max(0, to - width(text)));
}

/** Control characters (ANSI escapes from a manifest string) are shown as '?'. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

export function renderVerdictTable(verdicts: readonly ClaimVerdict[]): string {
  if (verdicts.length === 0) return 'No claims to verify.\n';
  const rows = flattenVerdicts(verdicts).map(({ verdict, depth }) =>
    [
      `${'  '.repeat(depth)}${verdict.claimId}`,
      verdictLabel(verdict.verdict),
      verdict.metric,
      claimedText(verdict),
      measuredText(verdict),
      shortStatisticText(verdict),
    ].map((cell) => cut(clean(cell))),
  );
  const widths = HEADERS.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] as string))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => pad(c, widths[i] as number))
      .join('  ')
      .trimEnd();
  const out = [line(HEADERS), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  const notes = flattenVerdicts(verdicts)
    .filter(({ verdict }) => verdict.verdict !== 'verified')
    .map(({ verdict }) => clean(`${verdict.claimId} ${verdictLabel(verdict.verdict)}: ${verdict.why}`));
  const counts = countVerdicts(verdicts);
  out.push('', `${counts.verified} verified, ${counts.failed} failed, ${counts.inconclusive} inconclusive`);
  if (notes.length > 0) out.push('', ...notes);
  return `${out.join('\n')}\n`;
}

/** Top-level verdict counts. */
export function countVerdicts(verdicts: readonly ClaimVerdict[]): Record<ClaimVerdict['verdict'], number> {
  const counts = { verified: 0, failed: 0, inconclusive: 0 };
  for (const v of verdicts) counts[v.verdict] += 1;
  return counts;
}
