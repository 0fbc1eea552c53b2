import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backends/select-backend.ts';
import { InvalidRunConfigError } from '../errors.ts';
import type { ModelSpec } from '../run-manifest.ts';
import { buildModel, describeModel } from './index.ts';
import type { InputShape, TrainableModel } from './types.ts';

beforeAll(async () => {
  await selectBackend(['cpu'], 1, null);
});

const MNIST: InputShape = { height: 28, width: 28, channels: 1 };
const CIFAR: InputShape = { height: 32, width: 32, channels: 3 };
const LENET300: ModelSpec = { name: 'mlp', hiddenSizes: [300, 100], init: 'torch-linear-default' };
const LENET5: ModelSpec = { name: 'lenet5-caffe', init: 'torch-default' };
const WRN22_2: ModelSpec = { name: 'wrn', depth: 22, widthFactor: 2, dropRate: 0.3 };
const RESNET50: ModelSpec = { name: 'resnet50-cifar' };

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function stats(values: ArrayLike<number>): { mean: number; std: number; maxAbs: number } {
  let sum = 0;
  let sq = 0;
  let maxAbs = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    sq += values[i]! * values[i]!;
    maxAbs = Math.max(maxAbs, Math.abs(values[i]!));
  }
  const mean = sum / values.length;
  return { mean, std: Math.sqrt(sq / values.length - mean * mean), maxAbs };
}

function paramValues(model: TrainableModel, name: string): Float32Array {
  const p = model.params.find((q) => q.name === name);
  if (p === undefined) throw new Error(`no parameter ${name}`);
  return p.variable.dataSync() as Float32Array;
}

