/**
 * Tensor transposes for our wasm kernels, done in JavaScript directly on the wasm heap, where
 * tfjs-backend-wasm's own kernels are slow (CPU time per call, 1 thread):
 * - rotating a conv filter (Reverse + Transpose): 120 ms on 3×3×512×512, 62 ms on 1×1×2048×512;
 *   rotateFilter: 10–12 ms;
 * - moving the innermost axis outward on power-of-two strides ([128, 32, 32, 32], perm 3,1,2,0):
 *   Transpose 39–57 ms, permuteAxes 14–26 ms (cache blocking with few rows along the strided axis).
 * Elsewhere wasm's Transpose is the faster one (row-preserving perms, odd sizes). The results are
 * exact copies, so the choice changes no number.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BackendError } from '../../errors.ts';

/**
 * Tiles of the blocked copies: few rows along the strided axis (feature-map strides are often powers
 * of two, which map every row to the same cache set), many elements along the contiguous one.
 */
const STRIDED_TILE = 8;
const CONTIGUOUS_TILE = 64;
/** Square tiles of the filter rotation (channel counts there are small strides). */
const TILE = 32;

function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1]! * shape[i + 1]!;
  return strides;
}

/** Dtypes the host copies handle (stored as typed arrays on the wasm heap). */
export const HOST_DTYPES: readonly tf.DataType[] = ['float32', 'int32', 'bool'];

type HeapArray = Float32Array | Int32Array | Uint8Array;

/** An output of `shape` and heap views of it and of `x` (views taken after allocating: the heap may grow). */
function outputAndViews(backend: BackendWasm, x: tf.TensorInfo, shape: number[]) {
  if (!HOST_DTYPES.includes(x.dtype)) {
    throw new BackendError(`host transpose on wasm supports ${HOST_DTYPES.join(', ')} but got ${x.dtype}`);
  }
  const out = backend.makeOutput(shape, x.dtype);
  const src = backend.typedArrayFromHeap(x) as HeapArray;
  const dst = backend.typedArrayFromHeap(out) as HeapArray;
  return { out, src, dst };
}

/**
 * out = transpose(x, perm) for a tensor of rank 1 to 4 (lower ranks are padded with leading unit
 * axes). When the innermost axis stays innermost, rows are copied whole; otherwise the two axes
 * involved (output's innermost, and the output axis that holds the input's innermost) are copied
 * in TILE × TILE blocks.
 */
export function permuteAxes(backend: BackendWasm, x: tf.TensorInfo, perm: readonly number[]): tf.TensorInfo {
  const rank = x.shape.length;
  const identity = Array.from({ length: rank }, (_, i) => i).join();
  if (rank < 1 || rank > 4 || perm.length !== rank || [...perm].sort().join() !== identity) {
    throw new BackendError(`permuteAxes needs a tensor of rank 1 to 4 and a permutation of its axes but got shape [${x.shape}] and perm [${perm}]`);
  }
  const lead = 4 - rank;
  const shape4 = [...new Array<number>(lead).fill(1), ...x.shape];
  const perm4 = [...Array.from({ length: lead }, (_, i) => i), ...perm.map((p) => p + lead)];
  const { out, src, dst } = outputAndViews(backend, x, perm.map((p) => x.shape[p]!));
  if (out.shape.reduce((a, b) => a * b, 1) === 0) return out;
  permuteInto(src, shape4, perm4, dst);
  return out;
}

