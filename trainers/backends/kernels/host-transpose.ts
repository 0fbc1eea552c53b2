/**
 * Tensor transposes for our wasm kernels, done in JavaScript directly on the wasm heap.
 * tfjs-backend-wasm's own `Transpose` and `Reverse` are 5–15× slower than a cache-blocked loop here
 * (measured on a 3×3×512×512 filter: Reverse 210 ms, Transpose 77 ms, blocked JS transpose 15 ms),
 * and they sit on the path of every conv gradient. The results are exact copies, so these
 * change no number.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BackendError } from '../../errors.ts';

/** Edge of the square tiles the strided copies work in (32 floats = two cache lines per row). */
const TILE = 32;

function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1]! * shape[i + 1]!;
  return strides;
}

/** A float32 output of `shape` and heap views of it and of `x` (views taken after allocating). */
function outputAndViews(backend: BackendWasm, x: tf.TensorInfo, shape: number[]) {
  if (x.dtype !== 'float32') throw new BackendError(`host transpose on wasm supports float32 only but got ${x.dtype}`);
  const out = backend.makeOutput(shape, 'float32');
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  return { out, src, dst };
}

/**
 * out = transpose(x, perm) for a rank-4 float32 tensor. When the innermost axis stays innermost,
 * rows are copied whole; otherwise the two axes involved (output's innermost, and the output axis
 * that holds the input's innermost) are copied in TILE × TILE blocks.
 */
export function permute4d(backend: BackendWasm, x: tf.TensorInfo, perm: readonly number[]): tf.TensorInfo {
  if (x.shape.length !== 4 || perm.length !== 4 || [...perm].sort().join() !== '0,1,2,3') {
    throw new BackendError(`permute4d needs a rank-4 tensor and a permutation of 0..3 but got shape [${x.shape}] and perm [${perm}]`);
  }
  const outShape = perm.map((p) => x.shape[p]!);
  const { out, src, dst } = outputAndViews(backend, x, outShape);
  const inStrides = stridesOf(x.shape);
  const outStrides = stridesOf(outShape);
  // Input stride of each output axis.
  const s = perm.map((p) => inStrides[p]!);
  const [d0, d1, d2, d3] = outShape as [number, number, number, number];
  const b = perm.indexOf(3); // output axis that walks the input's contiguous axis
  if (b === 3) {
    for (let i0 = 0; i0 < d0; i0++) {
      for (let i1 = 0; i1 < d1; i1++) {
        for (let i2 = 0; i2 < d2; i2++) {
          const from = i0 * s[0]! + i1 * s[1]! + i2 * s[2]!;
          dst.set(src.subarray(from, from + d3), i0 * outStrides[0]! + i1 * outStrides[1]! + i2 * outStrides[2]!);
        }
      }
    }
    return out;
  }
  // The two remaining output axes, looped outside the tiles.
  const others = [0, 1, 2].filter((k) => k !== b) as [number, number];
  const [o1, o2] = others;
  const db = outShape[b]!;
  const sb = s[b]!; // = 1
  const outB = outStrides[b]!;
  const s3 = s[3]!;
  for (let i1 = 0; i1 < outShape[o1]!; i1++) {
    for (let i2 = 0; i2 < outShape[o2]!; i2++) {
      const inBase = i1 * s[o1]! + i2 * s[o2]!;
      const outBase = i1 * outStrides[o1]! + i2 * outStrides[o2]!;
      for (let jb = 0; jb < db; jb += TILE) {
        const jbEnd = Math.min(jb + TILE, db);
        for (let j3 = 0; j3 < d3; j3 += TILE) {
          const j3End = Math.min(j3 + TILE, d3);
          for (let ib = jb; ib < jbEnd; ib++) {
            const inRow = inBase + ib * sb;
            const outRow = outBase + ib * outB;
            for (let i3 = j3; i3 < j3End; i3++) dst[outRow + i3] = src[inRow + i3 * s3]!;
          }
        }
      }
    }
  }
  return out;
}

/**
 * The conv filter for the input gradient: out[kh−1−i, kw−1−j, o, c] = w[i, j, c, o]
 * (spatially rotated by 180°, in/out channels swapped).
 */
export function rotateFilter(backend: BackendWasm, w: tf.TensorInfo): tf.TensorInfo {
  if (w.shape.length !== 4) throw new BackendError(`rotateFilter needs a rank-4 filter but got shape [${w.shape}]`);
  const [kh, kw, c, o] = w.shape as [number, number, number, number];
  const { out, src, dst } = outputAndViews(backend, w, [kh, kw, o, c]);
  const block = c * o;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const from = (i * kw + j) * block;
      const to = ((kh - 1 - i) * kw + (kw - 1 - j)) * block;
      for (let c0 = 0; c0 < c; c0 += TILE) {
        const c1 = Math.min(c0 + TILE, c);
        for (let o0 = 0; o0 < o; o0 += TILE) {
          const o1 = Math.min(o0 + TILE, o);
          for (let ci = c0; ci < c1; ci++) {
            const row = from + ci * o;
            for (let oi = o0; oi < o1; oi++) dst[to + oi * c + ci] = src[row + oi]!;
          }
        }
      }
    }
  }
  return out;
}
