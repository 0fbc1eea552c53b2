/**
 * Small manifests for the harness's tests: a complete run input (LeNet-300-100 on Fashion-MNIST,
 * one epoch) and a suite built on it. Plain data; each test copies and edits what it needs.
 */
import type { Claim, RunFile, RunManifestInput, SuiteFile } from './types.ts';

export function runInput(): RunManifestInput {
  return {
    seed: 0,
    dataset: { name: 'fashion-mnist' },
    model: { name: 'mlp', hiddenSizes: [300, 100], init: 'torch-linear-default' },
    method: {
      name: 'rigl',
      update: { intervalSteps: 100, end: { kind: 'fraction', fraction: 0.75 }, dropFraction: { kind: 'cosine', initial: 0.3 } },
    },
    sparsity: { target: 0.9, distribution: { kind: 'erk' } },
    training: { epochs: 1, batchSize: 128, optimizer: { kind: 'sgd', momentum: 0.9 }, learningRate: { initial: 0.1 } },
  };
}

export function absClaim(id: string, group: Record<string, string | number>, value = 80, tolerance = 20): Claim {
  return {
    kind: 'abs',
    id,
    description: `${id} (test claim)`,
    source: { paper: 'test', table: null, row: null, column: null },
    metric: 'testAccuracy',
    group,
    value,
    publishedStd: null,
    tolerance,
    average: 'mean',
  };
}

export function orderClaim(id: string, better: Record<string, string | number>, worse: Record<string, string | number>): Claim {
  return {
    kind: 'order',
    id,
    description: `${id} (test claim)`,
    source: { paper: 'test', table: null, row: null, column: null },
    metric: 'testAccuracy',
    better,
    worse,
    direction: 'higher',
    alpha: 0.05,
  };
}

export function runFile(): RunFile {
  return { kind: 'run', schemaVersion: 1, title: 'test run', run: runInput(), claims: [absClaim('sanity', { method: 'rigl' })] };
}

/** {dense} ∪ {static, rigl} × {erk, uniform} × {0.9} × seeds {0, 1}: 2 + 8 = 10 runs. */
export function suiteFile(): SuiteFile {
  const { method: _method, seed: _seed, ...base } = runInput();
  const rigl = runInput().method;
  return {
    kind: 'suite',
    schemaVersion: 1,
    title: 'test suite',
    base,
    grid: [
      { method: [{ value: 'dense', set: { method: { name: 'dense' }, sparsity: null } }], seed: [0, 1] },
      {
        method: [
          { value: 'static', set: { method: { name: 'static' } } },
          { value: 'rigl', set: { method: rigl } },
        ],
        distribution: ['erk', 'uniform'],
        sparsity: [0.9],
        seed: [0, 1],
      },
    ],
    claims: [orderClaim('rigl-beats-static', { method: 'rigl', distribution: 'erk' }, { method: 'static', distribution: 'erk' }), absClaim('dense-sanity', { method: 'dense' })],
  };
}
