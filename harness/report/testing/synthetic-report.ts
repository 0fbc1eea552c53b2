/**
 * A small synthetic suite for report tests: dense ∪ {static, rigl} × {erk, uniform} × {0.8, 0.9},
 * three seeds each (27 runs, one aborted), with abs, rel, equivalence, order and all claims whose
 * verdicts come from the real evaluator. Accuracies are fixed numbers, not random draws.
 */
import type { Claim, ClaimSource } from '../../manifest/types.ts';
import { evaluateClaims } from '../../verify/evaluate.ts';
import { syntheticRun } from '../../verify/testing/synthetic-runs.ts';
import type { RunRecord } from '../../verify/types.ts';
import type { ReportInput } from '../report-input.ts';

const SOURCE: ClaimSource = { paper: 'Sundar & Dwaraknath 2021 (arXiv 2103.15767)', table: 'Table 2', row: 'RigL (ERK)', column: '0.9' };

/** Base accuracy per configuration (percent), before the per-seed offsets −0.1, 0, +0.1 (×k). */
const BASE: [method: string, distribution: string | null, sparsity: number | null, accuracy: number, trainMultiplier: number][] = [
  ['dense', null, null, 98.2, 1],
  ['static', 'erk', 0.8, 97.1, 0.2],
  ['static', 'erk', 0.9, 96.0, 0.1],
  ['static', 'uniform', 0.8, 96.9, 0.2],
  ['static', 'uniform', 0.9, 95.6, 0.1],
  ['rigl', 'erk', 0.8, 97.6, 0.24],
  ['rigl', 'erk', 0.9, 96.9, 0.13],
  ['rigl', 'uniform', 0.8, 97.3, 0.22],
  ['rigl', 'uniform', 0.9, 96.5, 0.12],
];
const SEED_OFFSETS = [-0.1, 0, 0.15];

export function syntheticReportRuns(): RunRecord[] {
  const runs: RunRecord[] = [];
  for (const [method, distribution, sparsity, accuracy, trainMultiplier] of BASE) {
    SEED_OFFSETS.forEach((offset, seed) => {
      const axes: Record<string, string | number> = { method, seed };
      if (distribution !== null) axes.distribution = distribution;
      if (sparsity !== null) axes.sparsity = sparsity;
      const index = runs.length;
      runs.push(
        syntheticRun({
          index,
          runId: `${(0xa1b2c3d4e5f60000n + BigInt(index)).toString(16)}`,
          axes,
          testAccuracy: Number((accuracy + offset * (1 + seed)).toFixed(3)),
          epochs: 4,
          trainMultiplier,
          // One static run diverged: shown in the report, left out of every statistic.
          status: method === 'static' && distribution === 'uniform' && sparsity === 0.9 && seed === 2 ? 'aborted' : 'success',
        }),
      );
    });
  }
  return runs;
}

export function syntheticClaims(): Claim[] {
  const common = { source: SOURCE, metric: 'testAccuracy' };
  const riglBeatsStatic: Claim = {
    ...common, id: 'R1-erk-0.9', description: 'RigL beats static at equal cost <script>alert(1)</script>', kind: 'order',
    better: { method: 'rigl', distribution: 'erk', sparsity: 0.9 }, worse: { method: 'static', distribution: 'erk', sparsity: 0.9 },
    direction: 'higher', alpha: 0.05,
  };
  const riglCosts: Claim = {
    ...common, id: 'R1-flops', description: 'RigL costs more training FLOPs than static', metric: 'flops.trainMultiplier', kind: 'order',
    better: { method: 'rigl', distribution: 'erk', sparsity: 0.9 }, worse: { method: 'static', distribution: 'erk', sparsity: 0.9 },
    direction: 'higher', alpha: 0.05,
  };
  return [
    { ...common, id: 'B2 "rigl" & <erk>', description: 'RigL ERK 0.9 reproduces the table cell', kind: 'abs', group: { method: 'rigl', distribution: 'erk', sparsity: 0.9 }, value: 96.9, publishedStd: 0.06, tolerance: 0.3, average: 'mean' },
    { ...common, id: 'B2-static-uniform-0.8', description: 'Static uniform 0.8, relative', kind: 'rel', group: { method: 'static', distribution: 'uniform', sparsity: 0.8 }, value: 95.0, publishedStd: null, tolerance: 0.005, average: 'olympic' },
    { ...common, id: 'E-dense', description: 'Dense matches 98.2 within 0.5', kind: 'equivalence', group: { method: 'dense' }, value: 98.2, publishedStd: 0.1, margin: 0.5, alpha: 0.05 },
    riglBeatsStatic,
    { ...common, id: 'H6-rigl-0.8', description: 'ERK beats uniform for RigL at 0.8', kind: 'order', better: { method: 'rigl', distribution: 'erk', sparsity: 0.8 }, worse: { method: 'rigl', distribution: 'uniform', sparsity: 0.8 }, direction: 'higher', alpha: 0.01 },
    { ...common, id: 'H3', description: 'RigL more accurate AND more FLOPs', kind: 'all', claims: [riglBeatsStatic, riglCosts] },
  ];
}

export function syntheticReportInput(): ReportInput {
  const runs = syntheticReportRuns();
  const claims = syntheticClaims();
  return {
    title: 'Synthetic suite <b>not bold</b> & co',
    suiteFile: 'manifests/synthetic/suite.json',
    claims,
    verdicts: evaluateClaims(claims, runs),
    runs,
    generatedBy: 'npx rigl-harness report manifests/synthetic/suite.json --out reports/synthetic',
    tolerancePolicy: 'abs: max(2 × published std, 0.3 pp) — research/claims.md §A',
    toolVersion: '0.1.0',
    machine: 'test machine',
  };
}
