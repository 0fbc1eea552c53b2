/**
 * RigL-SM (the report's Table 5, rigl-spec §3.5): RigL with the grow counts redistributed across
 * layers by each layer's mean |sparse momentum| over its active weights [REPC:
 * funcs/redistribute.py › momentum_redistribution]. The momentum is the optimizer's, accumulated
 * from masked gradients (the loop masks gradients before momentum). The shared rule:
 * rigl-redistributed.ts.
 */
import type { MethodSpec } from '../run-manifest.ts';
import { defineRedistributedRigL } from './rigl-redistributed.ts';
import { absoluteMomentum } from './scoring.ts';

export const riglSmMethod = defineRedistributedRigL<Extract<MethodSpec, { name: 'rigl-sm' }>>(
  'rigl-sm',
  'RigL with layer redistribution by mean |sparse momentum| (Sundar & Dwaraknath 2021, Table 5)',
  absoluteMomentum,
);
