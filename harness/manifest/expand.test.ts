import { describe, expect, it } from 'vitest';
import { ManifestError, type ManifestIssue } from '../errors.ts';
import { parseOnly, selectRuns } from '../commands/selection.ts';
import { loadManifestText, type LoadedManifest } from './load.ts';
import { absClaim, suiteFile } from './test-fixtures.ts';
import type { SuiteFile } from './types.ts';

function load(suite: SuiteFile): LoadedManifest {
  return loadManifestText('s.json', JSON.stringify(suite, null, 2));
}

function issuesOf(suite: SuiteFile): ManifestIssue[] {
  try {
    load(suite);
  } catch (error) {
    if (error instanceof ManifestError) return [...error.issues];
    throw error;
  }
  throw new Error('expected a ManifestError');
}

const axesText = (l: LoadedManifest) => l.runs.map((r) => Object.entries(r.axes).map(([k, v]) => `${k}=${v}`).join(' '));

describe('suite expansion', () => {
  it('expands a union of blocks in order, the first axis slowest and the last fastest', () => {
    expect(axesText(load(suiteFile()))).toEqual([
      'method=dense seed=0',
      'method=dense seed=1',
      'method=static distribution=erk sparsity=0.9 seed=0',
      'method=static distribution=erk sparsity=0.9 seed=1',
      'method=static distribution=uniform sparsity=0.9 seed=0',
      'method=static distribution=uniform sparsity=0.9 seed=1',
      'method=rigl distribution=erk sparsity=0.9 seed=0',
      'method=rigl distribution=erk sparsity=0.9 seed=1',
      'method=rigl distribution=uniform sparsity=0.9 seed=0',
      'method=rigl distribution=uniform sparsity=0.9 seed=1',
    ]);
  });

  it('is deterministic: the same file gives the same runs and ids', () => {
    const a = load(suiteFile()).runs.map((r) => r.runId);
    const b = load(suiteFile()).runs.map((r) => r.runId);
    expect(a).toEqual(b);
  });

  it('lets `set` replace whole objects and delete keys with null (dense has no sparsity)', () => {
    const runs = load(suiteFile()).runs;
    expect(runs[0]!.manifest.method).toEqual({ name: 'dense' });
    expect(runs[0]!.manifest.sparsity).toBeUndefined();
    expect(runs[2]!.manifest.method).toEqual({ name: 'static' });
    expect(runs[4]!.manifest.sparsity).toEqual({ target: 0.9, distribution: { kind: 'uniform', denseLayers: [] } });
  });

  it('sets axis values at their paths, creating missing parents, and supports suite-defined axes', () => {
    const suite = suiteFile();
    suite.axes = { lr: { path: 'training.learningRate.initial' }, warmup: { path: 'training.learningRate.warmupSteps' } };
    suite.grid = [{ method: [{ value: 'dense', set: { method: { name: 'dense' }, sparsity: null } }], seed: [0], lr: [0.1, 0.05], warmup: [10] }];
    suite.claims = [absClaim('lr', { lr: '0.050' })];
    const runs = load(suite).runs;
    expect(runs.map((r) => r.manifest.training.learningRate.initial)).toEqual([0.1, 0.05]);
    expect(runs.map((r) => r.manifest.training.learningRate.warmupSteps)).toEqual([10, 10]);
    expect(runs[1]!.axes).toEqual({ method: 'dense', seed: 0, lr: 0.05, warmup: 10 });
  });

  it('traces a problem in an expanded run back to the base or the `set` that caused it', () => {
    const suite = suiteFile();
    // The base's own schema is checked with the file; what only a complete run shows (a meaning
    // check) and what a `set` writes are checked per expanded run and traced back.
    suite.base.training!.learningRate.schedule = { kind: 'piecewise', unit: 'step', boundaries: [100], values: [0.1] };
    const rigl = (suite.grid[1]!.method![1] as unknown as { set: { method: { update: { intervalSteps: number } } } }).set.method;
    rigl.update.intervalSteps = -5;
    const issues = issuesOf(suite);
    expect(issues.map((i) => [i.pointer, i.context])).toEqual([
      ['/base/training/learningRate/schedule/values', 'grid block 0: method=dense, seed=0, and 5 more runs'],
      ['/grid/1/method/1/set/method/update/intervalSteps', 'grid block 1: method=rigl, distribution=erk, sparsity=0.9, seed=0, and 3 more runs'],
    ]);
    expect(issues[0]!.line).not.toBeNull();
  });

  it('rejects unknown axes, an axis a later `set` overwrites, identical runs, and bad `set` paths', () => {
    const unknown = suiteFile();
    unknown.grid[0]!.colour = ['red'];
    expect(issuesOf(unknown)).toEqual([expect.objectContaining({ pointer: '/grid/0/colour', found: 'axis "colour"' })]);

    const overwritten = suiteFile();
    overwritten.grid = [{ method: ['rigl'], distribution: [{ value: 'uniform', set: { method: { name: 'static' } } }] }];
    overwritten.claims = [];
    expect(issuesOf(overwritten)[0]).toMatchObject({ pointer: '/grid/0/method/0', found: '"static"' });

    const duplicate = suiteFile();
    duplicate.grid.push({ method: [{ value: 'dense', set: { method: { name: 'dense' }, sparsity: null } }], seed: [1] });
    expect(issuesOf(duplicate)).toEqual([expect.objectContaining({ pointer: '/grid/2', found: expect.stringMatching(/identical to the one from grid block 0: method=dense, seed=1/) })]);

    const badPath = suiteFile();
    (badPath.grid[0]!.method![0] as { set: Record<string, unknown> }).set['method/name'] = 'x';
    expect(issuesOf(badPath)).toEqual([expect.objectContaining({ pointer: '/grid/0/method/0/set/method~1name' })]);
  });

  it('reports a block that leaves a required part unset', () => {
    const suite = suiteFile();
    suite.grid = [{ distribution: ['erk'] }];
    suite.claims = [];
    expect(issuesOf(suite).map((i) => i.expected).sort()).toEqual(['required property "method"', 'required property "seed"']);
  });
});