describe('describeModel: counts from the papers', () => {
  it('LeNet-300-100: 266,610 parameters, 266,200 weights, fc1..fc3', () => {
    const d = describeModel(LENET300, MNIST, 10);
    expect(d.parameterCount).toBe(266_610);
    expect(d.weightCount).toBe(266_200);
    expect(d.weightLayers.map((l) => [l.name, l.kind, l.shape, l.outputPositions])).toEqual([
      ['fc1', 'dense', [784, 300], 1],
      ['fc2', 'dense', [300, 100], 1],
      ['fc3', 'dense', [100, 10], 1],
    ]);
    expect(d.denseForwardFlops).toBe(2 * 266_200);
  });

  it('LeNet-5-Caffe on 28×28×1: conv 24×24 and 8×8 maps, fc 800→500→10, 431,080 parameters', () => {
    const d = describeModel(LENET5, MNIST, 10);
    expect(d.weightLayers.map((l) => [l.name, l.kind, l.shape, l.outputPositions])).toEqual([
      ['conv1', 'conv2d', [5, 5, 1, 20], 24 * 24],
      ['conv2', 'conv2d', [5, 5, 20, 50], 8 * 8],
      ['fc3', 'dense', [800, 500], 1],
      ['fc4', 'dense', [500, 10], 1],
    ]);
    expect(d.weightCount).toBe(500 + 25_000 + 400_000 + 5_000);
    expect(d.parameterCount).toBe(431_080); // + biases 20 + 50 + 500 + 10
    expect(d.denseForwardFlops).toBe(2 * (500 * 576 + 25_000 * 64 + 400_000 + 5_000));
  });

  it('WRN-22-2: 23 weight tensors, 1,076,912 maskable weights, dense forward 3.155e8 FLOPs (rigl-spec §4.3, §5)', () => {
    const d = describeModel(WRN22_2, CIFAR, 10);
    expect(d.weightLayers).toHaveLength(23);
    expect(d.weightCount).toBe(1_076_912);
    // + batch norm γ, β over 1,360 channels (2 per block + the final 128) + fc bias.
    expect(d.parameterCount).toBe(1_076_912 + 2 * 1_360 + 10);
    // By hand: 2·k²·C_in·C_out·H·W per conv at spatial 32 / 16 / 8, plus the fc.
    const conv = (k: number, cin: number, cout: number, hw: number) => 2 * k * k * cin * cout * hw * hw;
    const group = (cin: number, cout: number, hw: number) =>
      conv(3, cin, cout, hw) + conv(3, cout, cout, hw) + conv(1, cin, cout, hw) + 4 * conv(3, cout, cout, hw);
    const byHand = conv(3, 3, 16, 32) + group(16, 32, 32) + group(32, 64, 16) + group(64, 128, 8) + 2 * 128 * 10;
    expect(d.denseForwardFlops).toBe(byHand);
    expect(d.denseForwardFlops / 1e8).toBeCloseTo(3.155, 3);
    const byName = new Map(d.weightLayers.map((l) => [l.name, l]));
    expect(byName.get('block1.0.shortcut')?.shape).toEqual([1, 1, 16, 32]);
    expect(byName.get('block2.0.conv1')).toMatchObject({ shape: [3, 3, 32, 64], outputPositions: 16 * 16 });
    expect(byName.get('block3.2.conv2')).toMatchObject({ shape: [3, 3, 128, 128], outputPositions: 8 * 8 });
    expect(byName.has('block1.1.shortcut')).toBe(false);
    expect(byName.get('fc')?.shape).toEqual([128, 10]);
  });

  it('ResNet-50 CIFAR-100: torchvision ResNet-50 with a 3×3 stem and a 100-way fc, 23,705,252 parameters', () => {
    const d = describeModel(RESNET50, CIFAR, 100);
    // torchvision resnet50: 25,557,032 = … + conv1 7×7×3×64 (9,408) + fc 2048×1000 + 1000 (2,049,000).
    expect(d.parameterCount).toBe(25_557_032 - 9_408 + 3 * 3 * 3 * 64 - 2_049_000 + (2048 * 100 + 100));
    expect(d.parameterCount).toBe(23_705_252);
    // Batch norm over 26,560 channels (γ, β) and the fc bias are not weights.
    expect(d.weightCount).toBe(23_705_252 - 2 * 26_560 - 100);
    // conv1 + 16 blocks × 3 convs + 4 projection shortcuts + fc.
    expect(d.weightLayers).toHaveLength(1 + 16 * 3 + 4 + 1);
    const byName = new Map(d.weightLayers.map((l) => [l.name, l]));
    expect(byName.get('conv1')).toMatchObject({ shape: [3, 3, 3, 64], outputPositions: 32 * 32 });
    expect(byName.get('layer1.0.shortcut')).toMatchObject({ shape: [1, 1, 64, 256], outputPositions: 32 * 32 });
    // Stride 2 on the 3×3 conv of layer2..4's first block (ResNet v1.5), not on the 1×1 before it.
    expect(byName.get('layer2.0.conv1')).toMatchObject({ shape: [1, 1, 256, 128], outputPositions: 32 * 32 });
    expect(byName.get('layer2.0.conv2')).toMatchObject({ shape: [3, 3, 128, 128], outputPositions: 16 * 16 });
    expect(byName.get('layer4.2.conv3')).toMatchObject({ shape: [1, 1, 512, 2048], outputPositions: 4 * 4 });
    expect(byName.has('layer1.1.shortcut')).toBe(false);
    expect(byName.get('fc')?.shape).toEqual([2048, 100]);
    // By hand: stem, then per stage (blocks, width, spatial) the bottlenecks, the shortcut, the fc.
    const conv = (k: number, cin: number, cout: number, hw: number) => 2 * k * k * cin * cout * hw * hw;
    let byHand = conv(3, 3, 64, 32) + 2 * 2048 * 100;
    let cin = 64;
    for (const [blocks, width, hw] of [
      [3, 64, 32],
      [4, 128, 16],
      [6, 256, 8],
      [3, 512, 4],
    ] as const) {
      const inHw = cin === 64 ? hw : hw * 2; // first 1×1 runs before the stride-2 3×3
      byHand += conv(1, cin, width, inHw) + conv(3, width, width, hw) + conv(1, width, 4 * width, hw) + conv(1, cin, 4 * width, hw);
      byHand += (blocks - 1) * (conv(1, 4 * width, width, hw) + conv(3, width, width, hw) + conv(1, width, 4 * width, hw));
      cin = 4 * width;
    }
    expect(d.denseForwardFlops).toBe(byHand);
    // The report prints 2.59e9 inference FLOPs (rigl-spec §5); ours, 2.596e9, is within 0.25 %.
    expect(Math.abs(d.denseForwardFlops - 2.59e9) / 2.59e9).toBeLessThan(0.0025);
  });

  it('widthMultiplier √d shrinks WRN-22-2 channels to rigl-spec §3.2: d=0.2 → [7,14,28,57], d=0.05 → [3,7,14,28]', () => {
    for (const [density, channels, ratio] of [
      [0.2, [7, 14, 28, 57], 0.197],
      [0.05, [3, 7, 14, 28], 0.048],
    ] as const) {
      const d = describeModel({ ...WRN22_2, widthMultiplier: Math.sqrt(density) }, CIFAR, 10);
      const byName = new Map(d.weightLayers.map((l) => [l.name, l.shape]));
      expect(byName.get('conv1')).toEqual([3, 3, 3, channels[0]]);
      expect(byName.get('block1.0.conv1')).toEqual([3, 3, channels[0], channels[1]]);
      expect(byName.get('block2.0.conv1')).toEqual([3, 3, channels[1], channels[2]]);
      expect(byName.get('block3.0.conv1')).toEqual([3, 3, channels[2], channels[3]]);
      expect(d.weightCount / 1_076_912).toBeCloseTo(ratio, 3);
    }
  });

  it('widthMultiplier scales LeNet-5 and ResNet-50 widths, truncated, at least 1', () => {
    const lenet = describeModel({ ...LENET5, widthMultiplier: 0.5 }, MNIST, 10);
    expect(lenet.weightLayers.map((l) => l.shape)).toEqual([
      [5, 5, 1, 10],
      [5, 5, 10, 25],
      [400, 250],
      [250, 10],
    ]);
    const resnet = describeModel({ ...RESNET50, widthMultiplier: 0.3 }, CIFAR, 100);
    const byName = new Map(resnet.weightLayers.map((l) => [l.name, l.shape]));
    expect(byName.get('conv1')).toEqual([3, 3, 3, 19]); // 64·0.3 = 19.2
    expect(byName.get('layer1.0.conv3')).toEqual([1, 1, 19, 76]); // 256·0.3 = 76.8
    expect(byName.get('fc')).toEqual([614, 100]); // 2048·0.3 = 614.4
    const tiny = describeModel({ ...WRN22_2, widthMultiplier: 1e-3 }, CIFAR, 10);
    expect(tiny.weightLayers.find((l) => l.name === 'block3.0.conv1')?.shape).toEqual([3, 3, 1, 1]);
  });

  it('rejects impossible specs with messages naming the value and the bound', () => {
    expect(() => describeModel({ ...WRN22_2, depth: 20 }, CIFAR, 10)).toThrow(
      "wrn 'depth' must be an integer 6n + 4 with n >= 1 (10, 16, 22, 28...) but got 20",
    );
    expect(() => describeModel({ ...WRN22_2, dropRate: 1 }, CIFAR, 10)).toThrow("wrn 'dropRate' must be in [0, 1) but got 1");
    expect(() => describeModel(LENET5, { height: 12, width: 12, channels: 1 }, 10)).toThrow(
      "input too small for lenet5-caffe: layer 'conv2' gets a 4×4 map and its 5×5 window (stride 1, padding 0) needs at least 5×5",
    );
    expect(() => describeModel({ name: 'mlp', hiddenSizes: [300, 0], init: 'he-normal' }, MNIST, 10)).toThrow(
      'mlp hiddenSizes[1] must be an integer >= 1 but got 0',
    );
    expect(() => describeModel({ ...WRN22_2, widthMultiplier: 0 }, CIFAR, 10)).toThrow(InvalidRunConfigError);
    expect(() => describeModel({ name: 'vgg' } as never, CIFAR, 10)).toThrow(
      "unknown model 'vgg'; known models are mlp, lenet5-caffe, wrn, resnet50-cifar",
    );
  });
});

