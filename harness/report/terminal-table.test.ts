import { describe, expect, it } from 'vitest';
import { renderVerdictTable } from './terminal-table.ts';
import { syntheticReportInput } from './testing/synthetic-report.ts';

describe('renderVerdictTable', () => {
  const { verdicts } = syntheticReportInput();
  const table = renderVerdictTable(verdicts);
  const lines = table.split('\n');

  it('has a header, a rule, one row per claim and sub-claim, aligned columns', () => {
    expect(lines[0]).toMatch(/^claim\s+verdict\s+metric\s+claimed\s+measured\s+statistic$/);
    expect(lines[1]).toMatch(/^-+( {2}-+){5}$/);
    const rows = lines.slice(2, 2 + 8);
    expect(rows.map((r) => r.trim().split(/\s{2,}/)[0])).toEqual([
      'B2 "rigl" & <erk>', 'B2-static-uniform-0.8', 'E-dense', 'R1-erk-0.9', 'H6-rigl-0.8', 'H3', 'R1-erk-0.9', 'R1-flops',
    ]);
    // Sub-claims of H3 are indented by two spaces.
    expect(rows[6]?.startsWith('  R1-erk-0.9')).toBe(true);
    // The verdict column starts at the same offset on every line.
    const verdictColumn = (lines[0] as string).indexOf('verdict');
    for (const row of rows) expect(row.slice(verdictColumn)).toMatch(/^(VERIFIED|FAILED|INCONCLUSIVE)\s/);
  });

  it('counts verdicts and explains each claim that is not verified', () => {
    expect(table).toContain('3 verified, 1 failed, 2 inconclusive');
    expect(table).toMatch(/^B2-static-uniform-0.8 FAILED: olympic mean 96.9 over 3 run\(s\)/m);
    expect(table).toMatch(/^H6-rigl-0.8 INCONCLUSIVE: .*about 13 seeds per group would decide it/m);
    expect(table).not.toMatch(/^R1-erk-0.9 VERIFIED:/m);
  });

  it('cuts long cells with an ellipsis and replaces control characters', () => {
    const [first] = verdicts;
    if (!first) throw new Error('fixture has no verdicts');
    const long = renderVerdictTable([{ ...first, claimId: `evil\u001b[31m${'x'.repeat(80)}` }]);
    expect(long).not.toContain('\u001b');
    expect(long).toContain('evil?[31m');
    expect(long).toMatch(/x…/);
  });

  it('says so when there is nothing to verify', () => {
    expect(renderVerdictTable([])).toBe('No claims to verify.\n');
  });
});
