/**
 * The resolved run manifest: everything a training run depends on, with every default filled in.
 *
 * This is the contract between the harness (which loads, validates, resolves and hashes manifests;
 * harness/manifest/) and the trainer (which turns one of these into measured numbers). The harness
 * hashes the canonical JSON of this object to get the run id, so every field here is part of a run's
 * identity; nothing that does not change the result (store, progress, checkpoint cadence) belongs here.
 *
 * Config is data: schedules, distributions, augmentations and splits are tagged unions (`kind`),
 * methods and models are tagged by `name`. No strings to parse, no negative sentinels.
 */

export const RUN_MANIFEST_SCHEMA_VERSION = 1 as const;

// ---------------------------------------------------------------------------------------------
// Canonical ids (design.md "Canonical ids"). The method list itself lives in
// trainers/methods/registry.ts; this union is its type-level mirror and is checked against it.
export type MethodId =
  | 'dense'
  | 'static'
  | 'set'
  | 'snfs'
  | 'rigl'
  | 'rigl-sg'
  | 'rigl-sm'
  | 'gmp'
  | 'small-dense';
export type DistributionKind = 'uniform' | 'er' | 'erk' | 'custom';
export type BackendName = 'tfjs-node-gpu' | 'tfjs-node' | 'native' | 'wasm' | 'cpu';
export type DatasetName = 'fashion-mnist' | 'mnist' | 'cifar10' | 'cifar100';
export type ModelName = 'mlp' | 'lenet5-caffe' | 'wrn' | 'resnet50-cifar';

// ---------------------------------------------------------------------------------------------
// Dataset

/** One file of a dataset, checksummed on its unpacked bytes (rigl-spec §7.3: packers differ). */
export interface DatasetFileSpec {
  /** Role of the file, e.g. "train-images", "train-labels", "test-images", "data_batch_1". */
  role: string;
  /** File name as looked up in the data folder, e.g. "train-images-idx3-ubyte.gz". */
  fileName: string;
  /** Size in bytes of the unpacked content. */
  unpackedBytes: number;
  /** sha256 (hex) of the unpacked content. */
  unpackedSha256: string;
}

export type DatasetSplit =
  /** The dataset's official train/test split, no validation set. */
  | { kind: 'official' }
  /** The last `validationCount` training examples (in file order) are held out (REPC: 45k/5k). */
  | { kind: 'holdout-tail'; validationCount: number };

export type Augmentation =
  /** Pad by `padPixels` (reflect or zero), then a random crop back to the input size. */
  | { kind: 'pad-crop'; padPixels: number; padMode: 'reflect' | 'zero' }
  /** Horizontal flip with probability 0.5. */
  | { kind: 'horizontal-flip' }
  /** torchvision RandomResizedCrop(size) with its default scale and ratio ranges. */
  | {
      kind: 'random-resized-crop';
      scaleMin: number;
      scaleMax: number;
      ratioMin: number;
      ratioMax: number;
    };

export interface DatasetSpec {
  name: DatasetName;
  /** Version label of the data, e.g. "fashion-mnist-2017" or "cifar-10-binary". */
  version: string;
  files: DatasetFileSpec[];
  split: DatasetSplit;
  /** Applied after scaling pixels to [0, 1]: (x − mean[c]) / std[c], one entry per channel. */
  normalization: { mean: number[]; std: number[] };
  augmentation: Augmentation[];
}

// ---------------------------------------------------------------------------------------------
// Model

export type ModelSpec =
  /** Fully connected ReLU network; input and output sizes follow from the dataset. */
  | { name: 'mlp'; hiddenSizes: number[]; init: 'torch-linear-default' | 'he-normal' }
  /** LeNet-5-Caffe (rigl-spec §6.5): conv 20@5×5, pool, conv 50@5×5, pool, fc 500, fc out. */
  | { name: 'lenet5-caffe'; init: 'torch-default' | 'he-normal'; widthMultiplier?: number }
  /** Wide ResNet (pre-activation), e.g. depth 22, width 2, dropout 0.3 (rigl-spec §6.1). */
  | { name: 'wrn'; depth: number; widthFactor: number; dropRate: number; widthMultiplier?: number }
  /** ResNet-50, CIFAR variant (3×3 stem, no max-pool; rigl-spec §6.2). */
  | { name: 'resnet50-cifar'; widthMultiplier?: number };

/*
 * `widthMultiplier` (CNNs, optional, absent = 1): every channel count × widthMultiplier, truncated
 * to an integer (at least 1). Set by small-dense's resolveModel to √density (rigl-spec §3.2,
 * [REPC: models/wide_resnet.py `small_dense_multiplier`]); manifests normally leave it out.
 */

// ---------------------------------------------------------------------------------------------
// Sparse method

export type DropFractionSchedule =
  | { kind: 'constant'; value: number }
  /** f(t) = initial/2 · (1 + cos(π · t / T_end)) (rigl-spec §2.1, Eq. 1). */
  | { kind: 'cosine'; initial: number };

/** When mask updates stop: an absolute step, or a fraction of the run's total steps (floored). */
export type UpdateEnd = { kind: 'step'; step: number } | { kind: 'fraction'; fraction: number };

