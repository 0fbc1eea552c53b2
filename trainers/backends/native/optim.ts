/**
 * The optimizer's fast path on the native backend: one in-place C++ pass per parameter instead of
 * six to eight tensor ops, each allocating a new parameter-sized array (trainers/optim/sgd.ts).
 *
 * In place is safe only when nothing else sees the arrays: a variable's data can be shared with
 * another live tensor (a reshape or identity of it keeps the same data id), so the fast path runs
 * only when the weight's and the momentum buffer's data are held by their variable alone
 * (refCount 1) and every array is float32 on the active native backend; otherwise the caller
 * takes the tensor path. Both paths give identical bits (native/src/optim.cc).
 *
 * On a step whose masked layer ran the sparse kernels (trainers/step-layouts.ts), its gradient is
 * exactly 0 off the mask, and its weights and momentum are 0 there, so the step touches only the
 * layout's active entries: the same values (an inactive −0 stays −0), a fraction of the memory traffic.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { nativeAddon } from './backend.ts';
import { NATIVE_BACKEND_NAME } from './kernel-support.ts';
import type { SparseLayout } from './sparse-layout.ts';

export interface NativeSgdParams {
  learningRate: number;
  momentum: number;
  /** 0 when this parameter does not decay. */
  weightDecay: number;
  nesterov: boolean;
  denseMomentum: boolean;
}

/** The active native backend, or null when another backend is active. */
function activeNativeBackend(): MathBackendCPU | null {
  if (nativeAddon() === null || tf.getBackend() !== NATIVE_BACKEND_NAME) return null;
  return tf.backend() as unknown as MathBackendCPU;
}

function values(backend: MathBackendCPU, t: tf.Tensor, exclusive: boolean): Float32Array | null {
  if (t.dtype !== 'float32' || t.isDisposed) return null;
  const data = backend.data.get(t.dataId);
  if (data === undefined || !(data.values instanceof Float32Array)) return null;
  if (exclusive && data.refCount !== 1) return null;
  return data.values;
}

/**
 * Applies one SGD step to `weight` and `momentum` in place; false (nothing changed) when the fast
 * path does not apply and the caller must take the tensor path.
 */
export function nativeSgdStep(
  weight: tf.Variable,
  gradient: tf.Tensor,
  momentum: tf.Variable,
  mask: tf.Tensor | undefined,
  params: NativeSgdParams,
  layout?: SparseLayout,
): boolean {
  const backend = activeNativeBackend();
  const addon = nativeAddon();
  if (backend === null || addon === null) return false;
  const w = values(backend, weight, true);
  const v = values(backend, momentum, true);
  const g = values(backend, gradient, false);
  const m = mask === undefined ? null : values(backend, mask, false);
  if (w === null || v === null || g === null || (mask !== undefined && m === null)) return false;
  const size = weight.size;
  if (g.length !== size || v.length !== size || (m !== null && m.length !== size) || w === g || w === v) return false;
  if (layout !== undefined && m !== null && !params.denseMomentum && layout.inputs * layout.outputs === size) {
    addon.sgdStepRows(w, g, v, m, layout.rowStarts, layout.rowColumns, layout.inputs, layout.outputs, params.learningRate, params.momentum, params.weightDecay, params.nesterov);
    return true;
  }
  addon.sgdStep(w, g, v, m, size, params.learningRate, params.momentum, params.weightDecay, params.nesterov, params.denseMomentum);
  return true;
}
