/**
 * Verdicts in words, shared by the terminal table, Markdown and HTML: what was claimed, what was
 * measured, the statistic, and where the claim comes from. Plain text; each format escapes it.
 */
import type { ClaimSource } from '../manifest/types.ts';
import { formatNumber as fmt, formatPEquals, formatPValue } from '../verify/format-number.ts';
import { describeSelector } from '../verify/groups.ts';
import type { ClaimVerdict, GroupMeasurement } from '../verify/types.ts';

/** "Sundar & Dwaraknath 2021, Table 2, row RigL (ERK), column 0.9". */
export function sourceText(source: ClaimSource): string {
  const parts = [source.paper];
  if (source.table !== null) parts.push(source.table);
  if (source.row !== null) parts.push(`row ${source.row}`);
  if (source.column !== null) parts.push(`column ${source.column}`);
  return parts.join(', ');
}

/** The claimed value(s) in one line. */
export function claimedText(verdict: ClaimVerdict): string {
  const c = verdict.claimed;
  const published = 'publishedStd' in c && c.publishedStd !== null ? ` (published ± ${fmt(c.publishedStd)})` : '';
  switch (c.kind) {
    case 'abs':
      return `${fmt(c.value)}${published}, within ±${fmt(c.tolerance)}`;
    case 'rel':
      return `${fmt(c.value)}${published}, within ±${fmt(100 * c.tolerance)} %`;
    case 'equivalence':
      return `${fmt(c.value)}${published}, equivalent within ±${fmt(c.margin)} (α = ${fmt(c.alpha)})`;
    case 'order':
      return `${orderText(verdict)} (α = ${fmt(c.alpha)})`;
    case 'all':
      return `all of ${verdict.subVerdicts.map((s) => s.claimId).join(', ')}`;
  }
}

/**
 * An order claim's groups, naming only the axes in which they differ: "method: rigl > static at
 * distribution=erk, sparsity=0.9".
 */
export function orderText(verdict: ClaimVerdict): string {
  if (verdict.claimed.kind !== 'order') return '';
  const relation = verdict.claimed.direction === 'higher' ? '>' : '<';
  const better = verdict.groups.find((g) => g.role === 'better')?.selector ?? {};
  const worse = verdict.groups.find((g) => g.role === 'worse')?.selector ?? {};
  const axes = [...new Set([...Object.keys(better), ...Object.keys(worse)])];
  const same = axes.filter((a) => a in better && a in worse && String(better[a]) === String(worse[a]));
  const differ = axes.filter((a) => !same.includes(a));
  const side = (selector: Record<string, string | number>) =>
    differ.map((a) => (a in selector ? String(selector[a]) : '(any)')).join(', ');
  const common: Record<string, string | number> = {};
  for (const a of same) common[a] = better[a] as string | number;
  const at = same.length > 0 ? ` at ${describeSelector(common)}` : '';
  if (differ.length === 0) return `${describeSelector(better)} ${relation} itself`;
  return `${differ.join(', ')}: ${side(better)} ${relation} ${side(worse)}${at}`;
}

/** "92.41 ± 0.08 (n = 3)", with the olympic mean first when the claim uses it. */
export function groupText(group: GroupMeasurement): string {
  if (group.n === 0) return 'no runs (n = 0)';
  const spread = group.std !== null ? ` ± ${fmt(group.std)}` : '';
  const base = `${fmt(group.mean as number)}${spread} (n = ${group.n})`;
  if (group.average === 'olympic') {
    return group.averageValue === null ? `olympic mean undefined; mean ${base}` : `olympic ${fmt(group.averageValue)}; mean ${base}`;
  }
  return base;
}

/** The measured side in one line. */
export function measuredText(verdict: ClaimVerdict): string {
  if (verdict.kind === 'all') {
    return verdict.subVerdicts.map((s) => `${s.claimId}: ${s.verdict}`).join('; ');
  }
  if (verdict.kind === 'order') return verdict.groups.map(groupText).join(' vs ');
  const group = verdict.groups[0];
  return group ? groupText(group) : '—';
}

