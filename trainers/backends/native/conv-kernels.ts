/** Native conv kernels (native/src/conv.cc) registered on the native backend. */
import type * as tf from '@tensorflow/tfjs-core';
import type { NativeKernelContext } from './kernel-support.ts';

export function convKernels(_ctx: NativeKernelContext): tf.KernelConfig[] {
  return [];
}
