/**
 * RigL with SNFS-style layer redistribution (the report's Table 5, rigl-spec §3.5), shared by
 * RigL-SG and RigL-SM, which differ only in the per-layer statistic: RigL's drop (manifest rounding)
 * and |dense gradient| growth, with the grow counts redistributed across layers by the statistic's
 * mean over each layer's active weights; growth uses the reference's floor of the redistributed count.
 */
import { rigLStepFlops } from '../flops.ts';
import type { MethodSpec } from '../run-manifest.ts';
import { defineDynamicSparseMethod, maskedActiveTotal } from './dynamic-sparse.ts';
import { redistributedCounts } from './redistribution.ts';
import { absoluteGradient, meanOverActive } from './scoring.ts';
import type { MaskUpdateInput, SparseMethodDefinition } from './types.ts';

type RedistributedRigLSpec = Extract<MethodSpec, { name: 'rigl-sg' | 'rigl-sm' }>;

export function defineRedistributedRigL<S extends RedistributedRigLSpec>(
  id: S['name'],
  summary: string,
  /** |values| per entry of a layer whose mean over active weights sets the layer's share. */
  statisticValues: (input: MaskUpdateInput, layer: string) => Float32Array,
): SparseMethodDefinition<S> {
  return defineDynamicSparseMethod<S>({
    id,
    summary,
    policy: (spec, _ctx, allocation) => ({
      countRule: redistributedCounts({
        statistic: (layer, input) => meanOverActive(statisticValues(input, layer.name), layer.mask),
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
}