describe('buildModel', () => {
  it('builds exactly what describeModel describes (each model; ResNet-50 at a quarter width)', () => {
    for (const [spec, input, classes] of [
      [LENET300, MNIST, 10],
      [LENET5, MNIST, 10],
      [{ name: 'wrn', depth: 16, widthFactor: 1, dropRate: 0 }, CIFAR, 10],
      [{ name: 'resnet50-cifar', widthMultiplier: 0.25 }, CIFAR, 100],
    ] as const) {
      const d = describeModel(spec, input, classes);
      const m = buildModel(spec, input, classes, 1);
      expect(m.description).toEqual(d);
      const weights = m.params.filter((p) => p.role === 'weight');
      expect(weights.map((p) => [p.layer, p.variable.shape])).toEqual(d.weightLayers.map((l) => [l.name, l.shape]));
      expect(m.params.reduce((s, p) => s + p.variable.size, 0)).toBe(d.parameterCount);
      expect(new Set(m.params.map((p) => p.name)).size).toBe(m.params.length);
      expect(m.params.every((p) => p.variable.trainable)).toBe(true);
      expect(m.state.every((s) => !s.variable.trainable)).toBe(true);
      m.dispose();
    }
  });

  it('torch-linear-default draws weights and biases from U(±1/√fan_in)', () => {
    const m = buildModel(LENET300, MNIST, 10, 3);
    for (const [name, fanIn] of [
      ['fc1.weight', 784],
      ['fc1.bias', 784],
      ['fc2.weight', 300],
      ['fc3.bias', 100],
    ] as const) {
      const s = stats(paramValues(m, name));
      const bound = 1 / Math.sqrt(fanIn);
      expect(s.maxAbs).toBeLessThan(bound);
      if (name.endsWith('weight')) {
        expect(s.maxAbs).toBeGreaterThan(0.99 * bound);
        expect(s.std).toBeCloseTo(bound / Math.sqrt(3), 3); // std of U(−b, b) = b/√3
      }
    }
    m.dispose();
  });

  it('he-normal: weights N(0, 2/fan_in), biases 0', () => {
    const m = buildModel({ ...LENET300, init: 'he-normal' }, MNIST, 10, 3);
    const s = stats(paramValues(m, 'fc1.weight'));
    expect(s.std / Math.sqrt(2 / 784)).toBeCloseTo(1, 2);
    expect(Math.abs(s.mean)).toBeLessThan(1e-3);
    expect(stats(paramValues(m, 'fc1.bias')).maxAbs).toBe(0);
    m.dispose();
  });

  it('WRN and ResNet: conv weights N(0, 2/(k²·C_out)); ResNet zero-initialises each block\'s last BN', () => {
    const w = buildModel(WRN22_2, CIFAR, 10, 5);
    expect(stats(paramValues(w, 'block3.1.conv2.weight')).std / Math.sqrt(2 / (9 * 128))).toBeCloseTo(1, 2);
    expect(stats(paramValues(w, 'block1.0.bn1.gamma')).mean).toBe(1);
    expect(stats(paramValues(w, 'fc.bias')).maxAbs).toBe(0);
    expect(stats(paramValues(w, 'fc.weight')).maxAbs).toBeLessThan(1 / Math.sqrt(128));
    w.dispose();
    const r = buildModel({ ...RESNET50, widthMultiplier: 0.25 }, { height: 8, width: 8, channels: 3 }, 100, 5);
    expect(stats(paramValues(r, 'layer3.0.conv2.weight')).std / Math.sqrt(2 / (9 * 64))).toBeCloseTo(1, 1);
    for (const block of ['layer1.0', 'layer2.3', 'layer4.2']) expect(stats(paramValues(r, `${block}.bn3.gamma`)).maxAbs).toBe(0);
    expect(stats(paramValues(r, 'layer1.0.bn2.gamma')).mean).toBe(1);
    expect(stats(paramValues(r, 'layer1.0.shortcut_bn.gamma')).mean).toBe(1);
    expect(stats(paramValues(r, 'fc.bias')).maxAbs).toBeGreaterThan(0); // PyTorch Linear default
    expect(r.state.find((s) => s.name === 'bn1.runningVar')!.variable.dataSync()[0]).toBe(1);
    r.dispose();
  });

  it('initial values are keyed by (seed, parameter name), independent of the rest of the model', () => {
    const a = buildModel(LENET300, MNIST, 10, 7);
    const b = buildModel({ ...LENET300, hiddenSizes: [300, 50] }, MNIST, 10, 7);
    const c = buildModel(LENET300, MNIST, 10, 8);
    expect(paramValues(b, 'fc1.weight')).toEqual(paramValues(a, 'fc1.weight'));
    expect(paramValues(c, 'fc1.weight')).not.toEqual(paramValues(a, 'fc1.weight'));
    expect(paramValues(a, 'fc1.bias')).not.toEqual(paramValues(a, 'fc1.weight').subarray(0, 300));
    [a, b, c].forEach((m) => m.dispose());
  });

  it('MLP forward = W₂ᵀ·ReLU(W₁ᵀx + b₁) + b₂, checked by hand', () => {
    const m = buildModel({ name: 'mlp', hiddenSizes: [2], init: 'he-normal' }, { height: 1, width: 1, channels: 2 }, 2, 0);
    const set = (name: string, values: number[]) => m.params.find((p) => p.name === name)!.variable.assign(tf.tensor(values, m.params.find((p) => p.name === name)!.variable.shape));
    set('fc1.weight', [1, -1, 2, 1]); // [[1, −1], [2, 1]]
    set('fc1.bias', [0.5, -4]);
    set('fc2.weight', [1, 2, 3, 4]);
    set('fc2.bias', [0, 1]);
    // x = (1, 2): W₁ᵀx + b₁ = (1 + 4 + 0.5, −1 + 2 − 4) = (5.5, −3) → ReLU (5.5, 0) → (5.5, 11) + (0, 1)
    const y = m.apply(tf.tensor4d([1, 2], [1, 1, 1, 2]), false);
    expect(Array.from(y.dataSync())).toEqual([5.5, 12]);
    m.dispose();
  });

  it('building and disposing a model leaves no tensor behind (the initial values are not kept)', () => {
    const before = tf.memory().numTensors;
    const m = buildModel(LENET5, MNIST, 10, 1);
    expect(tf.memory().numTensors).toBe(before + m.params.length + m.state.length);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('apply rejects inputs of the wrong shape and leaves only its output behind', () => {
    const m = buildModel(LENET5, MNIST, 10, 1);
    expect(() => m.apply(tf.zeros([2, 32, 32, 1]) as tf.Tensor4D, false)).toThrow(
      "'lenet5-caffe' was built for inputs [n, 28, 28, 1] but apply() got [2,32,32,1]",
    );
    const x = tf.zeros([2, 28, 28, 1]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const y = m.apply(x, true);
    expect(y.shape).toEqual([2, 10]);
    expect(tf.memory().numTensors).toBe(before + 1);
    y.dispose();
    m.dispose();
    x.dispose();
    expect(() => m.apply(x, false)).toThrow(/disposed/);
  });
});
