/**
 * Calling the wasm backend's own kernels from inside a kernel we register on it. We go through
 * `tf.getKernel(name, 'wasm').kernelFunc` rather than through tf ops: ops would create engine
 * tensors (counted by `tf.memory()` and scoped to the caller's `tidy`) where a kernel must return a
 * bare `TensorInfo`. Intermediates made here live only in the backend and are freed with
 * `disposeData`, as tfjs-backend-wasm's own composite kernels do.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BackendError } from '../../errors.ts';

/** Runs the wasm kernel `kernelName` (from the wasm package's registrations) on backend-level inputs. */
export function callWasmKernel(
  backend: BackendWasm,
  kernelName: string,
  inputs: Record<string, tf.TensorInfo>,
  attrs: Record<string, unknown>,
): tf.TensorInfo {
  const config = tf.getKernel(kernelName, 'wasm');
  if (config === undefined) {
    throw new BackendError(`kernel '${kernelName}' is not registered for backend 'wasm'; it is needed by a training kernel`);
  }
  const out = config.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap });
  if (Array.isArray(out)) {
    throw new BackendError(`kernel '${kernelName}' on 'wasm' returned ${out.length} outputs where one was expected`);
  }
  return out;
}

/** Frees backend-level intermediates (one reference each). */
export function disposeIntermediates(backend: BackendWasm, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Runs `f` with a list that collects intermediates and frees them afterwards, also on throw. */
export function withIntermediates<T>(backend: BackendWasm, f: (keep: (t: tf.TensorInfo) => tf.TensorInfo) => T): T {
  const made: tf.TensorInfo[] = [];
  try {
    return f((t) => {
      made.push(t);
      return t;
    });
  } finally {
    disposeIntermediates(backend, ...made);
  }
}

/** A crop of a 4-D tensor: `begin` and `size` per axis. */
export function slice4d(backend: BackendWasm, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  return callWasmKernel(backend, 'Slice', { x }, { begin, size });
}
