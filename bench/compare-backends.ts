/**
 * Cross-backend check: the same suite trained on two backends (two stores), configuration by
 * configuration and claim by claim. Per configuration: the seed means and sample stds on each side
 * and Welch's two-sided t-test (α = 0.05; "consistent" = equal means not rejected). Per claim: the
 * verdict each side's report gave (verdicts.json of `rigl-harness report`), and which differ.
 * Reads stored runs and reports only; trains nothing.
 *
 *   node --import tsx bench/compare-backends.ts --store-a results/fmnist-lenet300 --report-a results/fmnist-lenet300/report \
 *     --store-b results/fmnist-lenet300-native --report-b results/fmnist-lenet300-native/report \
 *     --label-a wasm --label-b native --out results/fmnist-lenet300-native/comparison.md
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadManifestFile } from '../harness/manifest/load.ts';
import { openStore } from '../harness/store/index.ts';
import { readStoredRuns } from '../harness/commands/stored-runs.ts';
import { mean, sampleStd, welchTest } from '../harness/verify/index.ts';
import { trainerVersion } from '../trainers/version.ts';

const { values } = parseArgs({
  options: {
    suite: { type: 'string', default: 'manifests/fmnist-lenet300/suite.json' },
    'store-a': { type: 'string', default: 'results/fmnist-lenet300' },
    'report-a': { type: 'string', default: 'results/fmnist-lenet300/report' },
    'label-a': { type: 'string', default: 'wasm' },
    'store-b': { type: 'string', default: 'results/fmnist-lenet300-native' },
    'report-b': { type: 'string', default: 'results/fmnist-lenet300-native/report' },
    'label-b': { type: 'string', default: 'native' },
    out: { type: 'string', default: 'results/fmnist-lenet300-native/comparison.md' },
  },
});

interface VerdictsFile {
  counts: { verified: number; failed: number; inconclusive: number };
  verdicts: { claimId: string; verdict: string }[];
}

const configKey = (axes: Record<string, unknown>) =>
  [String(axes.method), axes.distribution === undefined ? '-' : String(axes.distribution), typeof axes.sparsity === 'number' ? axes.sparsity.toFixed(2) : '-'].join(' ');

const loaded = await loadManifestFile(values.suite!);

async function accuracies(storeUri: string): Promise<{ byConfig: Map<string, number[]>; trainers: Set<string>; backends: Set<string> }> {
  const store = await openStore(storeUri, {});
  const stored = await readStoredRuns(store, loaded.runs, trainerVersion());
  const byConfig = new Map<string, number[]>();
  const trainers = new Set<string>();
  const backends = new Set<string>();
  for (const r of stored.records) {
    if (r.summary.status !== 'success') continue;
    const key = configKey(r.axes);
    byConfig.set(key, [...(byConfig.get(key) ?? []), r.summary.metrics.testAccuracy]);
    const provenance = r.summary.provenance as { trainerVersion?: string; backend?: { name?: string; threads?: number } } | undefined;
    if (provenance?.trainerVersion) trainers.add(provenance.trainerVersion);
    if (provenance?.backend?.name) backends.add(`${provenance.backend.name} (${provenance.backend.threads ?? '?'} thread)`);
  }
  return { byConfig, trainers, backends };
}

function verdictsOf(reportDir: string): VerdictsFile {
  return JSON.parse(readFileSync(path.join(reportDir, 'verdicts.json'), 'utf8')) as VerdictsFile;
}

const verdictWord = (v: VerdictsFile['verdicts'][number]) => v.verdict.toUpperCase();

const a = await accuracies(values['store-a']!);
const b = await accuracies(values['store-b']!);
const la = values['label-a']!;
const lb = values['label-b']!;
const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

const configRows: string[] = [];
let consistent = 0;
let compared = 0;
for (const key of [...new Set([...a.byConfig.keys(), ...b.byConfig.keys()])].sort()) {
  const x = a.byConfig.get(key) ?? [];
  const y = b.byConfig.get(key) ?? [];
  if (x.length < 2 || y.length < 2) {
    configRows.push(`| ${key} | ${x.length ? fmt(mean(x)) : '-'} | ${y.length ? fmt(mean(y)) : '-'} | - | - | not compared (needs 2+ seeds on both sides) |`);
    continue;
  }
  const w = welchTest(y, x, 0.05);
  const pTwoSided = Math.min(1, 2 * Math.min(w.pGreater, w.pLess));
  const ok = pTwoSided >= 0.05;
  compared += 1;
  if (ok) consistent += 1;
  configRows.push(`| ${key} | ${fmt(mean(x))} ± ${fmt(sampleStd(x))} | ${fmt(mean(y))} ± ${fmt(sampleStd(y))} | ${fmt(mean(y) - mean(x))} | ${fmt(pTwoSided, 3)} | ${ok ? 'consistent' : 'DIFFERENT'} |`);
}

const va = verdictsOf(values['report-a']!);
const vb = verdictsOf(values['report-b']!);
const byIdB = new Map(vb.verdicts.map((v) => [v.claimId, verdictWord(v)]));
const flips = va.verdicts.filter((v) => byIdB.get(v.claimId) !== verdictWord(v)).map((v) => `| ${v.claimId} | ${verdictWord(v)} | ${byIdB.get(v.claimId) ?? 'missing'} |`);

const counts = (v: VerdictsFile) => `${v.counts.verified} verified, ${v.counts.failed} failed, ${v.counts.inconclusive} inconclusive`;
const text = [
  `# Cross-backend check: ${la} vs ${lb}, ${loaded.title ?? values.suite}`,
  '',
  `Generated by \`node --import tsx bench/compare-backends.ts\` from the stored runs in \`${values['store-a']}\` (${la}: ${[...a.backends].join(', ')}; trainer ${[...a.trainers].join(', ')}) and \`${values['store-b']}\` (${lb}: ${[...b.backends].join(', ')}; trainer ${[...b.trainers].join(', ')}), and their reports' verdicts.json.`,
  '',
  '## Configurations',
  '',
  `Test accuracy (%) after the last epoch, mean ± sample std over seeds; Welch two-sided t-test at α = 0.05 ("consistent" = equal means not rejected); Δ = ${lb} − ${la} in percentage points.`,
  '',
  `| configuration (method distribution sparsity) | ${la} | ${lb} | Δ (pp) | p | |`,
  '| --- | --- | --- | --- | --- | --- |',
  ...configRows,
  '',
  `${consistent} of ${compared} configurations are consistent across the two backends at α = 0.05.`,
  '',
  '## Claims',
  '',
  `${la}: ${counts(va)}. ${lb}: ${counts(vb)}. ${flips.length} of ${va.verdicts.length} claims get a different verdict:`,
  '',
  `| claim | ${la} | ${lb} |`,
  '| --- | --- | --- |',
  ...flips,
  '',
].join('\n');
writeFileSync(values.out!, text);
process.stdout.write(text);
