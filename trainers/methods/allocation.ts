/** The layer allocation a method trains with, from its context (shared by every method). */
import { InvalidRunConfigError } from '../errors.ts';
import { allocateLayers, type LayerAllocation } from '../sparsity/distributions.ts';
import type { MethodSpec, SparsitySpec } from '../run-manifest.ts';
import type { MethodContext } from './types.ts';

/** The manifest's distribution applied to the run's weight layers; the method needs one. */
export function requireAllocation(ctx: MethodContext, methodId: MethodSpec['name']): LayerAllocation[] {
  const sparsity = requireSparsity(ctx.sparsity, methodId);
  if (sparsity.distribution === undefined) {
    throw new InvalidRunConfigError(`method '${methodId}' needs 'sparsity.distribution' (uniform, er, erk or custom)`);
  }
  return allocateLayers(ctx.layers, sparsity.target, sparsity.distribution);
}

export function requireSparsity(sparsity: SparsitySpec | undefined, methodId: MethodSpec['name']): SparsitySpec {
  if (sparsity === undefined) {
    throw new InvalidRunConfigError(`method '${methodId}' needs 'sparsity' (a target and a distribution)`);
  }
  return sparsity;
}
