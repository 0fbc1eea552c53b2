/**
 * What every native kernel needs: the addon, the float32 values of an input, a new output, and the
 * tfjs cpu kernel of the same name to delegate to for what the native code does not cover
 * (another dtype, an unusual broadcast). The `native` backend is a tfjs MathBackendCPU, so inputs
 * and outputs are plain typed arrays in its data map, shared with the delegated cpu kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from './addon.ts';

export const NATIVE_BACKEND_NAME = 'native';

export interface NativeKernelContext {
  addon: NativeAddon;
  /** The cpu backend's kernel function of that name (throws when there is none). */
  cpuKernel(kernelName: string): tf.KernelFunc;
}

/** The arguments tfjs passes a kernel function, with the backend typed. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: MathBackendCPU;
  attrs?: tf.NamedAttrMap;
}

export function asKernelArgs(args: Parameters<tf.KernelFunc>[0]): KernelArgs {
  return args as unknown as KernelArgs;
}

/** The values of a float32 input (no copy): the array the cpu backend stores. */
export function f32(backend: MathBackendCPU, t: tf.TensorInfo): Float32Array {
  if (t.dtype !== 'float32') throw new TypeError(`native kernel: expected a float32 tensor but got ${t.dtype}`);
  return backend.data.get(t.dataId)!.values as Float32Array;
}

/** The values of an int32 input (no copy). */
export function i32(backend: MathBackendCPU, t: tf.TensorInfo): Int32Array {
  if (t.dtype !== 'int32') throw new TypeError(`native kernel: expected an int32 tensor but got ${t.dtype}`);
  return backend.data.get(t.dataId)!.values as Int32Array;
}

/** A new float32 tensor on the backend holding `values` (taken, not copied). */
export function output(backend: MathBackendCPU, shape: readonly number[], values: Float32Array): tf.TensorInfo {
  return backend.makeTensorInfo([...shape], 'float32', values);
}

export function allFloat32(...tensors: tf.TensorInfo[]): boolean {
  return tensors.every((t) => t.dtype === 'float32');
}

/** A kernel config for the native backend. */
export function nativeKernel(kernelName: string, kernelFunc: tf.KernelFunc): tf.KernelConfig {
  return { kernelName, backendName: NATIVE_BACKEND_NAME, kernelFunc };
}
