import { describe, expect, it } from 'vitest';
import { InvalidRunConfigError } from '../errors.ts';
import { lenet5CaffeLayers, mlpLayers, wrn22x2Layers } from './architectures.fixture.ts';
import {
  allocateLayers,
  customDistribution,
  erDistribution,
  erkDistribution,
  realisedDensity,
  uniformDistribution,
} from './distributions.ts';

const erk = { kind: 'erk' as const, denseLayers: [], powerScale: 1 };

describe('ERK, hand cases of rigl-spec §4.3', () => {
  it('MLP 784-300-100-10 at 0.90: fc3 capped dense, densities 0.079568/0.230189/1, counts 18,715/6,906/1,000', () => {
    const a = erkDistribution(mlpLayers(), 0.9, erk);
    expect(a.map((l) => l.density)).toEqual([
      expect.closeTo(0.079568, 6),
      expect.closeTo(0.230189, 6),
      1,
    ]);
    expect(a.map((l) => l.activeCount)).toEqual([18_715, 6_906, 1_000]);
    expect(a.every((l) => l.masked)).toBe(true);
    // ε = 17.2642 after the second pass: density = ε · (n_in + n_out)/(n_in · n_out)
    expect(a[0]!.density / ((784 + 300) / (784 * 300))).toBeCloseTo(17.2642, 4);
    expect(realisedDensity(a)).toBeCloseTo(0.100004, 6);
  });

  it('MLP at 0.98: no layer capped, counts 3,621/1,337/368', () => {
    const a = erkDistribution(mlpLayers(), 0.98, erk);
    expect(a.map((l) => l.activeCount)).toEqual([3_621, 1_337, 368]);
    expect(a.map((l) => l.density)).toEqual([
      expect.closeTo(0.015394, 6),
      expect.closeTo(0.044534, 6),
      expect.closeTo(0.367403, 6),
    ]);
  });

  it('LeNet-5-Caffe at 0.95: fc4 dense, conv1 0.7261, conv2 0.0375, fc3 0.0381, 21,527 active', () => {
    const a = erkDistribution(lenet5CaffeLayers(), 0.95, erk);
    expect(a.map((l) => Number(l.density.toFixed(4)))).toEqual([0.7261, 0.0375, 0.0381, 1]);
    expect(a.reduce((s, l) => s + l.activeCount, 0)).toBe(21_527);
  });

  it('LeNet-5-Caffe at 0.95 under ER (channels only): conv1 dense, conv2 0.4134, fc3 0.0192, fc4 0.6024', () => {
    const a = erDistribution(lenet5CaffeLayers(), 0.95, { kind: 'er', denseLayers: [] });
    expect(a.map((l) => Number(l.density.toFixed(4)))).toEqual([1, 0.4134, 0.0192, 0.6024]);
  });

  it('WRN-22-2 (23 tensors, 1,076,912 weights) at 0.80: conv1, the 1×1 shortcuts and fc become dense', () => {
    const layers = wrn22x2Layers();
    expect(layers).toHaveLength(23);
    expect(layers.reduce((s, l) => s + l.shape.reduce((a, b) => a * b, 1), 0)).toBe(1_076_912);
    const a = erkDistribution(layers, 0.8, erk);
    expect(a.filter((l) => l.density === 1).map((l) => l.name)).toEqual([
      'conv1',
      'block1.0.shortcut',
      'block2.0.shortcut',
      'block3.0.shortcut',
      'fc',
    ]);
    const byName = new Map(a.map((l) => [l.name, l.density]));
    expect(byName.get('block1.0.conv1')).toBeCloseTo(0.886, 3);
    expect(byName.get('block1.0.conv2')).toBeCloseTo(0.574, 3);
    expect(byName.get('block2.0.conv1')).toBeCloseTo(0.418, 3);
    expect(byName.get('block2.1.conv2')).toBeCloseTo(0.275, 3);
    expect(byName.get('block3.0.conv1')).toBeCloseTo(0.203, 3);
    expect(byName.get('block3.2.conv2')).toBeCloseTo(0.134, 3);
    expect(byName.get('block1.0.conv1')! / (54 / 4608)).toBeCloseTo(75.6077, 4);
    expect(realisedDensity(a)).toBeCloseTo(0.200021, 6);
  });

  it('WRN-22-2: at 0.90 block3 shortcut becomes sparse; at 0.95 only conv1, block1 shortcut and fc stay dense', () => {
    const dense = (s: number) =>
      erkDistribution(wrn22x2Layers(), s, erk)
        .filter((l) => l.density === 1)
        .map((l) => l.name);
    expect(dense(0.9)).toEqual(['conv1', 'block1.0.shortcut', 'block2.0.shortcut', 'fc']);
    expect(dense(0.95)).toEqual(['conv1', 'block1.0.shortcut', 'fc']);
  });

  it('powerScale 0 would be uniform; it must be > 0, and a power below 1 flattens the densities', () => {
    expect(() => erkDistribution(mlpLayers(), 0.9, { ...erk, powerScale: 0 })).toThrow(/powerScale.*> 0 but got 0/);
    const flat = erkDistribution(mlpLayers(), 0.98, { ...erk, powerScale: 0.5 });
    const sharp = erkDistribution(mlpLayers(), 0.98, erk);
    expect(flat[2]!.density / flat[0]!.density).toBeLessThan(sharp[2]!.density / sharp[0]!.density);
  });
});

