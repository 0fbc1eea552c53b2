import { describe, expect, it } from 'vitest';
import { KeyedRandom } from '../random.ts';
import { padCrop, randomHorizontalFlip, resizedCrop, roundHalfEven, sampleResizedCropBox } from './augment.ts';

/** Number of positions where two byte arrays differ (cheaper than an expect per trial). */
function differences(a: Uint8Array, b: Uint8Array): number {
  let n = a.length === b.length ? 0 : Math.max(a.length, b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) n++;
  return n;
}

/** An H×W×C image whose values identify (y, x, c); all ≥ 1 so zero padding is recognisable. */
function image(h: number, w: number, c: number): Uint8Array {
  const out = new Uint8Array(h * w * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = 1 + ((y * w + x) * c + k) % 250;
  return out;
}

/**
 * The padded image built independently: each padded row/column index mapped by numpy's 'reflect'
 * rule written as a lookup of the mirrored sequence …, 2, 1, 0, 1, 2, …, n−1, n−2, …
 */
function padReference(src: Uint8Array, h: number, w: number, c: number, p: number, mode: 'reflect' | 'zero') {
  const mirror = (n: number) => {
    const seq: number[] = [];
    for (let i = p; i >= 1; i--) seq.push(i); // left of 0: p, …, 1
    for (let i = 0; i < n; i++) seq.push(i);
    for (let i = n - 2; i >= n - 1 - p; i--) seq.push(i);
    return seq;
  };
  const rows = mirror(h);
  const cols = mirror(w);
  const ph = h + 2 * p;
  const pw = w + 2 * p;
  const out = new Uint8Array(ph * pw * c);
  for (let y = 0; y < ph; y++) {
    for (let x = 0; x < pw; x++) {
      const inside = y >= p && y < p + h && x >= p && x < p + w;
      for (let k = 0; k < c; k++) {
        out[(y * pw + x) * c + k] =
          mode === 'zero' && !inside ? 0 : src[(rows[y]! * w + cols[x]!) * c + k]!;
      }
    }
  }
  return { out, pw };
}

describe('padCrop (torchvision RandomCrop with padding)', () => {
  for (const mode of ['reflect', 'zero'] as const) {
    it(`${mode}: the output is the window at the returned offsets of the padded image, offsets in [0, 2·pad]`, () => {
      const [h, w, c, p] = [6, 5, 3, 2];
      const src = image(h, w, c);
      const { out: padded, pw } = padReference(src, h, w, c, p, mode);
      const rng = new KeyedRandom(1, 'augment', 0);
      const seen = new Set<string>();
      const dst = new Uint8Array(src.length);
      let mismatches = 0;
      for (let trial = 0; trial < 300; trial++) {
        const { top, left } = padCrop(src, dst, { height: h, width: w, channels: c }, p, mode, rng);
        expect(top).toBeGreaterThanOrEqual(0);
        expect(top).toBeLessThanOrEqual(2 * p);
        expect(left).toBeGreaterThanOrEqual(0);
        expect(left).toBeLessThanOrEqual(2 * p);
        seen.add(`${top},${left}`);
        const window = new Uint8Array(src.length);
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            for (let k = 0; k < c; k++) window[(y * w + x) * c + k] = padded[((y + top) * pw + x + left) * c + k]!;
          }
        }
        mismatches += differences(dst, window);
      }
      expect(mismatches).toBe(0);
      expect(seen.size).toBe((2 * p + 1) ** 2); // every window position occurs
    });
  }

  it('reflects without repeating the edge: row [1 2 3 4] padded by 2 is [3 2 1 2 3 4 3 2]', () => {
    // Five identical rows, so every output row is the padded row's window at `left`.
    const src = new Uint8Array(Array.from({ length: 5 }, () => [1, 2, 3, 4]).flat());
    const rng = new KeyedRandom(0, 'x');
    const dst = new Uint8Array(20);
    const padded = [3, 2, 1, 2, 3, 4, 3, 2];
    const lefts = new Set<number>();
    for (let i = 0; i < 100; i++) {
      const { left } = padCrop(src, dst, { height: 5, width: 4, channels: 1 }, 2, 'reflect', rng);
      lefts.add(left);
      for (let y = 0; y < 5; y++) expect(Array.from(dst.subarray(y * 4, y * 4 + 4))).toEqual(padded.slice(left, left + 4));
    }
    expect([...lefts].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('is deterministic for the same key', () => {
    const src = image(8, 8, 3);
    const shape = { height: 8, width: 8, channels: 3 };
    const a = new Uint8Array(src.length);
    const b = new Uint8Array(src.length);
    padCrop(src, a, shape, 4, 'reflect', new KeyedRandom(5, 'augment', 12));
    padCrop(src, b, shape, 4, 'reflect', new KeyedRandom(5, 'augment', 12));
    expect(a).toEqual(b);
  });
});

describe('randomHorizontalFlip', () => {
  it('a flip mirrors each row and keeps the channels together; no flip copies', () => {
    const [h, w, c] = [3, 4, 3];
    const src = image(h, w, c);
    const dst = new Uint8Array(src.length);
    const rng = new KeyedRandom(2, 'flip');
    let flips = 0;
    let mismatches = 0;
    const n = 2000;
    for (let i = 0; i < n; i++) {
      const flipped = randomHorizontalFlip(src, dst, { height: h, width: w, channels: c }, rng);
      if (flipped) flips++;
      const expected = new Uint8Array(src.length);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const sx = flipped ? w - 1 - x : x;
          for (let k = 0; k < c; k++) expected[(y * w + x) * c + k] = src[(y * w + sx) * c + k]!;
        }
      }
      mismatches += differences(dst, expected);
    }
    expect(mismatches).toBe(0);
    // p = 0.5: within 4 standard deviations of n/2.
    expect(Math.abs(flips - n / 2)).toBeLessThan(4 * Math.sqrt(n / 4));
  });
});

