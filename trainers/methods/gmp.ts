/**
 * Gradual magnitude pruning (Zhu & Gupta 2017; rigl-spec §3.6): dense start, then on each update
 * step g ≥ t0 prune the smallest-|w| active weights until round(s(g) · N) are zero, with the cubic
 * s(g) = s_f + (s_i − s_f)(1 − (g − t0)/(t_end − t0))^3 (trainers/sparsity/schedules.ts; the last
 * pruning step reaches s_f exactly). Pruned weights stay 0 and are never regrown; their optimizer
 * slots are zeroed. Scope:
 * - 'global' (the report's code, `prune_mode: global-magnitude`; recipes.md): one magnitude
 *   threshold over all masked layers, N = their total weight count;
 * - 'per-layer' (TF model_pruning, the authors' code): each masked layer pruned to its own target,
 *   s_f,l from the distribution (uniform at `sparsity.target` when the manifest gives none).
 * Update steps follow the cadence (interval, end, convention) like the other methods, and, as in the
 * report's code and recipes.md, replace the optimizer step — also the ones before t0, which prune
 * nothing. Ties at the threshold: lower (layer in model order, flat index) first.
 * Training cost 3 f_S(t) with the masks of each step (rigl-spec §5: "3 E[f_S,t]").
 */
import { InvalidRunConfigError, TrainerInvariantError } from '../errors.ts';
import { denseForwardFlops, trainMultiplierOf } from '../flops.ts';
import type { MethodSpec } from '../run-manifest.ts';
import { allocateLayers, uniformDistribution, type LayerAllocation } from '../sparsity/distributions.ts';
import {
  makeCubicSparsitySchedule,
  makeUpdateCadence,
  resolveUpdateEnd,
  type CubicSparsitySchedule,
  type UpdateCadence,
} from '../sparsity/schedules.ts';
import { indicesWhere, selectByScore, selectSmallestAcross } from '../sparsity/selection.ts';
import { requireSparsity } from './allocation.ts';
import { denseInitialMasks } from './mask-init.ts';
import { MaskedController, type MaskedLayerView } from './masked-controller.ts';
import type { MaskChange } from './mask-update.ts';
import type { LayerUpdateCounts, MaskUpdateInput, MaskUpdateReport, MethodContext, SparseMethodDefinition } from './types.ts';

type GmpSpec = Extract<MethodSpec, { name: 'gmp' }>;

interface GmpPlan {
  allocation: LayerAllocation[];
  cadence: UpdateCadence;
  /** Schedule of the overall sparsity over masked layers (global), with s_f = sparsity.target. */
  overall: CubicSparsitySchedule;
  /** Final sparsity per masked layer (per-layer scope). */
  finalSparsity: Map<string, number>;
  pruningSteps: number[];
}

function planGmp(ctx: MethodContext<GmpSpec>): GmpPlan {
  const spec = ctx.method;
  const sparsity = requireSparsity(ctx.sparsity, 'gmp');
  const distribution = sparsity.distribution ?? { kind: 'uniform' as const, denseLayers: [] };
  if (spec.scope === 'global' && distribution.kind !== 'uniform') {
    throw new InvalidRunConfigError(
      `gmp with scope 'global' prunes by one threshold, so 'sparsity.distribution' may only name dense layers ` +
        `(kind 'uniform') but got kind '${distribution.kind}'; use scope 'per-layer' for per-layer targets`,
    );
  }
  const allocation =
    distribution.kind === 'uniform'
      ? uniformDistribution(ctx.layers, sparsity.target, distribution)
      : allocateLayers(ctx.layers, sparsity.target, distribution);
  const endStep = resolveUpdateEnd(spec.end, ctx.totalSteps);
  const cadence = makeUpdateCadence(spec.intervalSteps, endStep, spec.stepConvention);
  const pruningSteps = cadence.updateSteps().filter((g) => g >= spec.startStep);
  if (pruningSteps.length === 0) {
    throw new InvalidRunConfigError(
      `gmp never prunes: no update step lies in [startStep = ${spec.startStep}, end = ${endStep}) ` +
        `with interval ${spec.intervalSteps} (${spec.stepConvention})`,
    );
  }
  const overall = makeCubicSparsitySchedule({
    initialSparsity: spec.initialSparsity,
    finalSparsity: sparsity.target,
    startStep: spec.startStep,
    endStep,
    lastPruningStep: pruningSteps[pruningSteps.length - 1]!,
  });
  const finalSparsity = new Map(
    allocation.filter((a) => a.masked).map((a) => [a.name, (a.size - a.activeCount) / a.size]),
  );
  return { allocation, cadence, overall, finalSparsity, pruningSteps };
}

/** Per-layer sparsity at step g: the overall cubic shape scaled to the layer's own s_f. */
function layerSparsityAt(plan: GmpPlan, name: string, step: number): number {
  const sf = plan.finalSparsity.get(name)!;
  const { initialSparsity, finalSparsity } = plan.overall;
  if (finalSparsity === initialSparsity) return sf;
  const progress = (plan.overall.sparsityAt(step) - initialSparsity) / (finalSparsity - initialSparsity);
  return Math.min(sf, initialSparsity + (sf - initialSparsity) * progress);
}

