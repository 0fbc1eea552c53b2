import { describe, expect, it } from 'vitest';
import { defaultDatasetSpec } from '../../trainers/datasets/catalog.ts';
import type { RunManifest } from '../../trainers/run-manifest.ts';
import { ManifestError, type ManifestIssue } from '../errors.ts';
import { manifestIdentity } from './canonical.ts';
import { loadManifestText } from './load.ts';
import { absClaim, runFile, runInput, suiteFile } from './test-fixtures.ts';

function issuesOf(text: string): ManifestIssue[] {
  try {
    loadManifestText('m.json', text);
  } catch (error) {
    if (error instanceof ManifestError) return [...error.issues];
    throw error;
  }
  throw new Error('expected a ManifestError');
}

function issuesOfValue(value: unknown): ManifestIssue[] {
  return issuesOf(JSON.stringify(value, null, 2));
}

describe('schema errors', () => {
  it('reports every error at once, each with file, pointer, line, column, expected and found', () => {
    const file = runFile() as unknown as Record<string, Record<string, unknown>>;
    delete file.run!.training;
    (file.run!.model as Record<string, unknown>).hiddenSizes = [300, 0];
    file.run!.colour = 'blue';
    const text = JSON.stringify(file, null, 2);
    const issues = issuesOf(text);
    expect(issues).toHaveLength(3);
    const byPointer = new Map(issues.map((i) => [i.pointer, i]));
    expect(byPointer.get('/run')).toMatchObject({ file: 'm.json', expected: 'required property "training"', found: 'no "training"' });
    expect(byPointer.get('/run/model/hiddenSizes/1')).toMatchObject({ expected: 'a number ≥ 1', found: '0' });
    const colour = byPointer.get('/run/colour')!;
    expect(colour.expected).toMatch(/^one of the properties schemaVersion, seed, dataset/);
    expect(colour.found).toBe('unknown property "colour"');
    // The line and column are those of the key in the text.
    const line = text.split('\n').findIndex((l) => l.includes('"colour"')) + 1;
    expect(colour.line).toBe(line);
    expect(colour.column).toBe(5);
  });

  it('names the known methods, models and backends when one is unknown', () => {
    const file = runFile();
    (file.run.method as { name: string }).name = 'rigl2';
    (file.run.model as { name: string }).name = 'vgg';
    file.run.backend = { preference: ['webgpu' as 'cpu'] };
    const issues = issuesOfValue(file);
    expect(issues.find((i) => i.pointer === '/run/method/name')).toMatchObject({
      expected: 'a known name: dense, static, set, snfs, rigl, rigl-sg, rigl-sm, gmp, small-dense',
      found: 'unknown name "rigl2"',
    });
    expect(issues.find((i) => i.pointer === '/run/model/name')?.expected).toBe('a known name: mlp, lenet5-caffe, wrn, resnet50-cifar');
    expect(issues.find((i) => i.pointer === '/run/backend/preference/0')?.expected).toBe('one of "tfjs-node-gpu", "tfjs-node", "native", "wasm", "cpu"');
  });

  it('checks sparsity is in [0, 1) and dataset files carry a sha256 and a size', () => {
    const file = runFile();
    file.run.sparsity!.target = 1;
    file.run.dataset = {
      name: 'fashion-mnist',
      files: [{ role: 'train-images', fileName: 'x.gz', unpackedBytes: 0, unpackedSha256: 'abc' }],
    };
    const issues = issuesOfValue(file);
    expect(issues.find((i) => i.pointer === '/run/sparsity/target')).toMatchObject({ expected: 'a number < 1', found: '1' });
    expect(issues.find((i) => i.pointer === '/run/dataset/files/0/unpackedSha256')).toMatchObject({ expected: 'a sha256 (64 lowercase hex digits) or "unpinned"', found: '"abc"' });
    expect(issues.find((i) => i.pointer === '/run/dataset/files/0/unpackedBytes')).toMatchObject({ expected: 'a number ≥ 1', found: '0' });
  });

  it('does not accept null for an optional key (leave it out instead)', () => {
    const file = runFile();
    (file.run.training as unknown as Record<string, unknown>).labelSmoothing = null;
    expect(issuesOfValue(file)).toEqual([expect.objectContaining({ pointer: '/run/training/labelSmoothing', expected: 'a number', found: 'null' })]);
  });

  it('reports a JSON syntax error with its line and column', () => {
    const issues = issuesOf('{\n  "kind": "run",\n  "title": "x" "y"\n}');
    expect(issues).toEqual([expect.objectContaining({ pointer: '', line: 3, column: 16, found: 'character "\\""' })]);
  });
});

