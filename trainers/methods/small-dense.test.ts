import { describe, expect, it } from 'vitest';
import { InvalidRunConfigError } from '../errors.ts';
import { smallDenseMethod } from './small-dense.ts';

const mlp = { name: 'mlp' as const, hiddenSizes: [300, 100], init: 'torch-linear-default' as const };
const wrn = { name: 'wrn' as const, depth: 22, widthFactor: 2, dropRate: 0.3 };

describe('small-dense resolveModel (rigl-spec §3.2)', () => {
  it('MLP: hidden sizes pinned in the method config (recipes.md 0.90 → 34-11)', () => {
    expect(smallDenseMethod.resolveModel(mlp, { name: 'small-dense', hiddenSizes: [34, 11] }, { target: 0.9 })).toEqual({
      ...mlp,
      hiddenSizes: [34, 11],
    });
  });

  it('MLP without hidden sizes is an InvalidRunConfigError', () => {
    const run = () => smallDenseMethod.resolveModel(mlp, { name: 'small-dense', hiddenSizes: null }, { target: 0.9 });
    expect(run).toThrow(InvalidRunConfigError);
    expect(run).toThrow(/needs 'method.hiddenSizes'/);
  });

  it('CNN: widthMultiplier = √density (WRN-22-2 at 0.8: √0.2 = 0.4472, 16 channels → 7)', () => {
    const resolved = smallDenseMethod.resolveModel(wrn, { name: 'small-dense', hiddenSizes: null }, { target: 0.8 });
    expect(resolved).toMatchObject(wrn);
    const m = (resolved as typeof wrn & { widthMultiplier: number }).widthMultiplier;
    expect(m).toBeCloseTo(0.4472136, 7);
    // channels 16/32/64/128 → 7/14/28/57 (rigl-spec §3.2, weight ratio 0.197)
    expect([16, 32, 64, 128].map((c) => Math.trunc(c * m))).toEqual([7, 14, 28, 57]);
    const resnet = smallDenseMethod.resolveModel({ name: 'resnet50-cifar' }, { name: 'small-dense', hiddenSizes: null }, { target: 0.9 });
    expect((resnet as { widthMultiplier: number }).widthMultiplier).toBeCloseTo(Math.sqrt(0.1), 12);
  });

  it('CNN with hidden sizes, or without a target, is an InvalidRunConfigError', () => {
    expect(() => smallDenseMethod.resolveModel(wrn, { name: 'small-dense', hiddenSizes: [8] }, { target: 0.8 })).toThrow(/MLPs only/);
    expect(() => smallDenseMethod.resolveModel(wrn, { name: 'small-dense', hiddenSizes: null }, undefined)).toThrow(/needs 'sparsity.target'/);
  });
});
