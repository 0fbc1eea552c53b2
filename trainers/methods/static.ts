/**
 * Static sparse training (rigl-spec §3.1): a random mask with exact per-layer counts, drawn once
 * from the distribution with the generator keyed (seed, 'mask-init', layer), never updated;
 * 3 f_S per step. (The authors' code calls this 'scratch'; their 'static' is something else.)
 */
import { denseForwardFlops, trainMultiplierOf } from '../flops.ts';
import type { MethodSpec } from '../run-manifest.ts';
import { requireAllocation } from './allocation.ts';
import { allocationForwardFlops } from './dynamic-sparse.ts';
import { MaskedController } from './masked-controller.ts';
import { randomInitialMasks } from './mask-init.ts';
import type { SparseMethodDefinition } from './types.ts';

export const staticMethod: SparseMethodDefinition<Extract<MethodSpec, { name: 'static' }>> = {
  id: 'static',
  summary: 'Static sparse: a fixed random mask with exact per-layer counts (Evci et al. 2020 baseline)',
  sparsity: 'target-and-distribution',
  resolveModel: (model) => model,
  create(ctx) {
    const allocation = requireAllocation(ctx, 'static');
    return new MaskedController({
      layers: ctx.layers,
      allocation,
      initialMasks: randomInitialMasks(ctx.seed, allocation),
      replacesOptimizerStep: false,
      denseMomentum: false,
    });
  },
  estimateTrainMultiplier(ctx) {
    const allocation = requireAllocation(ctx, 'static');
    const fD = denseForwardFlops(ctx.layers);
    return trainMultiplierOf(3 * allocationForwardFlops(ctx, allocation), fD);
  },
};
