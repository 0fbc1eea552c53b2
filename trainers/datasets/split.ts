/**
 * Train/validation splits (rigl-spec §6.1): 'official' keeps the dataset's train set whole;
 * 'holdout-tail' holds out the last `validationCount` training examples in file order (the report's
 * CIFAR-10 split: the last 5,000 images of data_batch_5 are validation, no shuffle).
 */
import { InvalidRunConfigError } from '../errors.ts';
import type { DatasetSplit } from '../run-manifest.ts';
import type { ImageSplit } from './types.ts';

/** The first `count` examples starting at `start`, as views (no copy). */
export function sliceSplit(split: ImageSplit, start: number, count: number, exampleBytes: number): ImageSplit {
  return {
    count,
    pixels: split.pixels.subarray(start * exampleBytes, (start + count) * exampleBytes),
    labels: split.labels.subarray(start, start + count),
  };
}

/** Applies `split` to the full training set; `exampleBytes` = height · width · channels. */
export function applySplit(
  fullTrain: ImageSplit,
  split: DatasetSplit,
  exampleBytes: number,
): { train: ImageSplit; validation: ImageSplit | null } {
  switch (split.kind) {
    case 'official':
      return { train: fullTrain, validation: null };
    case 'holdout-tail': {
      const n = split.validationCount;
      if (!Number.isInteger(n) || n < 1 || n >= fullTrain.count) {
        throw new InvalidRunConfigError(
          `dataset.split.validationCount must be an integer in [1, ${fullTrain.count - 1}] ` +
            `(the training set has ${fullTrain.count} examples) but got ${n}`,
        );
      }
      const kept = fullTrain.count - n;
      return {
        train: sliceSplit(fullTrain, 0, kept, exampleBytes),
        validation: sliceSplit(fullTrain, kept, n, exampleBytes),
      };
    }
  }
}
