/**
 * RigL-SG (the report's Table 5, rigl-spec §3.5): RigL's drop and |dense gradient| growth, with the
 * grow counts redistributed across layers SNFS-style by each layer's mean |sparse gradient| over
 * its active weights [REPC: funcs/redistribute.py, `redistribution_mode=grad`]. Drops use the
 * manifest's rounding (floor by default), growth the reference's floor of the redistributed count.
 */
import { rigLStepFlops } from '../flops.ts';
import type { MethodSpec } from '../run-manifest.ts';
import { defineDynamicSparseMethod, maskedActiveTotal } from './dynamic-sparse.ts';
import { redistributedCounts } from './redistribution.ts';
import { absoluteGradient, meanOverActive } from './scoring.ts';

export const riglSgMethod = defineDynamicSparseMethod<Extract<MethodSpec, { name: 'rigl-sg' }>>({
  id: 'rigl-sg',
  summary: 'RigL with layer redistribution by mean |sparse gradient| (Sundar & Dwaraknath 2021, Table 5)',
  policy: (spec, _ctx, allocation) => ({
    countRule: redistributedCounts({
      statistic: (layer, input) => meanOverActive(absoluteGradient(input, layer.name), layer.mask),
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
