/** Native eltwise kernels (native/src/eltwise.cc) registered on the native backend. */
import type * as tf from '@tensorflow/tfjs-core';
import type { NativeKernelContext } from './kernel-support.ts';

export function eltwiseKernels(_ctx: NativeKernelContext): tf.KernelConfig[] {
  return [];
}
