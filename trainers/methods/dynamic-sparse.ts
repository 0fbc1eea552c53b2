/**
 * Builds the SparseMethodDefinition of a drop-and-grow method from its parts, so a method file says
 * only what is its own: its grow score, its count rule, its gradient and momentum needs, and its
 * per-iteration FLOP formula (rigl-spec §5).
 */
import { denseForwardFlops, sparseForwardFlops, trainMultiplierOf } from '../flops.ts';
import type { MaskUpdateSchedule, MethodSpec } from '../run-manifest.ts';
import type { LayerAllocation } from '../sparsity/distributions.ts';
import { requireAllocation } from './allocation.ts';
import { DropGrowController, type DropGrowPolicy } from './drop-grow-controller.ts';
import { randomInitialMasks } from './mask-init.ts';
import type { MethodContext, SparseMethodDefinition } from './types.ts';

export type DynamicSpec = Extract<MethodSpec, { update: MaskUpdateSchedule }>;

export interface DynamicMethodParts<S extends DynamicSpec> {
  id: S['name'];
  summary: string;
  policy(spec: S, ctx: MethodContext<S>, allocation: readonly LayerAllocation[]): DropGrowPolicy;
  /** Per-iteration training FLOPs from the papers' closed form, at the initial masks. */
  estimateStepFlops(spec: S, sparseForward: number, denseForward: number): number;
}

/** f_S of an allocation (unmasked layers at density 1). */
export function allocationForwardFlops(ctx: MethodContext, allocation: readonly LayerAllocation[]): number {
  return sparseForwardFlops(
    ctx.layers.map((layer, i) => ({ denseForwardFlops: layer.denseForwardFlops, density: allocation[i]!.activeCount / allocation[i]!.size })),
  );
}

export function defineDynamicSparseMethod<S extends DynamicSpec>(parts: DynamicMethodParts<S>): SparseMethodDefinition<S> {
  const definition: SparseMethodDefinition<S> = {
    id: parts.id,
    summary: parts.summary,
    sparsity: 'target-and-distribution',
    resolveModel: (model) => model,
    create(ctx: MethodContext<S>) {
      const allocation = requireAllocation(ctx, parts.id);
      return new DropGrowController(
        { layers: ctx.layers, allocation, initialMasks: randomInitialMasks(ctx.seed, allocation) },
        ctx.method.update,
        ctx.totalSteps,
        parts.policy(ctx.method, ctx, allocation),
      );
    },
    estimateTrainMultiplier(ctx: MethodContext<S>) {
      const allocation = requireAllocation(ctx, parts.id);
      const fD = denseForwardFlops(ctx.layers);
      return trainMultiplierOf(parts.estimateStepFlops(ctx.method, allocationForwardFlops(ctx, allocation), fD), fD);
    },
  };
  return definition;
}

/** Σ active weights over masked layers (SNFS' baseline for its drift correction). */
export function maskedActiveTotal(allocation: readonly LayerAllocation[]): number {
  return allocation.reduce((sum, a) => sum + (a.masked ? a.activeCount : 0), 0);
}
