/**
 * RigL (Evci et al. 2020, Algorithm 1; rigl-spec §2): every ΔT steps until T_end, per layer drop
 * the k = floor(f(t) · n_active) active connections of smallest |w| and grow the k inactive-after-drop
 * connections of largest |dense gradient| (of this step's mini-batch). Grown connections start at 0
 * with zeroed momentum. Training cost (3 f_S ΔT + 2 f_S + f_D)/(ΔT + 1) per step (rigl-spec §5).
 */
import { rigLStepFlops } from '../flops.ts';
import type { MethodSpec } from '../run-manifest.ts';
import { defineDynamicSparseMethod } from './dynamic-sparse.ts';
import { perLayerCounts } from './redistribution.ts';
import { absoluteGradient } from './scoring.ts';

export const riglMethod = defineDynamicSparseMethod<Extract<MethodSpec, { name: 'rigl' }>>({
  id: 'rigl',
  summary: 'RigL: drop smallest |w|, grow largest |dense gradient| (Evci et al. 2020)',
  policy: (spec) => ({
    countRule: perLayerCounts(spec.update.rounding),
    growScores: (layer, input) => absoluteGradient(input, layer.name),
    denseGradient: 'update-steps',
    denseMomentum: false,
    slotPolicy: 'reset-changed',
  }),
  estimateStepFlops: (spec, fS, fD) => rigLStepFlops(fS, fD, spec.update.intervalSteps),
});