describe('--only', () => {
  const loaded = load(suiteFile());

  it('selects runs matching every pair; numbers compare as numbers', () => {
    const only = parseOnly('method=rigl,distribution=erk,sparsity=0.90', loaded.axes);
    expect(selectRuns(loaded.runs, { only, index: null }).map((r) => r.index)).toEqual([6, 7]);
    expect(selectRuns(loaded.runs, { only: parseOnly('seed=1', loaded.axes), index: null }).map((r) => r.index)).toEqual([1, 3, 5, 7, 9]);
  });

  it('does not match a run that lacks the axis (dense has no distribution)', () => {
    const only = parseOnly('distribution=erk', loaded.axes);
    expect(selectRuns(loaded.runs, { only, index: null }).map((r) => r.axes.method)).toEqual(['static', 'static', 'rigl', 'rigl']);
  });

  it('rejects malformed filters, unknown axes and filters that match nothing', () => {
    expect(() => parseOnly('method', loaded.axes)).toThrow(/axis=value pairs/);
    expect(() => parseOnly('methd=rigl', loaded.axes)).toThrow(/unknown axis "methd"; this file's axes are method, distribution, sparsity, seed/);
    expect(() => parseOnly('seed=1,seed=2', loaded.axes)).toThrow(/given twice/);
    expect(() => selectRuns(loaded.runs, { only: parseOnly('sparsity=0.5', loaded.axes), index: null, onlyText: 'sparsity=0.5' })).toThrow(/matches none of the 10 runs/);
  });

  it('combines with --index, which must then match too', () => {
    const index = { index: 6, source: '--index' };
    expect(selectRuns(loaded.runs, { only: parseOnly('method=rigl', loaded.axes), index }).map((r) => r.index)).toEqual([6]);
    expect(() => selectRuns(loaded.runs, { only: parseOnly('method=dense', loaded.axes), index })).toThrow(/run 6 does not match --only/);
    expect(() => selectRuns(loaded.runs, { only: null, index: { index: 10, source: 'JOB_COMPLETION_INDEX' } })).toThrow(
      /JOB_COMPLETION_INDEX: run index 10 is out of range; this file expands to 10 runs \(0 to 9\)/,
    );
  });
});
