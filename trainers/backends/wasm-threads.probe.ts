/**
 * Child-process probe for wasm-threads.test.ts: initialises wasm with the thread count given as the
 * first argument, trains nothing, computes a conv gradient and a matMul on wasm and on cpu, prints
 * one JSON line and returns — the process must then exit by itself (the pool's workers are unref'd).
 */
import * as tf from '@tensorflow/tfjs-core';
import { compare, onBackend, testValues } from './backends.fixture.ts';
import { selectBackend } from './select-backend.ts';

const threads = Number(process.argv[2] ?? '2');
const provenance = await selectBackend(['wasm'], threads, null);

const work = () => {
  const x = tf.tensor4d(testValues(4 * 12 * 12 * 16, 'probe-x'), [4, 12, 12, 16]);
  const w = tf.tensor4d(testValues(3 * 3 * 16 * 32, 'probe-w'), [3, 3, 16, 32]);
  const a = tf.tensor2d(testValues(256 * 300, 'probe-a'), [256, 300]);
  const b = tf.tensor2d(testValues(300 * 200, 'probe-b'), [300, 200]);
  const [dx, dw] = tf.grads((...[p, q]: tf.Tensor[]) => tf.sum(tf.square(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 2, 'same'))))([x, w]);
  return [dx!, dw!, tf.matMul(a, b)];
};
const wasm = await onBackend('wasm', work);
const cpu = await onBackend('cpu', work);
const diffs = wasm.map((t, i) => compare(t, cpu[i]!));
process.stdout.write(`${JSON.stringify({ provenance, diffs })}\n`);
