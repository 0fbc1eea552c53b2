/**
 * Named axes (design.md "Manifests"): the four standard axes and their manifest paths, plus the
 * suite's own. `--only` and claim groups select runs by these names.
 */
import type { RunManifest } from '../../trainers/run-manifest.ts';
import { getAtPath } from './paths.ts';
import type { AxisDefinition } from './types.ts';

export const STANDARD_AXES: Readonly<Record<string, AxisDefinition>> = Object.freeze({
  method: { path: 'method.name' },
  distribution: { path: 'sparsity.distribution.kind' },
  sparsity: { path: 'sparsity.target' },
  seed: { path: 'seed' },
});

/** Standard axes first, then the suite's, in the order written. */
export function allAxes(suiteAxes: Record<string, AxisDefinition> | undefined): Map<string, AxisDefinition> {
  const out = new Map<string, AxisDefinition>(Object.entries(STANDARD_AXES));
  for (const [name, definition] of Object.entries(suiteAxes ?? {})) if (!out.has(name)) out.set(name, definition);
  return out;
}

/** Axis name → value for every axis whose path holds a string or number in the manifest. */
export function axisValuesOf(manifest: RunManifest, axes: ReadonlyMap<string, AxisDefinition>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [name, { path }] of axes) {
    const value = getAtPath(manifest, path);
    if (typeof value === 'string' || typeof value === 'number') out[name] = value;
  }
  return out;
}