describe('random resized crop (torchvision RandomResizedCrop, PIL bilinear)', () => {
  it('rounds halves to even, as Python does', () => {
    expect([0.5, 1.5, 2.5, 3.5, 2.4, 2.6, 7].map(roundHalfEven)).toEqual([0, 2, 2, 4, 2, 3, 7]);
  });

  it('samples boxes inside the image with area and aspect ratio in range', () => {
    const rng = new KeyedRandom(3, 'rrc');
    for (let i = 0; i < 500; i++) {
      const box = sampleResizedCropBox(32, 32, [0.08, 1], [3 / 4, 4 / 3], rng);
      expect(box.top).toBeGreaterThanOrEqual(0);
      expect(box.left).toBeGreaterThanOrEqual(0);
      expect(box.top + box.height).toBeLessThanOrEqual(32);
      expect(box.left + box.width).toBeLessThanOrEqual(32);
      // Rounding w and h moves area and ratio a little: bounds widened by one pixel each way.
      expect(((box.width + 1) * (box.height + 1)) / 1024).toBeGreaterThanOrEqual(0.08);
      expect((box.width + 1) / Math.max(1, box.height - 1)).toBeGreaterThanOrEqual(3 / 4);
      expect(Math.max(1, box.width - 1) / (box.height + 1)).toBeLessThanOrEqual(4 / 3);
    }
  });

  it('falls back to the centre crop after 10 failed attempts', () => {
    // An area fraction above 1 never fits.
    expect(sampleResizedCropBox(32, 32, [2, 3], [3 / 4, 4 / 3], new KeyedRandom(0))).toEqual({ top: 0, left: 0, height: 32, width: 32 });
    // Ratio range above the image's: full width, height = round(32 / 2) = 16, centred.
    expect(sampleResizedCropBox(32, 32, [2, 3], [2, 3], new KeyedRandom(0))).toEqual({ top: 8, left: 0, height: 16, width: 32 });
    // Ratio range below the image's (40 wide, 20 high, ratio 2): full height, width = round(20 · 1) = 20.
    expect(sampleResizedCropBox(20, 40, [2, 3], [0.5, 1], new KeyedRandom(0))).toEqual({ top: 0, left: 10, height: 20, width: 20 });
  });

  it('resizes a 2×2 crop to 4×4 like PIL: taps at half-pixel centres, 8-bit rounding', () => {
    // 4×4 one-channel image; the crop at (1, 2) is [[0, 100], [200, 40]].
    const src = new Uint8Array(16).fill(9);
    src.set([0, 100], 1 * 4 + 2);
    src.set([200, 40], 2 * 4 + 2);
    const dst = new Uint8Array(16);
    resizedCrop(src, dst, { height: 4, width: 4, channels: 1 }, { top: 1, left: 2, height: 2, width: 2 }, new Uint8Array(16));
    // 1-D 2 → 4: out = [a, ¾a + ¼b, ¼a + ¾b, b]; rows first, then columns (58.75 → 59, 76.25 → 76 ...).
    expect(Array.from(dst)).toEqual([
      0, 25, 75, 100,
      50, 59, 76, 85,
      150, 126, 79, 55,
      200, 160, 80, 40,
    ]);
  });

  it('only resizes vertically when the box is full width, and keeps channels apart', () => {
    const src = new Uint8Array(4 * 4 * 3);
    const rows = [[0, 100, 200, 40], [40, 0, 100, 200]];
    for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) for (let k = 0; k < 3; k++) src[(y * 4 + x) * 3 + k] = k === 1 ? 77 : rows[y]![x]!;
    const dst = new Uint8Array(src.length);
    resizedCrop(src, dst, { height: 4, width: 4, channels: 3 }, { top: 0, left: 0, height: 2, width: 4 }, new Uint8Array(src.length));
    const channel = (k: number) => Array.from({ length: 16 }, (_, i) => dst[i * 3 + k]);
    expect(channel(0)).toEqual([0, 100, 200, 40, 10, 75, 175, 80, 30, 25, 125, 160, 40, 0, 100, 200]);
    expect(channel(2)).toEqual(channel(0));
    expect(channel(1)).toEqual(new Array(16).fill(77));
  });

  it('the whole-image box is the identity', () => {
    const src = image(5, 7, 3);
    const dst = new Uint8Array(src.length);
    resizedCrop(src, dst, { height: 5, width: 7, channels: 3 }, { top: 0, left: 0, height: 5, width: 7 }, new Uint8Array(src.length));
    expect(dst).toEqual(src);
  });

  it('rejects a box outside the image', () => {
    const src = image(4, 4, 1);
    expect(() => resizedCrop(src, new Uint8Array(16), { height: 4, width: 4, channels: 1 }, { top: 2, left: 0, height: 3, width: 2 }, new Uint8Array(16))).toThrowError(
      /must lie inside the 4×4 image/,
    );
  });
});
