import { describe, expect, it } from 'vitest';
import { InvalidRunConfigError, TrainerInvariantError } from '../errors.ts';
import { KeyedRandom, keyedRandom } from '../random.ts';
import type { Augmentation } from '../run-manifest.ts';
import { assembleBatch, batchCount, batchIndices, createBatchSpec, epochOrder } from './batches.ts';
import { defaultDatasetSpec } from './catalog.ts';
import type { ImageSplit } from './types.ts';

const gray = { height: 2, width: 3, channels: 1 };
const rgb = { height: 4, width: 4, channels: 3 };

/** `count` examples of `bytes` pixels each; example n's pixel j = (n·10 + j) mod 256; label n mod 10. */
function split(count: number, bytes: number): ImageSplit {
  const pixels = new Uint8Array(count * bytes);
  for (let n = 0; n < count; n++) for (let j = 0; j < bytes; j++) pixels[n * bytes + j] = (n * 10 + j) & 255;
  return { count, pixels, labels: new Uint8Array(count).map((_, n) => n % 10) };
}

describe('epochOrder', () => {
  it('is the keyed permutation (seed, "data-order", epoch) of all examples', () => {
    const order = epochOrder(3, 2, 1000);
    expect(Array.from(order).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(order).toEqual(keyedRandom(3, 'data-order', 2).permutation(1000));
    expect(epochOrder(3, 2, 1000)).toEqual(order);
    expect(epochOrder(3, 3, 1000)).not.toEqual(order);
    expect(epochOrder(4, 2, 1000)).not.toEqual(order);
  });
});

describe('batchCount and batchIndices', () => {
  it('counts batches with and without the last partial batch', () => {
    expect(batchCount(60_000, 128, true)).toBe(469); // recipes.md: 469 steps per epoch
    expect(batchCount(60_000, 128, false)).toBe(468);
    expect(batchCount(45_000, 128, true)).toBe(352); // rigl-spec §6.1: 352 iterations per epoch
    expect(batchCount(256, 128, true)).toBe(2);
    expect(batchCount(256, 128, false)).toBe(2);
    expect(() => batchCount(10, 0, true)).toThrowError(/'batchSize' passed to batchCount\(\) must be a positive integer but got 0/);
    expect(() => batchCount(-1, 4, true)).toThrowError(RangeError);
  });

  it('slices an epoch order into batches, the last one short', () => {
    const order = Uint32Array.from([5, 3, 0, 4, 1, 2, 6]);
    expect(Array.from(batchIndices(order, 0, 3))).toEqual([5, 3, 0]);
    expect(Array.from(batchIndices(order, 2, 3))).toEqual([6]);
    expect(() => batchIndices(order, 3, 3)).toThrowError(/must be an integer in \[0, 2\] but got 3/);
  });
});

describe('createBatchSpec: normalisation', () => {
  it('maps pixels to (p/255 − mean)/std per channel (float32, as ToTensor + Normalize)', () => {
    const fm = createBatchSpec({ height: 28, width: 28, channels: 1 }, defaultDatasetSpec('fashion-mnist'));
    // (0 − 0.2860)/0.3530 and (1 − 0.2860)/0.3530, by hand.
    expect(fm.lut[0]![0]).toBeCloseTo(-0.810198, 5);
    expect(fm.lut[0]![255]).toBeCloseTo(2.022663, 5);
    const c10 = createBatchSpec({ height: 32, width: 32, channels: 3 }, defaultDatasetSpec('cifar10'));
    // channel G, pixel 128: (0.501961 − 0.4822)/0.1994 = 0.099101
    expect(c10.lut[1]![128]).toBeCloseTo(0.099101, 5);
    // channel B, pixel 0: −0.4465/0.2010 = −2.221393
    expect(c10.lut[2]![0]).toBeCloseTo(-2.221393, 5);
    const mnist = createBatchSpec({ height: 28, width: 28, channels: 1 }, defaultDatasetSpec('mnist'));
    expect(mnist.lut[0]![0]).toBeCloseTo(-0.424212, 5); // −0.1307/0.3081
  });

  it('rejects a normalisation that does not fit the channels, a zero std, and impossible augmentations', () => {
    const base = { normalization: { mean: [0.5], std: [0.5] }, augmentation: [] as Augmentation[] };
    expect(() => createBatchSpec(rgb, base)).toThrowError(InvalidRunConfigError);
    expect(() => createBatchSpec(rgb, base)).toThrowError(/one mean and one std per channel \(3\) but got 1 mean\(s\) and 1 std\(s\)/);
    expect(() => createBatchSpec(gray, { ...base, normalization: { mean: [0], std: [0] } })).toThrowError(/std\[0\] must be > 0 but got 0/);
    const pad = (padPixels: number, padMode: 'reflect' | 'zero'): Augmentation[] => [{ kind: 'pad-crop', padPixels, padMode }];
    expect(() => createBatchSpec(gray, { ...base, augmentation: pad(2, 'reflect') })).toThrowError(
      /augmentation\[0\].padPixels must be an integer in \[0, 1\] for reflect padding of 2×3 images but got 2/,
    );
    expect(() => createBatchSpec(gray, { ...base, augmentation: pad(2, 'zero') })).not.toThrowError();
    expect(() =>
      createBatchSpec(gray, { ...base, augmentation: [{ kind: 'random-resized-crop', scaleMin: 0.5, scaleMax: 0.1, ratioMin: 1, ratioMax: 1 }] }),
    ).toThrowError(/scaleMin <= scaleMax/);
  });
});

describe('assembleBatch', () => {
  const spec = createBatchSpec(gray, { normalization: { mean: [0.5], std: [0.25] }, augmentation: [] });

  it('gathers the examples in the given order, normalised, with their labels', () => {
    const data = split(5, 6);
    const batch = assembleBatch(data, [4, 0, 2], spec, null);
    expect(batch.size).toBe(3);
    expect(Array.from(batch.labels)).toEqual([4, 0, 2]);
    expect(batch.x.length).toBe(18);
    // Example 4, pixel 5 = 45: (45/255 − 0.5)/0.25
    expect(batch.x[5]).toBeCloseTo((45 / 255 - 0.5) / 0.25, 6);
    // Example 0, pixel 0 = 0 → −2 exactly.
    expect(batch.x[6]).toBe(-2);
    expect(batch.x[12 + 3]).toBeCloseTo((23 / 255 - 0.5) / 0.25, 6);
  });

  it('keeps NHWC channel order for colour images', () => {
    const c3 = createBatchSpec(rgb, { normalization: { mean: [0, 0.5, 1], std: [1, 1, 1] }, augmentation: [] });
    const data = split(2, 48);
    const batch = assembleBatch(data, [1], c3, null);
    // Example 1, pixel (y=1, x=2), channel c at byte (1·4 + 2)·3 + c = 18 + c: value 10 + 18 + c.
    for (let c = 0; c < 3; c++) expect(batch.x[18 + c]).toBeCloseTo((28 + c) / 255 - [0, 0.5, 1][c]!, 6);
  });

  it('refuses an index outside the split', () => {
    expect(() => assembleBatch(split(5, 6), [1, 5], spec, null)).toThrowError(TrainerInvariantError);
    expect(() => assembleBatch(split(5, 6), [1, 5], spec, null)).toThrowError(/example index 5 at batch position 1 is outside the split's \[0, 4\]/);
  });

  it('reuses a batch it is given, as views for a shorter batch', () => {
    const data = split(5, 6);
    const first = assembleBatch(data, [0, 1, 2], spec, null);
    const second = assembleBatch(data, [3, 4], spec, null, first);
    expect(second.x.buffer).toBe(first.x.buffer);
    expect(second.x.length).toBe(12);
    expect(second).toEqual(assembleBatch(data, [3, 4], spec, null));
  });

  it('augments only when given a generator, deterministically per key', () => {
    const aug = createBatchSpec(rgb, {
      normalization: { mean: [0, 0, 0], std: [1, 1, 1] },
      augmentation: [{ kind: 'pad-crop', padPixels: 2, padMode: 'zero' }, { kind: 'horizontal-flip' }],
    });
    const data = split(16, 48);
    const indices = Array.from({ length: 16 }, (_, i) => i);
    const plain = assembleBatch(data, indices, aug, null);
    expect(plain).toEqual(assembleBatch(data, indices, createBatchSpec(rgb, { normalization: { mean: [0, 0, 0], std: [1, 1, 1] }, augmentation: [] }), null));
    const a = assembleBatch(data, indices, aug, keyedRandom(0, 'augment', 7));
    const b = assembleBatch(data, indices, aug, keyedRandom(0, 'augment', 7));
    const c = assembleBatch(data, indices, aug, keyedRandom(0, 'augment', 8));
    expect(a.x).toEqual(b.x);
    expect(a.x).not.toEqual(c.x);
    expect(a.x).not.toEqual(plain.x);
    expect(a.labels).toEqual(plain.labels);
  });

  it('applies the augmentations in order, drawing from the generator image by image', () => {
    // Flip then nothing else: each image is the original or its mirror, in the order of the draws.
    const flip = createBatchSpec(rgb, { normalization: { mean: [0, 0, 0], std: [1, 1, 1] }, augmentation: [{ kind: 'horizontal-flip' }] });
    const data = split(8, 48);
    const indices = Array.from({ length: 8 }, (_, i) => i);
    const batch = assembleBatch(data, indices, flip, new KeyedRandom(1, 'augment', 0));
    const draws = new KeyedRandom(1, 'augment', 0);
    for (let n = 0; n < 8; n++) {
      const flipped = draws.nextFloat() < 0.5;
      for (let y = 0; y < 4; y++) {
        for (let x = 0; x < 4; x++) {
          const sx = flipped ? 3 - x : x;
          const expected = data.pixels[n * 48 + (y * 4 + sx) * 3]! / 255;
          expect(batch.x[n * 48 + (y * 4 + x) * 3]).toBeCloseTo(expected, 6);
        }
      }
    }
  });
});
