/**
 * Small-Dense (rigl-spec §3.2): a dense model narrowed so its weight count is about the sparse
 * model's. MLPs take their hidden sizes from the method config, pinned as data (recipes.md:
 * 0.90 → 34-11, 0.95 → 17-6, 0.98 → 7-2); CNNs multiply every channel count by √density, truncated
 * [REPC: models/wide_resnet.py `small_dense_multiplier = sqrt(density)`], via the model's
 * `widthMultiplier`. Training is dense. Like every controller, its FLOP multipliers are relative to
 * the model in its context (the narrowed one), so they are 1; callers that compare with the
 * manifest's full-width model scale them by f_D(narrowed) / f_D(full), as trainers/train.ts does.
 */
import { InvalidRunConfigError } from '../errors.ts';
import type { MethodSpec, ModelSpec } from '../run-manifest.ts';
import { allDense } from '../sparsity/distributions.ts';
import { requireSparsity } from './allocation.ts';
import { MaskedController } from './masked-controller.ts';
import type { SparseMethodDefinition } from './types.ts';

type SmallDenseSpec = Extract<MethodSpec, { name: 'small-dense' }>;

function narrowModel(model: ModelSpec, method: SmallDenseSpec, target: number | undefined): ModelSpec {
  if (model.name === 'mlp') {
    const sizes = method.hiddenSizes;
    if (sizes === null || sizes.length === 0 || sizes.some((h) => !Number.isInteger(h) || h < 1)) {
      throw new InvalidRunConfigError(
        `method 'small-dense' on an MLP needs 'method.hiddenSizes' as positive integers (recipes.md pins them per sparsity) but got ${JSON.stringify(sizes)}`,
      );
    }
    return { ...model, hiddenSizes: [...sizes] };
  }
  if (method.hiddenSizes !== null) {
    throw new InvalidRunConfigError(
      `'method.hiddenSizes' applies to MLPs only; model '${model.name}' is narrowed by √density, so it must be null`,
    );
  }
  if (target === undefined) {
    throw new InvalidRunConfigError(`method 'small-dense' on model '${model.name}' needs 'sparsity.target' for its width`);
  }
  if (!(target >= 0 && target < 1)) {
    throw new InvalidRunConfigError(`'sparsity.target' must be in [0, 1) but got ${target}`);
  }
  return { ...model, widthMultiplier: (model.widthMultiplier ?? 1) * Math.sqrt(1 - target) };
}

export const smallDenseMethod: SparseMethodDefinition<SmallDenseSpec> = {
  id: 'small-dense',
  summary: 'Small-Dense: a narrower dense model with about the sparse weight count (Evci et al. 2020 baseline)',
  sparsity: 'optional',
  resolveModel: (model, method, sparsity) => narrowModel(model, method, sparsity?.target),
  create: (ctx) => {
    if (ctx.method.hiddenSizes === null) requireSparsity(ctx.sparsity, 'small-dense');
    return new MaskedController({
      layers: ctx.layers,
      allocation: allDense(ctx.layers),
      initialMasks: new Map(),
      replacesOptimizerStep: false,
      denseMomentum: false,
    });
  },
  estimateTrainMultiplier: () => 1,
};