class GmpController extends MaskedController {
  private readonly scope: GmpSpec['scope'];

  constructor(
    ctx: MethodContext<GmpSpec>,
    private readonly plan: GmpPlan,
  ) {
    super({
      layers: ctx.layers,
      allocation: plan.allocation,
      initialMasks: denseInitialMasks(plan.allocation),
      replacesOptimizerStep: true,
      denseMomentum: false,
    });
    this.scope = ctx.method.scope;
  }

  override isUpdateStep(step: number): boolean {
    return this.plan.cadence.isUpdateStep(step);
  }

  override update(input: MaskUpdateInput): MaskUpdateReport {
    if (!this.isUpdateStep(input.step)) return super.update(input);
    const layers = this.maskedLayers();
    const step = input.step;
    const none = () => layers.map(() => new Uint32Array(0));
    let pruned: Uint32Array[];
    if (step < this.plan.overall.startStep) {
      pruned = none();
    } else if (this.scope === 'global') {
      const total = layers.reduce((s, l) => s + l.size, 0);
      const zeros = layers.reduce((s, l) => s + (l.size - l.activeCount), 0);
      const extra = Math.max(0, Math.round(this.plan.overall.sparsityAt(step) * total) - zeros);
      pruned =
        extra === 0
          ? none()
          : selectSmallestAcross(
              layers.map((layer) => ({ candidates: indicesWhere(layer.mask, 1), scores: readMagnitudes(input, layer) })),
              extra,
            );
    } else {
      pruned = layers.map((layer) => {
        const target = Math.round(layerSparsityAt(this.plan, layer.name, step) * layer.size);
        const extra = Math.max(0, target - (layer.size - layer.activeCount));
        return extra === 0 ? new Uint32Array(0) : selectByScore(indicesWhere(layer.mask, 1), readMagnitudes(input, layer), extra, 'smallest');
      });
    }
    const changes: MaskChange[] = [];
    const reports: LayerUpdateCounts[] = [];
    layers.forEach((layer, l) => {
      const chosen = pruned[l]!;
      const after = layer.mask.slice();
      for (const i of chosen) after[i] = 0;
      if (chosen.length > 0) changes.push({ name: layer.name, before: layer.mask, after });
      reports.push({ name: layer.name, dropped: chosen.length, grown: 0, active: layer.activeCount - chosen.length });
    });
    this.commitMaskChanges(changes, input, 'reset-changed');
    return { step, fraction: this.plan.overall.sparsityAt(step), layers: reports };
  }

  /** gmp's "target" in summaries is the density reached so far. */
  protected override targetDensityOf(name: string): number {
    const layer = this.maskedLayers().find((l) => l.name === name);
    return layer === undefined ? 1 : layer.activeCount / layer.size;
  }
}

function readMagnitudes(input: MaskUpdateInput, layer: MaskedLayerView): Float32Array {
  const weight = input.weights.get(layer.name);
  if (weight === undefined) throw new TrainerInvariantError(`no weight for masked layer '${layer.name}' at step ${input.step}`);
  const values = weight.dataSync();
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.abs(values[i]!);
  return out;
}

/** E[f_S(t)] over the run from the schedule (global scope: masked layers thinned alike). */
function expectedStepFlops(ctx: MethodContext<GmpSpec>, plan: GmpPlan): number {
  const masked = plan.allocation.map((a) => a.masked);
  const sparsityOfStep = (g: number | null) =>
    ctx.layers.map((layer, i) => {
      if (!masked[i] || g === null) return 0;
      return ctx.method.scope === 'global' ? plan.overall.sparsityAt(g) : layerSparsityAt(plan, layer.name, g);
    });
  const forwardAt = (g: number | null) =>
    sparsityOfStep(g).reduce((sum, s, i) => sum + (1 - s) * ctx.layers[i]!.denseForwardFlops, 0);
  // masks change on pruning steps; step t costs 3 f_S with the masks after step t's update.
  let total = 0;
  let from = 0;
  let current: number | null = null;
  for (const g of plan.pruningSteps) {
    total += (g - from) * forwardAt(current);
    from = g;
    current = g;
  }
  total += (ctx.totalSteps - from) * forwardAt(current);
  return ctx.totalSteps === 0 ? forwardAt(null) : total / ctx.totalSteps;
}

export const gmpMethod: SparseMethodDefinition<GmpSpec> = {
  id: 'gmp',
  summary: 'Gradual magnitude pruning, cubic schedule, global or per layer (Zhu & Gupta 2017)',
  sparsity: 'target',
  resolveModel: (model) => model,
  create: (ctx) => new GmpController(ctx, planGmp(ctx)),
  estimateTrainMultiplier(ctx) {
    const plan = planGmp(ctx);
    return trainMultiplierOf(3 * expectedStepFlops(ctx, plan), denseForwardFlops(ctx.layers));
  },
};