describe('uniform', () => {
  it('every masked layer at S with n_active = N − floor(S·N); denseLayers unmasked', () => {
    const a = uniformDistribution(mlpLayers(), 0.9, { kind: 'uniform', denseLayers: [] });
    expect(a.map((l) => l.activeCount)).toEqual([23_520, 3_000, 100]);
    const w = uniformDistribution(wrn22x2Layers(), 0.95, { kind: 'uniform', denseLayers: ['conv1'] });
    expect(w[0]).toMatchObject({ name: 'conv1', masked: false, density: 1, activeCount: 432 });
    // 0.95 · 4608 = 4377.6 → 4377 zeros → 231 active; 0.95 · 1280 = 1216 exactly (no float slip to 1215)
    expect(w[1]!.activeCount).toBe(4608 - 4377);
    expect(w[w.length - 1]!.activeCount).toBe(64);
  });

  it('an unknown dense layer name lists the known names', () => {
    expect(() => uniformDistribution(mlpLayers(), 0.9, { kind: 'uniform', denseLayers: ['fc9'] })).toThrow(
      /unknown layer\(s\) 'fc9'; the model's weight layers are: fc1, fc2, fc3/,
    );
  });

  it('rejects a target outside [0, 1)', () => {
    expect(() => uniformDistribution(mlpLayers(), 1, { kind: 'uniform', denseLayers: [] })).toThrow(InvalidRunConfigError);
    expect(() => uniformDistribution(mlpLayers(), -0.1, { kind: 'uniform', denseLayers: [] })).toThrow(/\[0, 1\) but got -0.1/);
  });
});

describe('ERK with denseLayers', () => {
  it('leaves the named layer unmasked and out of the accounting (target over the masked layers)', () => {
    const a = erkDistribution(wrn22x2Layers(), 0.8, { ...erk, denseLayers: ['conv1'] });
    expect(a[0]).toMatchObject({ masked: false, density: 1 });
    expect(realisedDensity(a)).toBeCloseTo(0.2, 4);
  });
});

describe('custom', () => {
  it('takes the map as given; unnamed layers are dense and unmasked', () => {
    const a = customDistribution(mlpLayers(), 0.9, { kind: 'custom', densities: { fc1: 0.1, fc2: 0.25 } });
    expect(a.map((l) => [l.masked, l.activeCount])).toEqual([
      [true, 23_520],
      [true, 7_500],
      [false, 1_000],
    ]);
  });

  it('an unknown layer name throws InvalidRunConfigError listing the known names', () => {
    const run = () => customDistribution(mlpLayers(), 0.9, { kind: 'custom', densities: { conv1: 0.5 } });
    expect(run).toThrow(InvalidRunConfigError);
    expect(run).toThrow(/'conv1'.*fc1, fc2, fc3/);
  });

  it('rejects densities outside (0, 1]', () => {
    expect(() => customDistribution(mlpLayers(), 0.9, { kind: 'custom', densities: { fc1: 0 } })).toThrow(/\(0, 1\] but got 0/);
  });
});

describe('allocateLayers', () => {
  it('dispatches on kind', () => {
    const layers = mlpLayers();
    expect(allocateLayers(layers, 0.9, erk)).toEqual(erkDistribution(layers, 0.9, erk));
    expect(allocateLayers(layers, 0.9, { kind: 'er', denseLayers: [] })).toEqual(
      erDistribution(layers, 0.9, { kind: 'er', denseLayers: [] }),
    );
  });

  it('ER/ERK with every layer named dense has nothing to mask', () => {
    expect(() =>
      erkDistribution(mlpLayers(), 0.9, { ...erk, denseLayers: ['fc1', 'fc2', 'fc3'] }),
    ).toThrow(/names every layer; nothing is left to mask/);
  });
});
