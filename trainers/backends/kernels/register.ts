/**
 * The kernels this project registers on tfjs backends so that every model trains, and fast
 * (env-measurements §2b, §2d). Registration is idempotent and keeps the shipped kernel so tests
 * and benchmarks can compare against it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterWasmConfig } from './conv2d-backprop-filter.ts';
import { conv2dBackpropInputWasmConfig } from './conv2d-backprop-input.ts';

/** Kernels supplied for 'wasm': missing ones (Conv2DBackpropFilter) and slow ones replaced (Conv2DBackpropInput). */
export const WASM_TRAINING_KERNELS: readonly tf.KernelConfig[] = [conv2dBackpropFilterWasmConfig, conv2dBackpropInputWasmConfig];

/** The kernels tfjs-backend-wasm shipped under the names we replaced, by kernel name. */
const shippedWasmKernels = new Map<string, tf.KernelConfig>();

/**
 * Registers WASM_TRAINING_KERNELS for backend 'wasm', replacing a shipped kernel of the same name,
 * and returns their names. Calling it again changes nothing.
 */
export function registerWasmTrainingKernels(): string[] {
  for (const config of WASM_TRAINING_KERNELS) {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current !== undefined) {
      if (!shippedWasmKernels.has(config.kernelName)) shippedWasmKernels.set(config.kernelName, current);
      tf.unregisterKernel(config.kernelName, 'wasm');
    }
    tf.registerKernel(config);
  }
  return WASM_TRAINING_KERNELS.map((c) => c.kernelName);
}

/** The kernel tfjs-backend-wasm shipped under `kernelName` before we replaced it (for tests and benchmarks). */
export function shippedWasmKernel(kernelName: string): tf.KernelConfig | undefined {
  return shippedWasmKernels.get(kernelName);
}
