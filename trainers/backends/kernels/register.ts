/**
 * The kernels this project registers on tfjs-backend-wasm so that every model trains, and fast
 * (env-measurements §2b, §2d):
 * - Conv2DBackpropFilter: missing in the package (conv2d-backprop-filter.ts);
 * - Conv2DBackpropInput: the shipped one is a scalar loop (conv2d-backprop-input.ts);
 * - MaxPoolGrad: the shipped one is slower (max-pool-grad.ts).
 * (wasm's Transpose is fast except on power-of-two feature-map strides; the conv kernels route
 * around that case themselves, host-transpose.ts.)
 * Registration is idempotent and remembers each shipped kernel, for tests and benchmarks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterWasmConfig } from './conv2d-backprop-filter.ts';
import { conv2dBackpropInputWasmConfig } from './conv2d-backprop-input.ts';
import { maxPoolGradWasmConfig } from './max-pool-grad.ts';

/** Names of the kernels registerWasmTrainingKernels() supplies on 'wasm', in registration order. */
export const WASM_TRAINING_KERNEL_NAMES: readonly string[] = [
  tf.Conv2DBackpropFilter,
  tf.Conv2DBackpropInput,
  tf.MaxPoolGrad,
];

/** The kernels tfjs-backend-wasm shipped under the names we replaced, by kernel name. */
const shippedWasmKernels = new Map<string, tf.KernelConfig>();
let ours: Map<string, tf.KernelConfig> | null = null;

function isOurs(config: tf.KernelConfig | undefined): boolean {
  return config !== undefined && ours !== null && ours.get(config.kernelName)?.kernelFunc === config.kernelFunc;
}

/**
 * Registers the training kernels for backend 'wasm', replacing shipped kernels of the same names,
 * and returns their names. Calling it again changes nothing.
 */
export function registerWasmTrainingKernels(): string[] {
  for (const name of WASM_TRAINING_KERNEL_NAMES) {
    const current = tf.getKernel(name, 'wasm');
    if (current !== undefined && !isOurs(current) && !shippedWasmKernels.has(name)) shippedWasmKernels.set(name, current);
  }
  ours ??= new Map([conv2dBackpropFilterWasmConfig, conv2dBackpropInputWasmConfig, maxPoolGradWasmConfig].map((c) => [c.kernelName, c]));
  for (const name of WASM_TRAINING_KERNEL_NAMES) {
    const current = tf.getKernel(name, 'wasm');
    if (isOurs(current)) continue;
    if (current !== undefined) tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(ours.get(name)!);
  }
  return [...WASM_TRAINING_KERNEL_NAMES];
}

/** The kernel tfjs-backend-wasm shipped under `kernelName` before we replaced it (for tests and benchmarks). */
export function shippedWasmKernel(kernelName: string): tf.KernelConfig | undefined {
  return shippedWasmKernels.get(kernelName);
}