describe('meaning checks', () => {
  it('needs one more piecewise value than boundaries, increasing boundaries, and safe file names', () => {
    const file = runFile();
    file.run.training.epochs = 20;
    file.run.training.learningRate.schedule = { kind: 'piecewise', unit: 'epoch', boundaries: [15, 10], values: [0.1, 0.01] };
    file.run.dataset = { ...defaultDatasetSpec('fashion-mnist') };
    file.run.dataset.files![0]!.fileName = '../../etc/passwd';
    file.run.dataset.files![1]!.fileName = '/etc/passwd';
    const issues = issuesOfValue(file);
    expect(issues.map((i) => i.pointer).sort()).toEqual([
      '/run/dataset/files/0/fileName',
      '/run/dataset/files/1/fileName',
      '/run/training/learningRate/schedule/boundaries/1',
      '/run/training/learningRate/schedule/values',
    ]);
    expect(issues.find((i) => i.pointer === '/run/training/learningRate/schedule/values')).toMatchObject({ expected: 'boundaries.length + 1 = 3 values', found: '2 values' });
    expect(issues.find((i) => i.pointer === '/run/dataset/files/0/fileName')?.found).toMatch(/a "\.\." segment/);
    expect(issues.find((i) => i.pointer === '/run/dataset/files/1/fileName')?.found).toMatch(/an absolute path/);
  });

  it('needs a distribution for sparse methods and no sparsity for dense', () => {
    const sparse = runFile();
    delete sparse.run.sparsity!.distribution;
    expect(issuesOfValue(sparse)).toEqual([expect.objectContaining({ pointer: '/run/sparsity/distribution' })]);
    const dense = runFile();
    dense.run.method = { name: 'dense' };
    dense.claims = [];
    expect(issuesOfValue(dense)).toEqual([expect.objectContaining({ pointer: '/run/sparsity', expected: expect.stringMatching(/no sparsity for method "dense"/) })]);
  });

  it('needs unique claim ids (nested ones too), valid alphas, and groups that select a run', () => {
    const file = runFile();
    file.claims = [
      absClaim('a', { method: 'rigl' }),
      { ...absClaim('a', { method: 'set' }) },
      { ...absClaim('b', { methd: 'rigl' }) },
      {
        kind: 'all',
        id: 'c',
        description: '',
        source: { paper: 'p', table: null, row: null, column: null },
        metric: 'testAccuracy',
        claims: [{ kind: 'order', id: 'b', description: '', source: { paper: 'p', table: null, row: null, column: null }, metric: 'testAccuracy', better: { method: 'rigl' }, worse: { sparsity: 0.9 }, direction: 'higher', alpha: 0.7 }],
      },
    ];
    const issues = issuesOfValue(file);
    expect(issues.find((i) => i.pointer === '/claims/1/id')?.found).toBe('"a", also the id of /claims/0');
    expect(issues.find((i) => i.pointer === '/claims/1/group')).toMatchObject({ expected: 'a group that selects at least one run', found: 'no run with method=set among 1 run' });
    expect(issues.find((i) => i.pointer === '/claims/2/group/methd')?.expected).toMatch(/^a known axis \(method, distribution, sparsity, seed\)/);
    expect(issues.find((i) => i.pointer === '/claims/3/claims/0/id')?.found).toBe('"b", also the id of /claims/2');
    expect(issues.find((i) => i.pointer === '/claims/3/claims/0/alpha')).toMatchObject({ expected: 'a number in (0, 0.5)', found: '0.7' });
    expect(issues).toHaveLength(5);
  });
});

describe('defaults and identity', () => {
  it('resolves every default once, as defaults.ts documents', () => {
    const loaded = loadManifestText('m.json', JSON.stringify(runFile()));
    const expected: RunManifest = {
      schemaVersion: 1,
      seed: 0,
      dataset: defaultDatasetSpec('fashion-mnist'),
      model: { name: 'mlp', hiddenSizes: [300, 100], init: 'torch-linear-default' },
      method: {
        name: 'rigl',
        update: {
          intervalSteps: 100,
          end: { kind: 'fraction', fraction: 0.75 },
          dropFraction: { kind: 'cosine', initial: 0.3 },
          stepConvention: 'after-interval',
          rounding: 'floor',
          replacesOptimizerStep: true,
        },
      },
      sparsity: { target: 0.9, distribution: { kind: 'erk', denseLayers: [], powerScale: 1 } },
      training: {
        epochs: 1,
        batchSize: 128,
        keepLastPartialBatch: true,
        optimizer: { kind: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 0, weightDecayExclude: 'none' },
        learningRate: { initial: 0.1, schedule: { kind: 'constant' }, warmupSteps: 0 },
        labelSmoothing: 0,
        multiplier: 1,
        evalBatchSize: 1000,
      },
      backend: { preference: ['tfjs-node-gpu', 'tfjs-node', 'native', 'wasm', 'cpu'], threads: 1 },
    };
    expect(loaded.runs).toHaveLength(1);
    expect(loaded.runs[0]!.manifest).toEqual(expected);
    expect(loaded.runs[0]!.manifestSha256).toBe(manifestIdentity(expected).manifestSha256);
    expect(loaded.runs[0]!.runId).toBe(manifestIdentity(expected).manifestSha256.slice(0, 16));
  });

  it('gives the same run id whether a default is written out or left out, and whatever the key order', () => {
    const implicit = loadManifestText('a.json', JSON.stringify(runFile())).runs[0]!;
    const explicitFile = runFile();
    explicitFile.run.training.labelSmoothing = 0;
    explicitFile.run.backend = { threads: 1 };
    const reordered = JSON.stringify({ claims: explicitFile.claims, run: Object.fromEntries(Object.entries(explicitFile.run).reverse()), title: 'other title', schemaVersion: 1, kind: 'run' });
    const explicit = loadManifestText('b.json', reordered).runs[0]!;
    expect(explicit.runId).toBe(implicit.runId);
    const changed = runFile();
    changed.run.training.labelSmoothing = 0.1;
    expect(loadManifestText('c.json', JSON.stringify(changed)).runs[0]!.runId).not.toBe(implicit.runId);
  });

  it("gives a run file's run its standard axes from the manifest", () => {
    expect(loadManifestText('m.json', JSON.stringify(runFile())).runs[0]!.axes).toEqual({ method: 'rigl', distribution: 'erk', sparsity: 0.9, seed: 0 });
  });

  it('loads a suite into its expanded runs', () => {
    const loaded = loadManifestText('s.json', JSON.stringify(suiteFile()));
    expect(loaded.kind).toBe('suite');
    expect(loaded.runs.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(new Set(loaded.runs.map((r) => r.runId)).size).toBe(10);
    expect(loaded.runs[0]!.manifest.sparsity).toBeUndefined();
    expect(runInput().seed).toBe(0);
  });
});
