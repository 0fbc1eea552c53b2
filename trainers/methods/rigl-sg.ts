/**
 * RigL-SG (the report's Table 5, rigl-spec §3.5): RigL with the grow counts redistributed across
 * layers by each layer's mean |sparse gradient| over its active weights [REPC:
 * funcs/redistribute.py, `redistribution_mode=grad`]. The shared rule: rigl-redistributed.ts.
 */
import type { MethodSpec } from '../run-manifest.ts';
import { defineRedistributedRigL } from './rigl-redistributed.ts';
import { absoluteGradient } from './scoring.ts';

export const riglSgMethod = defineRedistributedRigL<Extract<MethodSpec, { name: 'rigl-sg' }>>(
  'rigl-sg',
  'RigL with layer redistribution by mean |sparse gradient| (Sundar & Dwaraknath 2021, Table 5)',
  absoluteGradient,
);
