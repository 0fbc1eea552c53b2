import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../gradients.ts';
import { describe, expect, it } from 'vitest';
import { keyedRandom } from '../../random.ts';
import { softmaxCrossEntropy } from '../../train-loop.ts';
import { initNativeCpuBackend } from './backend.ts';
import { NATIVE_AVAILABLE, nativeSkipReason } from './native.fixture.ts';

/** Loss and d loss / d logits on a backend, through softmaxCrossEntropy as the loop calls it. */
async function lossAndGradient(backend: 'cpu' | 'native', batch: number, classes: number, smoothing: number) {
  if (backend === 'native') expect((await initNativeCpuBackend(1)).ok).toBe(true);
  else await tf.setBackend('cpu');
  const rng = keyedRandom('loss-test', batch, classes);
  const logits = tf.tensor2d(Float32Array.from({ length: batch * classes }, () => 4 * rng.nextNormal()), [batch, classes]);
  const labels = tf.tensor1d(Int32Array.from({ length: batch }, () => rng.nextInt(classes)), 'int32');
  const { value, grad } = tf.valueAndGrad((l: tf.Tensor) => softmaxCrossEntropy(l as tf.Tensor2D, labels, classes, smoothing))(logits);
  const out = { loss: value.dataSync()[0]!, grad: grad.dataSync().slice() as Float32Array };
  tf.dispose([logits, labels, value, grad]);
  return out;
}

describe.skipIf(!NATIVE_AVAILABLE)(`native softmax cross-entropy${NATIVE_AVAILABLE ? '' : ` (skipped: ${nativeSkipReason()})`}`, () => {
  for (const [batch, classes, smoothing] of [
    [128, 10, 0],
    [7, 3, 0.1],
    [1, 100, 0.2],
  ] as const) {
    it(`matches the composite on cpu: batch ${batch}, ${classes} classes, smoothing ${smoothing}`, async () => {
      const cpu = await lossAndGradient('cpu', batch, classes, smoothing);
      const native = await lossAndGradient('native', batch, classes, smoothing);
      expect(native.loss).toBeCloseTo(cpu.loss, 5);
      expect(native.loss).toBeGreaterThan(0);
      let maxDiff = 0;
      for (let i = 0; i < cpu.grad.length; i++) maxDiff = Math.max(maxDiff, Math.abs(native.grad[i]! - cpu.grad[i]!));
      expect(maxDiff).toBeLessThan(1e-6);
      // Each row of the gradient sums to 0 (softmax and target both sum to 1).
      const row0 = native.grad.slice(0, classes).reduce((a, b) => a + b, 0);
      expect(Math.abs(row0)).toBeLessThan(1e-6);
    });
  }
});
