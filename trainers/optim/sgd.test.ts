import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelParam } from '../models/types.ts';
import { SgdOptimizer } from './sgd.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function param(name: string, values: number[], role: ModelParam['role'], layer: string | null): ModelParam {
  return { name, role, layer, variable: tf.variable(tf.tensor1d(values), true) };
}

describe('SgdOptimizer', () => {
  it('matches PyTorch SGD (momentum 0.9, coupled weight decay) over two steps, computed by hand', () => {
    // w0 = [1, -2], grad = [0.5, 0.5] both steps, lr 0.1, μ 0.9, λ 0.01.
    // step 1: g = 0.5 + 0.01·w = [0.51, 0.48]; v = g; w = w − 0.1·v = [0.949, −2.048]
    // step 2: g = [0.50949, 0.47952]; v = 0.9·[0.51, 0.48] + g = [0.96849, 0.91152];
    //         w = [0.949 − 0.096849, −2.048 − 0.091152] = [0.852151, −2.139152]
    const w = param('fc1.weight', [1, -2], 'weight', null);
    const opt = new SgdOptimizer([w], { kind: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 0.01, weightDecayExclude: 'none' });
    const grads = new Map([['fc1.weight', tf.tensor1d([0.5, 0.5])]]);
    opt.step({ learningRate: 0.1, gradients: grads, masks: new Map(), denseMomentum: false });
    opt.step({ learningRate: 0.1, gradients: grads, masks: new Map(), denseMomentum: false });
    const got = Array.from(w.variable.dataSync());
    expect(got[0]).toBeCloseTo(0.852151, 6);
    expect(got[1]).toBeCloseTo(-2.139152, 6);
    expect(Array.from(opt.slotsOf('fc1.weight')[0]!.dataSync()).map((x) => +x.toFixed(6))).toEqual([0.96849, 0.91152]);
  });

  it('uses the Nesterov update g + μ·v', () => {
    const w = param('w', [0], 'weight', null);
    const opt = new SgdOptimizer([w], { kind: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 0, weightDecayExclude: 'none' });
    const grads = new Map([['w', tf.tensor1d([1])]]);
    opt.step({ learningRate: 1, gradients: grads, masks: new Map(), denseMomentum: false });
    // v = 1; update = 1 + 0.9 = 1.9
    expect(w.variable.dataSync()[0]).toBeCloseTo(-1.9, 6);
  });

  it('keeps inactive weights and their momentum exactly 0 under a mask', () => {
    const w = param('fc1.weight', [0.3, 0, -0.2, 0], 'weight', 'fc1');
    const opt = new SgdOptimizer([w], { kind: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 5e-4, weightDecayExclude: 'none' });
    const masks = new Map([['fc1', tf.tensor1d([1, 0, 1, 0])]]);
    const grads = new Map([['fc1.weight', tf.tensor1d([0.1, 0.7, -0.3, 0.2])]]);
    for (let i = 0; i < 3; i++) opt.step({ learningRate: 0.1, gradients: grads, masks, denseMomentum: false });
    const wv = w.variable.dataSync();
    const mv = opt.slotsOf('fc1.weight')[0]!.dataSync();
    expect([wv[1], wv[3], mv[1], mv[3]]).toEqual([0, 0, 0, 0]);
    expect(wv[0]).not.toBe(0.3);
  });

  it('with dense momentum (SNFS) accumulates the dense gradient but masks the weight change', () => {
    const w = param('fc1.weight', [0.3, 0], 'weight', 'fc1');
    const opt = new SgdOptimizer([w], { kind: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 0, weightDecayExclude: 'none' });
    const masks = new Map([['fc1', tf.tensor1d([1, 0])]]);
    const grads = new Map([['fc1.weight', tf.tensor1d([0.1, 0.7])]]);
    opt.step({ learningRate: 0.1, gradients: grads, masks, denseMomentum: true });
    expect(w.variable.dataSync()[1]).toBe(0);
    expect(opt.slotsOf('fc1.weight')[0]!.dataSync()[1]).toBeCloseTo(0.7, 6);
  });

  it('skips weight decay on biases and norms when told to', () => {
    const b = param('fc1.bias', [1], 'bias', null);
    const opt = new SgdOptimizer([b], { kind: 'sgd', momentum: 0, nesterov: false, weightDecay: 0.5, weightDecayExclude: 'biases-and-norms' });
    opt.step({ learningRate: 1, gradients: new Map([['fc1.bias', tf.tensor1d([0])]]), masks: new Map(), denseMomentum: false });
    expect(b.variable.dataSync()[0]).toBe(1);
  });

  it('creates only its momentum variables and leaks no tensors in a step', () => {
    const w0 = param('w0', [1, 2], 'weight', null);
    const before = tf.memory().numTensors;
    const created = new SgdOptimizer([w0], { kind: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 0, weightDecayExclude: 'none' });
    expect(tf.memory().numTensors).toBe(before + 1); // the momentum buffer, nothing else
    created.dispose();
  });

  it('leaks no tensors in a step', () => {
    const w = param('w', [1, 2, 3], 'weight', 'l');
    const opt = new SgdOptimizer([w], { kind: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 1e-4, weightDecayExclude: 'none' });
    const grads = new Map([['w', tf.tensor1d([1, 1, 1])]]);
    const masks = new Map([['l', tf.tensor1d([1, 0, 1])]]);
    opt.step({ learningRate: 0.1, gradients: grads, masks, denseMomentum: false });
    const before = tf.memory().numTensors;
    opt.step({ learningRate: 0.1, gradients: grads, masks, denseMomentum: false });
    expect(tf.memory().numTensors).toBe(before);
  });
});
