/**
 * The dataset contract between trainers/datasets/ and the training loop.
 */
import type { DatasetProvenance } from '../run-summary.ts';

export interface ImageSplit {
  /** Number of examples. */
  count: number;
  /** Raw pixels, uint8, NHWC, count · height · width · channels. */
  pixels: Uint8Array;
  /** Class index per example. */
  labels: Uint8Array;
}

export interface LoadedDataset {
  height: number;
  width: number;
  channels: number;
  numClasses: number;
  train: ImageSplit;
  /** The held-out tail of the training data (split kind 'holdout-tail'); null otherwise. */
  validation: ImageSplit | null;
  test: ImageSplit;
  provenance: DatasetProvenance;
}

/** One batch, ready for tensors: normalised NHWC floats and integer labels. */
export interface Batch {
  size: number;
  x: Float32Array;
  labels: Int32Array;
}