/**
 * Which global steps g (0-based) are mask-update steps, for g < T_end:
 * - 'after-interval': (g + 1) % ΔT == 0 (the report's code and the fmnist recipe);
 * - 'at-multiples': g % ΔT == 0, starting at g = 0 (the RigL authors' TF code).
 */
export type UpdateStepConvention = 'after-interval' | 'at-multiples';

/** Rounding of k = f · n_active (rigl-spec §8.1). */
export type CountRounding = 'floor' | 'ceil' | 'round';

export interface MaskUpdateSchedule {
  intervalSteps: number;
  end: UpdateEnd;
  dropFraction: DropFractionSchedule;
  stepConvention: UpdateStepConvention;
  rounding: CountRounding;
  /** true: the update replaces the optimizer step on that iteration (report, RigL TF code). */
  replacesOptimizerStep: boolean;
}

export type MethodSpec =
  | { name: 'dense' }
  | { name: 'static' }
  | { name: 'set'; update: MaskUpdateSchedule }
  | { name: 'rigl'; update: MaskUpdateSchedule }
  /** RigL with redistribution by mean |sparse gradient| of active weights (report Table 5). */
  | { name: 'rigl-sg'; update: MaskUpdateSchedule }
  /** RigL with redistribution by mean |sparse momentum| of active weights (report Table 5). */
  | { name: 'rigl-sm'; update: MaskUpdateSchedule }
  /** Sparse momentum; 'momentum' = the report's variant, 'none' = the RigL paper's baseline. */
  | { name: 'snfs'; update: MaskUpdateSchedule; redistribution: 'momentum' | 'none' }
  /** Gradual magnitude pruning, cubic schedule (Zhu & Gupta 2017; rigl-spec §3.6). */
  | {
      name: 'gmp';
      startStep: number;
      end: UpdateEnd;
      intervalSteps: number;
      stepConvention: UpdateStepConvention;
      scope: 'global' | 'per-layer';
      initialSparsity: number;
    }
  /**
   * Dense model with fewer units. MLP: `hiddenSizes` pinned as data (recipes.md); CNNs: channel
   * counts × √density, truncated (rigl-spec §3.2), when `hiddenSizes` is null.
   */
  | { name: 'small-dense'; hiddenSizes: number[] | null };

// ---------------------------------------------------------------------------------------------
// Sparsity

export type Distribution =
  /** Every masked layer at the target, except the layers named in `denseLayers`. */
  | { kind: 'uniform'; denseLayers: string[] }
  /** Erdős–Rényi: density ∝ (n_in + n_out)/(n_in · n_out), channels only for conv. */
  | { kind: 'er'; denseLayers: string[] }
  /** Erdős–Rényi-Kernel: density ∝ sum(shape)/prod(shape), with the capping loop of §4.2. */
  | { kind: 'erk'; denseLayers: string[]; powerScale: number }
  /** An explicit density per masked layer name. */
  | { kind: 'custom'; densities: Record<string, number> };

export interface SparsitySpec {
  /** Overall target sparsity over the masked layers, in [0, 1). */
  target: number;
  /** Layer-wise distribution; absent for methods without one (gmp, small-dense). */
  distribution?: Distribution;
}

// ---------------------------------------------------------------------------------------------
// Training

export type LearningRateSchedule =
  | { kind: 'constant' }
  /** lr = values[i] for t in [boundaries[i-1], boundaries[i]); values has one more entry than boundaries. */
  | { kind: 'piecewise'; unit: 'epoch' | 'step'; boundaries: number[]; values: number[] }
  /** lr = initial · gamma^floor(t / every) (PyTorch StepLR). */
  | { kind: 'step-decay'; unit: 'epoch' | 'step'; every: number; gamma: number }
  /** lr = initial · ½(1 + cos(π t / total)). */
  | { kind: 'cosine' };

export interface OptimizerSpec {
  kind: 'sgd';
  momentum: number;
  nesterov: boolean;
  /** Coupled (L2-style, PyTorch SGD) weight decay added to the gradient. */
  weightDecay: number;
  /** Parameters that get no weight decay. */
  weightDecayExclude: 'none' | 'biases-and-norms';
}

export interface TrainingSpec {
  epochs: number;
  batchSize: number;
  /** Keep the last partial batch of each epoch (recipes.md: 469 steps per epoch). */
  keepLastPartialBatch: boolean;
  optimizer: OptimizerSpec;
  learningRate: { initial: number; schedule: LearningRateSchedule; warmupSteps: number };
  labelSmoothing: number;
  /** ×k training multiplier already applied to epochs and schedules; kept for grouping and FLOPs. */
  multiplier: number;
  evalBatchSize: number;
}

export interface BackendSpec {
  /** Backends to try, best first; the first that initialises is used. */
  preference: BackendName[];
  /** CPU threads for native and wasm (native is bit-exact at any count; wasm only at 1). */
  threads: number;
}

export interface RunManifest {
  schemaVersion: typeof RUN_MANIFEST_SCHEMA_VERSION;
  seed: number;
  dataset: DatasetSpec;
  model: ModelSpec;
  method: MethodSpec;
  sparsity?: SparsitySpec;
  training: TrainingSpec;
  backend: BackendSpec;
}
