/**
 * From a loaded split to training batches: the data order of each epoch, the number of batches, and
 * batch assembly (augment the 8-bit images, then normalise to float32 NHWC).
 *
 * The loop keys the generators: the data order by (seed, 'data-order', epoch), augmentation by
 * (seed, 'augment', step), so a resumed run needs only its position (house-style "Randomness is keyed").
 */
import { InvalidRunConfigError, TrainerInvariantError } from '../errors.ts';
import { keyedRandom, type KeyedRandom } from '../random.ts';
import type { Augmentation, DatasetSpec } from '../run-manifest.ts';
import {
  padCrop,
  randomHorizontalFlip,
  resizedCrop,
  sampleResizedCropBox,
  type ImageShape,
} from './augment.ts';
import type { Batch, ImageSplit } from './types.ts';

/** The order in which epoch `epoch` visits the `count` training examples: a keyed permutation. */
export function epochOrder(seed: number, epoch: number, count: number): Uint32Array {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`'count' passed to epochOrder() must be a non-negative integer but got ${count}`);
  }
  return keyedRandom(seed, 'data-order', epoch).permutation(count);
}

/** Batches per epoch: ⌈count / batchSize⌉ when the last partial batch is kept, else ⌊count / batchSize⌋. */
export function batchCount(count: number, batchSize: number, keepLastPartialBatch: boolean): number {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`'count' passed to batchCount() must be a non-negative integer but got ${count}`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`'batchSize' passed to batchCount() must be a positive integer but got ${batchSize}`);
  }
  return keepLastPartialBatch ? Math.ceil(count / batchSize) : Math.floor(count / batchSize);
}

/** The example indices of batch `batch` of an epoch (a view into `order`; the last may be short). */
export function batchIndices(order: Uint32Array, batch: number, batchSize: number): Uint32Array {
  const start = batch * batchSize;
  if (!Number.isInteger(batch) || batch < 0 || start >= order.length) {
    throw new RangeError(
      `'batch' passed to batchIndices() must be an integer in [0, ${Math.ceil(order.length / batchSize) - 1}] ` +
        `but got ${batch}`,
    );
  }
  return order.subarray(start, Math.min(order.length, start + batchSize));
}

/** Everything assembleBatch needs besides the data, checked and precomputed once per run. */
export interface BatchSpec extends ImageShape {
  /** One table per channel: lut[c][p] is the normalised value of pixel value p in channel c. */
  lut: Float32Array[];
  augmentation: readonly Augmentation[];
}

/**
 * Checks the normalisation and augmentation of `spec` against the image shape and precomputes the
 * normalisation table. Values follow torchvision's float32 arithmetic: x = fround(p / 255), then
 * fround(fround(x − mean) / std) with mean and std as float32 (ToTensor, then Normalize).
 */
export function createBatchSpec(
  shape: ImageShape,
  spec: Pick<DatasetSpec, 'normalization' | 'augmentation'>,
): BatchSpec {
  const { mean, std } = spec.normalization;
  const c = shape.channels;
  if (mean.length !== c || std.length !== c) {
    throw new InvalidRunConfigError(
      `dataset.normalization needs one mean and one std per channel (${c}) but got ` +
        `${mean.length} mean(s) and ${std.length} std(s)`,
    );
  }
  mean.forEach((m, i) => {
    if (!Number.isFinite(m)) {
      throw new InvalidRunConfigError(`dataset.normalization.mean[${i}] must be finite but got ${m}`);
    }
  });
  std.forEach((s, i) => {
    if (!Number.isFinite(s) || s <= 0) {
      throw new InvalidRunConfigError(`dataset.normalization.std[${i}] must be > 0 but got ${s}`);
    }
  });
  spec.augmentation.forEach((a, i) => checkAugmentation(a, shape, `dataset.augmentation[${i}]`));
  const lut = mean.map((m, k) => {
    const table = new Float32Array(256);
    for (let p = 0; p < 256; p++) {
      table[p] = Math.fround(Math.fround(Math.fround(p / 255) - Math.fround(m)) / Math.fround(std[k]!));
    }
    return table;
  });
  return { ...shape, lut, augmentation: spec.augmentation };
}

function checkAugmentation(a: Augmentation, shape: ImageShape, where: string): void {
  switch (a.kind) {
    case 'pad-crop': {
      const limit = a.padMode === 'reflect' ? Math.min(shape.height, shape.width) - 1 : Infinity;
      if (!Number.isInteger(a.padPixels) || a.padPixels < 0 || a.padPixels > limit) {
        throw new InvalidRunConfigError(
          `${where}.padPixels must be an integer in [0, ${limit}] for ${a.padMode} padding of ` +
            `${shape.height}×${shape.width} images but got ${a.padPixels}`,
        );
      }
      return;
    }
    case 'horizontal-flip':
      return;
    case 'random-resized-crop': {
      if (!(a.scaleMin > 0 && a.scaleMin <= a.scaleMax)) {
        throw new InvalidRunConfigError(
          `${where} needs 0 < scaleMin <= scaleMax but got scaleMin ${a.scaleMin}, scaleMax ${a.scaleMax}`,
        );
      }
      if (!(a.ratioMin > 0 && a.ratioMin <= a.ratioMax)) {
        throw new InvalidRunConfigError(
          `${where} needs 0 < ratioMin <= ratioMax but got ratioMin ${a.ratioMin}, ratioMax ${a.ratioMax}`,
        );
      }
      return;
    }
  }
}

