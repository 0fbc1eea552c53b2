/**
 * RigL-SM (the report's Table 5, rigl-spec §3.5): RigL's drop and |dense gradient| growth, with the
 * grow counts redistributed across layers SNFS-style by each layer's mean |sparse momentum| over its
 * active weights [REPC: funcs/redistribute.py › momentum_redistribution]. The momentum is the
 * optimizer's, accumulated from masked gradients (the loop masks gradients before momentum).
 */
import { rigLStepFlops } from '../flops.ts';
import type { MethodSpec } from '../run-manifest.ts';
import { defineDynamicSparseMethod, maskedActiveTotal } from './dynamic-sparse.ts';
import { redistributedCounts } from './redistribution.ts';
import { absoluteGradient, absoluteMomentum, meanOverActive } from './scoring.ts';

export const riglSmMethod = defineDynamicSparseMethod<Extract<MethodSpec, { name: 'rigl-sm' }>>({
  id: 'rigl-sm',
  summary: 'RigL with layer redistribution by mean |sparse momentum| (Sundar & Dwaraknath 2021, Table 5)',
  policy: (spec, _ctx, allocation) => ({
    countRule: redistributedCounts({
      statistic: (layer, input) => meanOverActive(absoluteMomentum(input, layer.name), layer.mask),
      dropRounding: spec.update.rounding,
      baseline: maskedActiveTotal(allocation),
    }),
    growScores: (layer, input) => absoluteGradient(input, layer.name),
    denseGradient: 'update-steps',
    denseMomentum: false,
    slotPolicy: 'reset-changed',
  }),
  estimateStepFlops: (spec, fS, fD) => rigLStepFlops(fS, fD, spec.update.intervalSteps),
});
