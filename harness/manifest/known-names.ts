/**
 * The canonical names a manifest may use (design.md "Canonical ids"), as runtime lists for the
 * schema's enums and for "unknown X; known: ..." messages. Each list is checked against its
 * TypeScript union so the two cannot drift.
 */
import type { SparsityUse } from '../../trainers/methods/types.ts';
import type { BackendName, DatasetName, DistributionKind, MethodId, ModelName } from '../../trainers/run-manifest.ts';

/** Every member of union U, exactly once: a compile error names what is missing or extra. */
type Exhaustive<U extends string, L extends readonly U[]> = [U] extends [L[number]] ? L : { missing: Exclude<U, L[number]> };

function exhaustive<U extends string>() {
  return <const L extends readonly U[]>(list: L & Exhaustive<U, L>): L => list;
}

/** Method ids. Mirrors trainers/methods/registry.ts, which is the list the trainer runs. */
export const METHOD_IDS = exhaustive<MethodId>()([
  'dense',
  'static',
  'set',
  'snfs',
  'rigl',
  'rigl-sg',
  'rigl-sm',
  'gmp',
  'small-dense',
] as const);

/**
 * What each method needs of `sparsity` (SparseMethodDefinition.sparsity in the registry; a test
 * checks the two agree). Kept here so `validate` never loads tfjs.
 */
export const METHOD_SPARSITY_USE: Readonly<Record<MethodId, SparsityUse>> = {
  dense: 'absent',
  static: 'target-and-distribution',
  set: 'target-and-distribution',
  snfs: 'target-and-distribution',
  rigl: 'target-and-distribution',
  'rigl-sg': 'target-and-distribution',
  'rigl-sm': 'target-and-distribution',
  gmp: 'target',
  'small-dense': 'optional',
};

export const DISTRIBUTION_KINDS = exhaustive<DistributionKind>()(['uniform', 'er', 'erk', 'custom'] as const);

/** Best first (design.md "Backends and determinism"). */
export const BACKEND_NAMES = exhaustive<BackendName>()(['tfjs-node-gpu', 'tfjs-node', 'native', 'wasm', 'cpu'] as const);

export const DATASET_NAMES = exhaustive<DatasetName>()(['fashion-mnist', 'mnist', 'cifar10', 'cifar100'] as const);

export const MODEL_NAMES = exhaustive<ModelName>()(['mlp', 'lenet5-caffe', 'wrn', 'resnet50-cifar'] as const);
