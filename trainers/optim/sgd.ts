/**
 * SGD with momentum (optionally Nesterov) and coupled weight decay, PyTorch semantics
 * (torch.optim.SGD, dampening 0): g ← ∇ + λ·w; v ← μ·v + g; w ← w − lr·(nesterov ? g + μ·v : v).
 *
 * Sparse training (rigl-spec §2.3): for a masked layer the gradient is masked before it enters the
 * momentum buffer, so inactive weights and their momentum stay exactly 0. With `denseMomentum`
 * (SNFS, rigl-spec §3.4) the buffer takes the dense gradient and only the weight change is masked.
 *
 * Written here rather than using tf.train.momentum because the sparse methods must read and reset
 * the momentum slots, checkpoints must save them, and tfjs's optimizer has no coupled weight decay.
 */
import * as tf from '@tensorflow/tfjs-core';
import { nativeSgdStep } from '../backends/native/optim.ts';
import type { SparseLayout } from '../backends/native/sparse-layout.ts';
import type { OptimizerSpec } from '../run-manifest.ts';
import type { ModelParam } from '../models/types.ts';

export interface SgdStepInput {
  learningRate: number;
  /** Gradient per parameter name (dense). */
  gradients: ReadonlyMap<string, tf.Tensor>;
  /** 0/1 mask per masked-layer name (ModelParam.layer); absent = dense. */
  masks: ReadonlyMap<string, tf.Tensor>;
  denseMomentum: boolean;
  /**
   * Masked layers (by layer name) whose gradient this step came from the native sparse kernels,
   * hence is exactly 0 off the mask (trainers/step-layouts.ts forStep): the native step updates
   * only their active entries. Absent: every entry.
   */
  sparseLayouts?: ReadonlyMap<string, SparseLayout>;
}

export class SgdOptimizer {
  private readonly momentum = new Map<string, tf.Variable>();

  constructor(
    private readonly params: readonly ModelParam[],
    private readonly spec: OptimizerSpec,
  ) {
    for (const p of params) {
      // tidy disposes the zeros tensor; the variable keeps its own reference to the data.
      this.momentum.set(p.name, tf.tidy(() => tf.variable(tf.zerosLike(p.variable), false)));
    }
  }

  private decays(param: ModelParam): boolean {
    if (this.spec.weightDecay === 0) return false;
    return this.spec.weightDecayExclude === 'none' || param.role === 'weight';
  }

  /** The step's settings for one parameter (weightDecay 0 when it does not decay). */
  settingsOf(paramName: string): { momentum: number; weightDecay: number; nesterov: boolean } {
    const param = this.params.find((p) => p.name === paramName);
    if (param === undefined) throw new RangeError(`no parameter '${paramName}' in this optimizer`);
    return { momentum: this.spec.momentum, weightDecay: this.decays(param) ? this.spec.weightDecay : 0, nesterov: this.spec.nesterov };
  }

  /** Slot variables of one parameter (SGD: [momentum]). */
  slotsOf(paramName: string): tf.Variable[] {
    const v = this.momentum.get(paramName);
    if (v === undefined) throw new RangeError(`no optimizer slots for parameter '${paramName}'`);
    return [v];
  }

  /** All slot variables with stable names, for checkpoints. */
  namedSlots(): { name: string; variable: tf.Variable }[] {
    return this.params.map((p) => ({ name: `${p.name}/momentum`, variable: this.momentum.get(p.name)! }));
  }

  step(input: SgdStepInput): void {
    const { learningRate, gradients, masks, denseMomentum, sparseLayouts } = input;
    const mu = this.spec.momentum;
    for (const param of this.params) {
      const grad = gradients.get(param.name);
      if (grad === undefined) throw new RangeError(`no gradient for parameter '${param.name}'`);
      const buffer = this.momentum.get(param.name)!;
      const mask = param.layer === null ? undefined : masks.get(param.layer);
      const fused = nativeSgdStep(param.variable, grad, buffer, mask, {
        learningRate,
        momentum: mu,
        weightDecay: this.decays(param) ? this.spec.weightDecay : 0,
        nesterov: this.spec.nesterov,
        denseMomentum,
      }, param.layer === null ? undefined : sparseLayouts?.get(param.layer));
      if (fused) continue;
      tf.tidy(() => {
        let g: tf.Tensor = grad;
        if (this.decays(param)) g = tf.add(g, tf.mul(param.variable, this.spec.weightDecay));
        if (mask !== undefined && !denseMomentum) g = tf.mul(g, mask);
        const v = mu === 0 ? g : tf.add(tf.mul(buffer, mu), g);
        buffer.assign(v);
        let update = this.spec.nesterov ? tf.add(g, tf.mul(v, mu)) : v;
        if (mask !== undefined && denseMomentum) update = tf.mul(update, mask);
        param.variable.assign(tf.sub(param.variable, tf.mul(update, learningRate)));
      });
    }
  }

  dispose(): void {
    for (const v of this.momentum.values()) v.dispose();
    this.momentum.clear();
  }
}
