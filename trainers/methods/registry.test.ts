import { describe, expect, it } from 'vitest';
import { InvalidRunConfigError } from '../errors.ts';
import type { MethodId } from '../run-manifest.ts';
import { METHOD_IDS, METHODS, getMethod, isMethodId, methodFor } from './registry.ts';

const ALL: MethodId[] = ['dense', 'static', 'set', 'snfs', 'rigl', 'rigl-sg', 'rigl-sm', 'gmp', 'small-dense'];

describe('registry', () => {
  it('lists exactly the canonical ids of design.md, each definition under its own id', () => {
    expect([...METHOD_IDS].sort()).toEqual([...ALL].sort());
    for (const id of ALL) expect(METHODS[id].id).toBe(id);
  });

  it('an unknown id throws InvalidRunConfigError listing the known ids', () => {
    expect(() => getMethod('rigl2')).toThrow(InvalidRunConfigError);
    expect(() => getMethod('rigl2')).toThrow(
      "unknown method 'rigl2'; known methods: dense, static, set, snfs, rigl, rigl-sg, rigl-sm, gmp, small-dense",
    );
    expect(isMethodId('toString')).toBe(false);
  });

  it('methodFor returns the definition of a spec', () => {
    expect(methodFor({ name: 'gmp', startStep: 0, end: { kind: 'step', step: 1 }, intervalSteps: 1, stepConvention: 'after-interval', scope: 'global', initialSparsity: 0 }).id).toBe('gmp');
  });

  it('every method but small-dense trains the model it is given', () => {
    const model = { name: 'mlp' as const, hiddenSizes: [300, 100], init: 'torch-linear-default' as const };
    for (const id of ALL.filter((m) => m !== 'small-dense')) {
      expect(getMethod(id).resolveModel(model, { name: id } as never, undefined)).toEqual(model);
    }
  });
});
