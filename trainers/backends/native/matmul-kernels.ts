/**
 * BatchMatMul on the native GEMM (native/src/gemm.cc). Transposed operands go to the GEMM as flags:
 * its packing reads either layout at the same speed, so, unlike wasm, no transpose is materialised.
 * Shapes the GEMM does not cover (a batch broadcast other than "equal" or "one side is 1", a
 * non-float dtype) go to the cpu kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type NativeKernelContext, allFloat32, asKernelArgs, f32, nativeKernel, output } from './kernel-support.ts';

export function matmulKernels(ctx: NativeKernelContext): tf.KernelConfig[] {
  const cpuBatchMatMul = ctx.cpuKernel(tf.BatchMatMul);
  const batchMatMul: tf.KernelFunc = (raw) => {
    const { inputs, backend, attrs } = asKernelArgs(raw);
    const a = inputs.a!;
    const b = inputs.b!;
    const transposeA = attrs!.transposeA as boolean;
    const transposeB = attrs!.transposeB as boolean;
    const aRank = a.shape.length;
    const bRank = b.shape.length;
    const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
    const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
    const sameOuter = tf.util.arraysEqual(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const broadcastable = sameOuter || (batchA === 1 && aRank <= bRank) || (batchB === 1 && bRank <= aRank);
    if (!allFloat32(a, b) || !broadcastable) return cpuBatchMatMul(raw);
    const m = transposeA ? a.shape[aRank - 1]! : a.shape[aRank - 2]!;
    const k = transposeA ? a.shape[aRank - 2]! : a.shape[aRank - 1]!;
    const kB = transposeB ? b.shape[bRank - 1]! : b.shape[bRank - 2]!;
    const n = transposeB ? b.shape[bRank - 2]! : b.shape[bRank - 1]!;
    if (k !== kB) {
      throw new Error(`Error in matMul: inner shapes (${k}) and (${kB}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
    }
    const outer = batchA >= batchB ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
    const batch = Math.max(batchA, batchB);
    const out = new Float32Array(batch * m * n);
    const av = f32(backend, a);
    const bv = f32(backend, b);
    if (batch === 1) ctx.addon.gemm(transposeA, transposeB, m, n, k, av, bv, out, false);
    else ctx.addon.batchedGemm(batch, transposeA, transposeB, m, n, k, av, bv, out, false, batchA === 1 ? 0 : m * k, batchB === 1 ? 0 : k * n);
    return output(backend, [...outer, m, n], out);
  };
  return [nativeKernel(tf.BatchMatMul, batchMatMul)];
}