/** Reusable per-image buffers (module-level: assembly is synchronous, so one set suffices). */
let scratchBytes = 0;
let scratch: Uint8Array[] = [];

function scratchBuffers(imageBytes: number): [Uint8Array, Uint8Array, Uint8Array] {
  if (scratchBytes !== imageBytes) {
    scratch = [new Uint8Array(imageBytes), new Uint8Array(imageBytes), new Uint8Array(imageBytes)];
    scratchBytes = imageBytes;
  }
  return scratch as [Uint8Array, Uint8Array, Uint8Array];
}

/** Applies the augmentations in order to one image; returns the buffer holding the result. */
function augmentImage(image: Uint8Array, spec: BatchSpec, rng: KeyedRandom): Uint8Array {
  const [a, b, resizeTmp] = scratchBuffers(image.length);
  let current = image;
  let next = a;
  for (const aug of spec.augmentation) {
    switch (aug.kind) {
      case 'pad-crop':
        padCrop(current, next, spec, aug.padPixels, aug.padMode, rng);
        break;
      case 'horizontal-flip':
        randomHorizontalFlip(current, next, spec, rng);
        break;
      case 'random-resized-crop': {
        const box = sampleResizedCropBox(
          spec.height,
          spec.width,
          [aug.scaleMin, aug.scaleMax],
          [aug.ratioMin, aug.ratioMax],
          rng,
        );
        resizedCrop(current, next, spec, box, resizeTmp);
        break;
      }
    }
    current = next;
    next = next === a ? b : a;
  }
  return current;
}

/** Writes the normalised values of one 8-bit HWC image into `dst` (same length). */
function normaliseImage(src: Uint8Array, dst: Float32Array, lut: Float32Array[]): void {
  const n = dst.length;
  if (lut.length === 1) {
    const l0 = lut[0]!;
    for (let j = 0; j < n; j++) dst[j] = l0[src[j]!]!;
  } else if (lut.length === 3) {
    const l0 = lut[0]!;
    const l1 = lut[1]!;
    const l2 = lut[2]!;
    for (let j = 0; j < n; j += 3) {
      dst[j] = l0[src[j]!]!;
      dst[j + 1] = l1[src[j + 1]!]!;
      dst[j + 2] = l2[src[j + 2]!]!;
    }
  } else {
    const c = lut.length;
    for (let k = 0; k < c; k++) {
      const l = lut[k]!;
      for (let j = k; j < n; j += c) dst[j] = l[src[j]!]!;
    }
  }
}

/**
 * One batch: the examples `indices` of `split`, augmented when `augmentRandom` is given (training;
 * pass null for evaluation), normalised to float32 NHWC with integer labels.
 *
 * `reuse`: a Batch returned by an earlier call whose arrays nobody holds any more (its tensors are
 * disposed, or the backend copied them); its memory is overwritten and returned (as views when this
 * batch is smaller). Writing into warm memory is about 3× faster than into a fresh array, whose
 * pages the system must first fault in and zero.
 */
export function assembleBatch(
  split: ImageSplit,
  indices: ArrayLike<number>,
  spec: BatchSpec,
  augmentRandom: KeyedRandom | null,
  reuse: Batch | null = null,
): Batch {
  const size = indices.length;
  const imageBytes = spec.height * spec.width * spec.channels;
  const n = size * imageBytes;
  const x =
    reuse !== null && reuse.x.length >= n ? reuse.x.subarray(0, n) : new Float32Array(n);
  const labels =
    reuse !== null && reuse.labels.length >= size ? reuse.labels.subarray(0, size) : new Int32Array(size);
  const pixels = split.pixels;
  const augment = augmentRandom !== null && spec.augmentation.length > 0;
  for (let b = 0; b < size; b++) {
    const index = indices[b]!;
    if (!(index >= 0 && index < split.count && Number.isInteger(index))) {
      throw new TrainerInvariantError(
        `example index ${index} at batch position ${b} is outside the split's [0, ${split.count - 1}]`,
      );
    }
    labels[b] = split.labels[index]!;
    let image = pixels.subarray(index * imageBytes, (index + 1) * imageBytes);
    if (augment) image = augmentImage(image, spec, augmentRandom);
    normaliseImage(image, x.subarray(b * imageBytes, (b + 1) * imageBytes), spec.lut);
  }
  return { size, x, labels };
}
