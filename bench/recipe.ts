/**
 * What the timed steps train: the fmnist-lenet300 recipe as the committed quick manifest pins it
 * (manifests/fmnist-lenet300/quick.json, loaded and resolved by the harness's own loader, so the
 * MLP, the RigL schedule and the ERK distribution are exactly what `npm start` trains), plus the
 * optimizer settings of the PyTorch peer.
 */
import { fileURLToPath } from 'node:url';
import { loadManifestFile } from '../harness/manifest/load.ts';
import type { InputShape } from '../trainers/models/types.ts';
import type { ModelSpec, OptimizerSpec, RunManifest } from '../trainers/run-manifest.ts';

export const QUICK_MANIFEST_PATH = fileURLToPath(new URL('../manifests/fmnist-lenet300/quick.json', import.meta.url));

/** Fashion-MNIST images and classes (trainers/datasets/catalog.ts). */
export const FMNIST_INPUT: InputShape = { height: 28, width: 28, channels: 1 };
export const FMNIST_CLASSES = 10;
/** Fashion-MNIST training examples: 469 steps of 128 per epoch (recipes.md). */
export const FMNIST_TRAIN_COUNT = 60_000;

/** LeNet-5-Caffe as the rigl-report manifests and steps.py build it (PyTorch default init). */
export const LENET5_SPEC: ModelSpec = { name: 'lenet5-caffe', init: 'torch-default' };

/**
 * steps.py's optimizer: SGD(lr 0.01, momentum 0.9), no weight decay. The recipe's weight decay
 * (5e-4) would add one multiply-add per parameter on our side only, so both sides leave it out.
 */
export const PEER_OPTIMIZER: OptimizerSpec = { kind: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 0, weightDecayExclude: 'none' };
export const PEER_LEARNING_RATE = 0.01;

/**
 * The same run with another ERK target sparsity (the sparsity curve). Throws RangeError for a
 * sparsity outside (0, 1) or a manifest without a sparsity block.
 */
export function recipeAtSparsity(recipe: RunManifest, sparsity: number): RunManifest {
  if (!(sparsity > 0 && sparsity < 1)) throw new RangeError(`'sparsity' passed to recipeAtSparsity() must lie in (0, 1) but got ${sparsity}`);
  if (recipe.sparsity === undefined) throw new RangeError(`${QUICK_MANIFEST_PATH} has no sparsity block to set the target of`);
  return { ...recipe, sparsity: { ...recipe.sparsity, target: sparsity } };
}

let cached: Promise<RunManifest> | null = null;

/** The quick manifest's resolved run (MLP 784-300-100-10, RigL, ERK 90 %). */
export function quickRecipe(): Promise<RunManifest> {
  cached ??= loadManifestFile(QUICK_MANIFEST_PATH).then((loaded) => {
    const run = loaded.runs[0];
    if (run === undefined) throw new RangeError(`${QUICK_MANIFEST_PATH} expands to no run`);
    return run.manifest;
  });
  return cached;
}
