import { describe, expect, it } from 'vitest';
import { syntheticRun } from '../verify/testing/synthetic-runs.ts';
import { anchorId } from './escape.ts';
import { renderReport } from './render-report.ts';
import { syntheticReportInput } from './testing/synthetic-report.ts';
import { uniqueVerdicts } from './verdict-text.ts';

const input = syntheticReportInput();
const report = renderReport(input);

/** The HTML of the element with this id up to its closing </section> (claims without sub-claims). */
function section(html: string, id: string): string {
  const start = html.indexOf(`id="${id}"`);
  expect(start, `section ${id}`).toBeGreaterThan(0);
  return html.slice(start, html.indexOf('</section>', start));
}

describe('renderReport: HTML', () => {
  const { html } = report;

  it('escapes every text from manifests: no markup injected', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('RigL beats static at equal cost &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<h1>Synthetic suite &lt;b&gt;not bold&lt;/b&gt; &amp; co</h1>');
    expect(html).toContain('<title>Synthetic suite &lt;b&gt;not bold&lt;/b&gt; &amp; co</title>');
    expect(html).not.toContain('<b>not bold</b>');
    // The claim id with quotes and angle brackets is escaped in text and encoded in its anchor.
    expect(html).toContain('B2 &quot;rigl&quot; &amp; &lt;erk&gt;');
    expect(html).toContain(`id="${anchorId('claim', 'B2 "rigl" & <erk>')}"`);
  });

  it('is self-contained: no scripts, no external URLs, a CSP that forbids fetching', () => {
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
    const urls = html.match(/\b(?:https?:)?\/\/[^\s"'<>)]+/g) ?? [];
    expect(urls.filter((u) => u !== 'http://www.w3.org/2000/svg')).toEqual([]);
    expect(html).not.toMatch(/<link\b|@import|url\(/i);
  });

  it('has an anchor per run and per claim, and every internal link resolves', () => {
    for (const run of input.runs) expect(html).toContain(`id="${anchorId('run', run.runId)}"`);
    for (const v of uniqueVerdicts(input.verdicts)) expect(html).toContain(`id="${anchorId('claim', v.claimId)}"`);
    const ids = new Set(Array.from(html.matchAll(/\sid="([^"]+)"/g), (m) => m[1]));
    const targets = Array.from(html.matchAll(/href="#([^"]+)"/g), (m) => m[1]);
    expect(targets.length).toBeGreaterThan(100);
    expect(targets.filter((t) => !ids.has(t))).toEqual([]);
  });

  it('links each claim to every run that fed it, with the source cell and the statistic', () => {
    const claim = uniqueVerdicts(input.verdicts).find((v) => v.claimId === 'R1-erk-0.9');
    if (!claim) throw new Error('fixture lacks R1-erk-0.9');
    const html1 = section(html, anchorId('claim', claim.claimId));
    expect(claim.runIds).toHaveLength(6);
    for (const id of claim.runIds) expect(html1).toContain(`href="#${anchorId('run', id)}"`);
    expect(html1).toContain('table Table 2, row RigL (ERK), column 0.9');
    expect(html1).toMatch(/Welch t = 3.762, df = 4, p = 0.009867/);
  });

  it('lists aborted runs as left out, with the reason', () => {
    const claimless = renderReport({
      ...input,
      claims: [],
      verdicts: [],
    }).html;
    expect(claimless).toContain('No claims to verify.');
    expect(html).toContain('aborted: TrainingDivergedError');
  });

  it('has one accuracy-vs-sparsity plot, claimed-vs-measured and order plots per metric, a learning curve per run', () => {
    const count = (plot: string) => html.split(`data-plot="${plot}"`).length - 1;
    expect(count('accuracy-vs-sparsity')).toBe(1);
    expect(count('claimed-vs-measured')).toBe(1);
    expect(count('order-differences')).toBe(2);
    expect(count('learning-curve')).toBe(input.runs.length);
  });

  it('plots one mean point per configuration and one dot per successful seed', () => {
    const start = html.indexOf('data-plot="accuracy-vs-sparsity"');
    const svg = html.slice(start, html.indexOf('</svg>', start));
    expect(svg.split('class="point"').length - 1).toBe(9);
    expect(svg.split('class="seed"').length - 1).toBe(26);
    // Claimed overlays: B2 (abs), the rel claim and E-dense, all on testAccuracy.
    expect(svg.split('class="claimed"').length - 1).toBe(3);
  });

  it('shows per-layer densities and FLOPs for each run', () => {
    const run = input.runs[5];
    if (!run) throw new Error('fixture too small');
    const html1 = section(html, anchorId('run', run.runId));
    // fc1: 235200 weights at density 0.2 → 47040 active.
    expect(html1).toMatch(/<td>fc1<\/td><td>784×300<\/td><td class="num">235200<\/td><td class="num">0.2<\/td><td class="num">47040<\/td><td class="num">0.2<\/td>/);
    // Run 5 is static · erk · 0.8 (seed 2): train multiplier 0.2 in the fixture.
    expect(html1).toContain('train 0.2 × dense, inference 0.2 × dense');
  });

  it('renders the same bytes for the same input', () => {
    expect(renderReport(syntheticReportInput())).toEqual(report);
  });
});

describe('renderReport: Markdown', () => {
  const { markdown } = report;

  it('opens with the title, the command that regenerates it and the verdict counts', () => {
    expect(markdown.startsWith('# Synthetic suite &lt;b>not bold&lt;/b> & co\n')).toBe(true);
    expect(markdown).toContain('```\nnpx rigl-harness report manifests/synthetic/suite.json --out reports/synthetic\n```');
    expect(markdown).toContain('3 verified, 1 failed, 2 inconclusive (exit code 1)');
  });

  it('names every run that fed each claim', () => {
    for (const v of uniqueVerdicts(input.verdicts)) {
      const start = markdown.indexOf(`: ${v.verdict.toUpperCase()}`, markdown.indexOf('## Claims'));
      expect(start).toBeGreaterThan(0);
      for (const id of v.runIds) expect(markdown).toContain(id);
    }
  });

  it('keeps every table row at its header width (pipes in cells are escaped)', () => {
    const lines = markdown.split('\n');
    let width = 0;
    for (const line of lines) {
      if (!line.startsWith('|')) {
        width = 0;
        continue;
      }
      const cells = line.replace(/\\\|/g, '').split('|').length;
      if (width === 0) width = cells;
      expect(cells, line).toBe(width);
    }
  });

  it('has a per-configuration table with mean ± std and a run section with layer densities', () => {
    expect(markdown).toMatch(/\| rigl \| erk \| 0.9 \| 3 \| 97.02 ± 0.293 \|/);
    expect(markdown).toMatch(/\| static \| uniform \| 0.9 \| 2 \(\+1 aborted\) \|/);
    expect(markdown).toMatch(/\| fc2 \| 300×100 \| 30000 \| 0.1 \| 3000 \| 0.1 \|/);
  });
});

describe('renderReport: CSV and JSON', () => {
  it('writes one CSV row per configuration, with aborted runs counted and quoting where needed', () => {
    const lines = report.csv.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'method,distribution,sparsity,runs,aborted,testAccuracyMean,testAccuracyStd,bestTestAccuracyMean,bestTestAccuracyStd,' +
        'finalTrainLossMean,finalTrainLossStd,trainFlopsMultiplierMean,trainFlopsMultiplierStd,inferenceFlopsMultiplierMean,' +
        'inferenceFlopsMultiplierStd,measuredSparsityMean,measuredSparsityStd,runIds',
    );
    expect(lines).toHaveLength(10);
    expect(lines[1]?.startsWith('dense,,,3,0,98.31666666666')).toBe(true);
    expect(lines.find((l) => l.startsWith('static,uniform,0.9,'))).toMatch(/^static,uniform,0.9,3,1,/);
    const odd = renderReport({
      ...input,
      runs: [syntheticRun({ index: 0, axes: { method: 'a,"b"', seed: 0 }, testAccuracy: 50 })],
    }).csv;
    expect(odd.split('\n')[1]).toMatch(/^"a,""b""",1,0,50,,/);
  });

  it('writes verdicts JSON with metadata, exit code and non-finite numbers as strings', () => {
    const doc = JSON.parse(report.verdictsJson);
    expect(doc).toMatchObject({ schemaVersion: 1, exitCode: 1, counts: { verified: 3, failed: 1, inconclusive: 2 }, suiteFile: 'manifests/synthetic/suite.json' });
    const h3 = doc.verdicts.find((v: { claimId: string }) => v.claimId === 'H3');
    expect(h3.subVerdicts[1].statistic.t).toBe('Infinity');
    expect(h3.subVerdicts[1].statistic.pClaimed).toBe(0);
  });
});