function permuteInto(src: HeapArray, shape: readonly number[], perm: readonly number[], dst: HeapArray): void {
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = stridesOf(shape);
  const outStrides = stridesOf(outShape);
  // Input stride of each output axis.
  const s = perm.map((p) => inStrides[p]!);
  const [d0, d1, d2, d3] = outShape as [number, number, number, number];
  const b = perm.indexOf(3); // output axis that walks the input's contiguous axis
  if (b === 3) {
    // Whole rows: one view of the heap and copyWithin (a memmove; no subarray objects).
    const heap = new (src.constructor as Float32ArrayConstructor)(src.buffer);
    const srcBase = src.byteOffset / src.BYTES_PER_ELEMENT;
    const dstBase = dst.byteOffset / dst.BYTES_PER_ELEMENT;
    for (let i0 = 0; i0 < d0; i0++) {
      for (let i1 = 0; i1 < d1; i1++) {
        for (let i2 = 0; i2 < d2; i2++) {
          const from = srcBase + i0 * s[0]! + i1 * s[1]! + i2 * s[2]!;
          heap.copyWithin(dstBase + i0 * outStrides[0]! + i1 * outStrides[1]! + i2 * outStrides[2]!, from, from + d3);
        }
      }
    }
    return;
  }
  // The two remaining output axes, looped outside the tiles.
  const others = [0, 1, 2].filter((k) => k !== b) as [number, number];
  const [o1, o2] = others;
  const db = outShape[b]!;
  const outB = outStrides[b]!;
  const s3 = s[3]!;
  for (let i1 = 0; i1 < outShape[o1]!; i1++) {
    for (let i2 = 0; i2 < outShape[o2]!; i2++) {
      const inBase = i1 * s[o1]! + i2 * s[o2]!;
      const outBase = i1 * outStrides[o1]! + i2 * outStrides[o2]!;
      for (let j3 = 0; j3 < d3; j3 += STRIDED_TILE) {
        const j3End = Math.min(j3 + STRIDED_TILE, d3);
        for (let jb = 0; jb < db; jb += CONTIGUOUS_TILE) {
          const jbEnd = Math.min(jb + CONTIGUOUS_TILE, db);
          for (let ib = jb; ib < jbEnd; ib++) {
            const inRow = inBase + ib;
            const outRow = outBase + ib * outB;
            for (let i3 = j3; i3 < j3End; i3++) dst[outRow + i3] = src[inRow + i3 * s3]!;
          }
        }
      }
    }
  }
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

/**
 * The positions a 1×1 conv with stride (sh, sw) and no padding reads, as columns:
 * out[c, (n·Ho + i)·Wo + j] = x[n, i·sh, j·sw, c] → [C, n·Ho·Wo]. One pass on the host replaces
 * wasm's StridedSlice (120 ms CPU on [128, 32, 32, 32] stride 2) plus a Transpose.
 */
export function stridedColumns(backend: BackendWasm, x: tf.TensorInfo, strideHeight: number, strideWidth: number): tf.TensorInfo {
  if (x.shape.length !== 4) throw new BackendError(`stridedColumns needs a rank-4 tensor but got shape [${x.shape}]`);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const outH = Math.floor((h - 1) / strideHeight) + 1;
  const outW = Math.floor((w - 1) / strideWidth) + 1;
  const positions = n * outH * outW;
  const { out, src, dst } = outputAndViews(backend, x, [c, positions]);
  const pixelTile = CONTIGUOUS_TILE;
  const offsets = new Int32Array(pixelTile);
  for (let m0 = 0; m0 < positions; m0 += pixelTile) {
    const m1 = Math.min(m0 + pixelTile, positions);
    for (let m = m0; m < m1; m++) {
      const j = m % outW;
      const i = Math.floor(m / outW) % outH;
      const b = Math.floor(m / (outW * outH));
      offsets[m - m0] = ((b * h + i * strideHeight) * w + j * strideWidth) * c;
    }
    for (let c0 = 0; c0 < c; c0 += CONTIGUOUS_TILE) {
      const c1 = Math.min(c0 + CONTIGUOUS_TILE, c);
      for (let ch = c0; ch < c1; ch++) {
        const row = ch * positions;
        for (let m = m0; m < m1; m++) dst[row + m] = src[offsets[m - m0]! + ch]!;
      }
    }
  }
  return out;
}
