/**
 * Sparse momentum, SNFS (Dettmers & Zettlemoyer 2019; rigl-spec §3.4). Momentum accumulates the
 * dense gradient every step and is never masked (`denseMomentum`), so the dense gradient is needed
 * on every step (2 f_S + f_D per step, rigl-spec §5) and grown or dropped connections keep their
 * momentum; grown weights start at 0. Growth: largest |momentum| among inactive-after-drop.
 * - redistribution 'momentum' (the report's SNFS): drop ceil(p_l · n_active) per layer and grow the
 *   momentum-redistributed counts, floored — the reference's own rounding, whatever the manifest's
 *   `rounding` says [SL: funcs.py › magnitude_prune (ceil), momentum_growth (int)];
 * - redistribution 'none' (the RigL paper's SNFS baseline): per layer k = rounding(f · n_active)
 *   dropped and grown, like RigL [GR: sparse_optimizers.py › SparseMomentumOptimizer].
 */
import type { MethodSpec } from '../run-manifest.ts';
import { defineDynamicSparseMethod, maskedActiveTotal } from './dynamic-sparse.ts';
import { perLayerCounts, redistributedCounts } from './redistribution.ts';
import { absoluteMomentum, meanOverActive } from './scoring.ts';

export const snfsMethod = defineDynamicSparseMethod<Extract<MethodSpec, { name: 'snfs' }>>({
  id: 'snfs',
  summary: 'SNFS: drop smallest |w|, grow largest |momentum|, optional momentum redistribution (Dettmers & Zettlemoyer 2019)',
  policy: (spec, _ctx, allocation) => ({
    countRule:
      spec.redistribution === 'momentum'
        ? redistributedCounts({
            statistic: (layer, input) => meanOverActive(absoluteMomentum(input, layer.name), layer.mask),
            dropRounding: 'ceil',
            baseline: maskedActiveTotal(allocation),
          })
        : perLayerCounts(spec.update.rounding),
    growScores: (layer, input) => absoluteMomentum(input, layer.name),
    denseGradient: 'every-step',
    denseMomentum: true,
    slotPolicy: 'keep',
  }),
  estimateStepFlops: (_spec, fS, fD) => 2 * fS + fD,
});
