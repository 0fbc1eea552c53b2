/**
 * Signatures of the addon's elementwise, reduction and layout functions (native/src/eltwise.cc).
 * Every tensor is a float32 array the caller allocated (outputs included); shapes are passed as
 * the few extents each loop needs.
 */

/** Op codes of `binary` (native/src/eltwise.cc BinaryCode). */
export const EltwiseBinaryOp = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5 } as const;
export type EltwiseBinaryOp = (typeof EltwiseBinaryOp)[keyof typeof EltwiseBinaryOp];

/** Op codes of `unary` (native/src/eltwise.cc UnaryCode). */
export const EltwiseUnaryOp = { relu: 0, step: 1, neg: 2, exp: 3, log: 4, sqrt: 5, rsqrt: 6, square: 7, abs: 8, reciprocal: 9 } as const;
export type EltwiseUnaryOp = (typeof EltwiseUnaryOp)[keyof typeof EltwiseUnaryOp];

/** Op codes of `reduce` (native/src/eltwise.cc ReduceCode). */
export const EltwiseReduceOp = { sum: 0, mean: 1, max: 2 } as const;
export type EltwiseReduceOp = (typeof EltwiseReduceOp)[keyof typeof EltwiseReduceOp];

/** How `binary`'s operands relate to its output [outer, mid, inner]. */
export const BinaryBroadcast = {
  /** a and b both have the output's shape. */
  none: 0,
  /** a is [outer, inner], the same for every index along mid; b has the output's shape. */
  a: 1,
  /** b is [outer, inner]; a has the output's shape. */
  b: 2,
} as const;
export type BinaryBroadcast = (typeof BinaryBroadcast)[keyof typeof BinaryBroadcast];

export interface EltwiseBindings {
  /** out[o, m, i] = op(a, b) with a or b broadcast over m as `broadcast` says. */
  binary(op: EltwiseBinaryOp, a: Float32Array, b: Float32Array, out: Float32Array, outer: number, mid: number, inner: number, broadcast: BinaryBroadcast): void;
  /** out[i] = op(x[i]) for i < n; `alpha` is Step's value where x <= 0 (ignored by the others). */
  unary(op: EltwiseUnaryOp, x: Float32Array, out: Float32Array, n: number, alpha: number): void;
  /** out[o, i] = op over k < r of x[o, k, i] (r >= 1). */
  reduce(op: EltwiseReduceOp, x: Float32Array, out: Float32Array, outer: number, r: number, inner: number): void;
  /** tf.transpose: `spec` holds x's shape in [0, rank) and the permutation in [rank, 2·rank); rank <= 8. */
  transpose(x: Float32Array, out: Float32Array, rank: number, spec: Int32Array): void;
}
