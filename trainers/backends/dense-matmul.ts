/**
 * `denseMatMul(x, w)` = x·w for dense layers, with a backward pass off wasm's slow path.
 *
 * tf.matMul's gradient is dx = dy·wᵀ and dw = xᵀ·dy computed as `matMul(dy, w, false, true)` and
 * `matMul(x, dy, true, false)`. tfjs-backend-wasm hands only non-transposed products to XNNPACK and
 * runs transposed ones in a scalar loop: 1.3 (transposeA) and 3.5 (transposeB) vs 23.9 GFLOP/s
 * (env-measurements §2c, tfjs source batch_mat_mul_impl.cc `slow_batch_matmul`). Here the backward
 * pass transposes explicitly and multiplies without transpose flags. The result is the same
 * product up to float rounding order, on every backend.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface DenseMatMulOptions {
  /**
   * false when x is data (the first layer's input): its gradient is never used, so the backward
   * pass returns zeros for it instead of a [batch, in] × [out, in] product.
   */
  inputGradient?: boolean;
}

function assertShapes(x: tf.Tensor2D, w: tf.Tensor2D): void {
  if (x.rank !== 2 || w.rank !== 2) {
    throw new RangeError(`'x' and 'w' passed to denseMatMul() must be rank 2 but got ranks ${x.rank} and ${w.rank}`);
  }
  if (x.shape[1] !== w.shape[0]) {
    throw new RangeError(
      `inner dimensions passed to denseMatMul() must match but got x [${x.shape}] and w [${w.shape}]`,
    );
  }
}

type GradArgs = Array<tf.Tensor | tf.GradSaveFunc>;

const withInputGradient = tf.customGrad((...args: GradArgs) => {
  const [x, w, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy as tf.Tensor2D)];
    },
  };
});

const withoutInputGradient = tf.customGrad((...args: GradArgs) => {
  const [x, w, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([x]);
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs] = saved as [tf.Tensor2D];
      return [tf.zerosLike(xs), tf.matMul(tf.transpose(xs), dy as tf.Tensor2D)];
    },
  };
});

/** x [batch, in] · w [in, out] → [batch, out], with a transpose-free backward pass. */
export function denseMatMul(x: tf.Tensor2D, w: tf.Tensor2D, options: DenseMatMulOptions = {}): tf.Tensor2D {
  assertShapes(x, w);
  const f = options.inputGradient === false ? withoutInputGradient : withInputGradient;
  return f(x, w) as tf.Tensor2D;
}
