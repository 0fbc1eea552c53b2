/**
 * Signatures of the addon's dense-layer functions (native/src/sparse.cc). Matrices are row-major
 * float32: x [batch, inputs], w [inputs, outputs], y and g [batch, outputs]. A masked weight's
 * structure comes as a SparseLayout's index arrays (sparse-layout.ts): by output column
 * (columnStarts, columnRows) for the forward pass, by input row (rowStarts, rowColumns) for the
 * gradients. The C++ checks every index array on each call (ascending, in range) and throws a
 * RangeError otherwise. Outputs are allocated by the caller.
 */
/** Floats of an xᵀ buffer for sparseDenseForward's xtOut: batch padded to 16, plus 16 for alignment. */
export function xtCacheLength(batch: number, inputs: number): number {
  return inputs * Math.ceil(batch / 16) * 16 + 16;
}

export interface SparseBindings {
  /** y[r, :] = act(y[r, :] + bias) in place; act = ReLU when `relu`, else identity. */
  denseBiasActivation(rows: number, cols: number, y: Float32Array, bias: Float32Array, relu: boolean): void;
  /**
   * The dense layer's backward prologue. With y (the ReLU's output): g = dy where y > 0, else 0,
   * and db = Σ over rows of g. With y null (no activation): g is not written and db = Σ over rows of dy.
   */
  denseBackwardPrologue(rows: number, cols: number, dy: Float32Array, y: Float32Array | null, g: Float32Array | null, db: Float32Array): void;
  /** y = act(x·(w⊙m) + bias), overwriting y; w is read at the active entries only. */
  sparseDenseForward(
    batch: number,
    inputs: number,
    outputs: number,
    x: Float32Array,
    w: Float32Array,
    bias: Float32Array,
    relu: boolean,
    columnStarts: Int32Array,
    columnRows: Int32Array,
    y: Float32Array,
    /** Optional: keeps xᵀ (inputs · paddedBatch + 16 floats, see xtCacheLength) for sparseDenseBackward. */
    xtOut?: Float32Array | null,
  ): void;
  /** dx = g·(w⊙m)ᵀ, overwriting dx [batch, inputs]. */
  sparseDenseInputGrad(
    batch: number,
    inputs: number,
    outputs: number,
    g: Float32Array,
    w: Float32Array,
    rowStarts: Int32Array,
    rowColumns: Int32Array,
    dx: Float32Array,
  ): void;
  /**
   * A sparse layer's whole backward pass in one call: g = dy ⊙ act'(y) (ReLU with y, identity with
   * y null), db = Σ over rows of g, dw = (xᵀ·g)⊙m at the active entries only (pass a zero-filled dw)
   * and, when dx is not null, dx = g·(w⊙m)ᵀ; g is transposed once for both products. xtCache: the
   * xtOut that sparseDenseForward filled for this same x, or null (x is then transposed here).
   * Bit-identical to denseBackwardPrologue + sparseDenseWeightGrad + sparseDenseInputGrad.
   */
  sparseDenseBackward(
    batch: number,
    inputs: number,
    outputs: number,
    x: Float32Array,
    w: Float32Array,
    dy: Float32Array,
    y: Float32Array | null,
    rowStarts: Int32Array,
    rowColumns: Int32Array,
    xtCache: Float32Array | null,
    dx: Float32Array | null,
    dw: Float32Array,
    db: Float32Array,
  ): void;
  /**
   * sparseDenseBackward with the weight's SGD step fused in: dx (from the weights before the step)
   * and db as there, and instead of dw, each active entry's weight gradient goes straight into the
   * SGD step of w and momentum (in place, sgdStepRows's arithmetic: weightDecay 0 = none). The same
   * bits as sparseDenseBackward followed by sgdStepRows.
   */
  sparseDenseBackwardSgd(
    batch: number,
    inputs: number,
    outputs: number,
    x: Float32Array,
    w: Float32Array,
    dy: Float32Array,
    y: Float32Array | null,
    rowStarts: Int32Array,
    rowColumns: Int32Array,
    xtCache: Float32Array | null,
    dx: Float32Array | null,
    db: Float32Array,
    momentum: Float32Array,
    learningRate: number,
    momentumFactor: number,
    weightDecay: number,
    nesterov: boolean,
  ): void;
  /** dw = (xᵀ·g)⊙m written at the active entries only: pass a zero-filled dw [inputs, outputs]. */
  sparseDenseWeightGrad(
    batch: number,
    inputs: number,
    outputs: number,
    x: Float32Array,
    g: Float32Array,
    rowStarts: Int32Array,
    rowColumns: Int32Array,
    dw: Float32Array,
  ): void;
}