/** The statistic in one line ("—" when none could be computed). */
export function statisticText(verdict: ClaimVerdict): string {
  const s = verdict.statistic;
  if (s === null) return '—';
  switch (s.kind) {
    case 'tolerance':
      return `Δ = ${signed(s.difference)}, allowed ±${fmt(s.allowed)}`;
    case 'welch':
      return (
        `Welch t = ${fmt(s.t)}, df = ${fmt(s.df)}, ${formatPEquals(s.pClaimed)} (opposite ${formatPValue(s.pOpposite)}), ` +
        `${fmt(100 * s.ci.level)} % CI of difference [${fmt(s.ci.lower)}, ${fmt(s.ci.upper)}]`
      );
    case 'tost':
      return (
        `TOST ${formatPEquals(s.p)} (lower ${formatPValue(s.pLower)}, upper ${formatPValue(s.pUpper)}), df = ${fmt(s.df)}, ` +
        `${fmt(100 * s.ci.level)} % CI of Δ [${fmt(s.ci.lower)}, ${fmt(s.ci.upper)}] vs ±${fmt(s.margin)}`
      );
    case 'all':
      return `${s.verified} verified, ${s.failed} failed, ${s.inconclusive} inconclusive`;
  }
}

/** "+0.1" / "−0.2" / "0". */
export function signed(value: number): string {
  if (value > 0) return `+${fmt(value)}`;
  if (value < 0) return `−${fmt(-value)}`;
  return '0';
}

/** "VERIFIED", "FAILED", "INCONCLUSIVE" (as MLCommons checkers print SUCCESS / FAILED). */
export function verdictLabel(verdict: ClaimVerdict['verdict']): string {
  return verdict.toUpperCase();
}

/** The verdict list flattened depth-first with each sub-verdict's depth (for `all` claims). */
export function flattenVerdicts(verdicts: readonly ClaimVerdict[], depth = 0): { verdict: ClaimVerdict; depth: number }[] {
  return verdicts.flatMap((v) => [{ verdict: v, depth }, ...flattenVerdicts(v.subVerdicts, depth + 1)]);
}

/** Every verdict once (top level and inside `all`), first occurrence of each claim id kept. */
export function uniqueVerdicts(verdicts: readonly ClaimVerdict[]): ClaimVerdict[] {
  const seen = new Set<string>();
  const out: ClaimVerdict[] = [];
  for (const { verdict } of flattenVerdicts(verdicts)) {
    if (seen.has(verdict.claimId)) continue;
    seen.add(verdict.claimId);
    out.push(verdict);
  }
  return out;
}

/** Seeds to decide, in words, for an inconclusive verdict; '' otherwise. */
export function seedsText(verdict: ClaimVerdict): string {
  if (verdict.verdict !== 'inconclusive' || verdict.seedsToDecide === null) return '';
  const perGroup = verdict.kind === 'order' || verdict.kind === 'all' ? ' per group' : '';
  return `${verdict.seedsToDecide} seed(s)${perGroup} would decide it`;
}

/** The statistic in a few characters, for the terminal table. */
export function shortStatisticText(verdict: ClaimVerdict): string {
  const s = verdict.statistic;
  if (s === null) return '—';
  switch (s.kind) {
    case 'tolerance':
      return `Δ ${signed(s.difference)} (±${fmt(s.allowed)})`;
    case 'welch':
      return `t ${fmt(s.t, 3)}, df ${fmt(s.df, 3)}, ${formatPEquals(s.pClaimed)}`;
    case 'tost':
      return `TOST ${formatPEquals(s.p)}`;
    case 'all':
      return `${s.verified}/${s.verified + s.failed + s.inconclusive} verified`;
  }
}
