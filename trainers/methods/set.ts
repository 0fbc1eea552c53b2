/**
 * SET as RigL and the report run it (Mocanu et al. 2018; rigl-spec §3.3): RigL's update with
 * growth uniformly at random among inactive-after-drop connections, keyed on
 * (seed, 'grow', layer, step) [GR: SparseSETOptimizerBase.generic_mask_update (random grow scores)].
 * No dense gradient: every step costs 3 f_S.
 */
import type { MethodSpec } from '../run-manifest.ts';
import { defineDynamicSparseMethod } from './dynamic-sparse.ts';
import { perLayerCounts } from './redistribution.ts';
import { uniformRandomScores } from './scoring.ts';

export const setMethod = defineDynamicSparseMethod<Extract<MethodSpec, { name: 'set' }>>({
  id: 'set',
  summary: 'SET: drop smallest |w|, grow uniformly at random (Mocanu et al. 2018, as in Evci et al. 2020)',
  policy: (spec, ctx) => ({
    countRule: perLayerCounts(spec.update.rounding),
    growScores: (layer, input) => uniformRandomScores(ctx.seed, layer.name, input.step, layer.size),
    denseGradient: 'never',
    denseMomentum: false,
    slotPolicy: 'reset-changed',
  }),
  estimateStepFlops: (_spec, fS) => 3 * fS,
});
