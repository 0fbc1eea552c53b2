/** Native sparse kernels (native/src/sparse.cc) registered on the native backend. */
import type * as tf from '@tensorflow/tfjs-core';
import type { NativeKernelContext } from './kernel-support.ts';

export function sparseKernels(_ctx: NativeKernelContext): tf.KernelConfig[] {
  return [];
}
