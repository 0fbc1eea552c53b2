/** Dense training: no masks, 3 f_D per step (the reference every multiplier divides by). */
import type { MethodSpec } from '../run-manifest.ts';
import { allDense } from '../sparsity/distributions.ts';
import { MaskedController } from './masked-controller.ts';
import type { SparseMethodDefinition } from './types.ts';

export const denseMethod: SparseMethodDefinition<Extract<MethodSpec, { name: 'dense' }>> = {
  id: 'dense',
  summary: 'Dense training, no masks (the baseline of every paper)',
  sparsity: 'absent',
  resolveModel: (model) => model,
  create: (ctx) =>
    new MaskedController({
      layers: ctx.layers,
      allocation: allDense(ctx.layers),
      initialMasks: new Map(),
      replacesOptimizerStep: false,
      denseMomentum: false,
    }),
  estimateTrainMultiplier: () => 1,
};
