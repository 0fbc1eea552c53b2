/**
 * Image augmentations on one uint8 HWC image, with torchvision's semantics and draw order
 * (rigl-spec §6.1: RandomCrop(32, padding=4, padding_mode='reflect') + RandomHorizontalFlip;
 * §6.2: RandomResizedCrop(32) + RandomHorizontalFlip). They run on the 8-bit image before
 * normalisation, as torchvision does on PIL images, so zero padding pads with pixel value 0 and the
 * bilinear resize rounds to 8 bits like PIL. All randomness comes from the KeyedRandom passed in.
 */
import type { KeyedRandom } from '../random.ts';

export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

// ---------------------------------------------------------------------------------------------
// Pad and random crop

/**
 * Pads `src` by `padPixels` on every side and crops a random window of the original size into `dst`
 * (torchvision RandomCrop with padding): the window's top, then left, are uniform in [0, 2·pad].
 * 'reflect' mirrors without repeating the edge (numpy/torch 'reflect'); 'zero' pads with 0.
 * Returns the window's offsets in the padded image.
 */
export function padCrop(
  src: Uint8Array,
  dst: Uint8Array,
  shape: ImageShape,
  padPixels: number,
  padMode: 'reflect' | 'zero',
  rng: KeyedRandom,
): { top: number; left: number } {
  const { height: h, width: w, channels: c } = shape;
  const top = rng.nextInt(2 * padPixels + 1);
  const left = rng.nextInt(2 * padPixels + 1);
  const dy = top - padPixels;
  const dx = left - padPixels;
  const rowBytes = w * c;
  for (let y = 0; y < h; y++) {
    const sy = reflectOrOutside(y + dy, h, padMode);
    let o = y * rowBytes;
    if (sy < 0) {
      dst.fill(0, o, o + rowBytes);
      continue;
    }
    const row = sy * rowBytes;
    for (let x = 0; x < w; x++) {
      const sx = reflectOrOutside(x + dx, w, padMode);
      if (sx < 0) {
        for (let k = 0; k < c; k++) dst[o++] = 0;
      } else {
        let i = row + sx * c;
        for (let k = 0; k < c; k++) dst[o++] = src[i++]!;
      }
    }
  }
  return { top, left };
}

/** Index `i` of a padded axis of `size` mapped into the image: reflected, or −1 for zero padding. */
function reflectOrOutside(i: number, size: number, padMode: 'reflect' | 'zero'): number {
  if (i >= 0 && i < size) return i;
  if (padMode === 'zero') return -1;
  return i < 0 ? -i : 2 * (size - 1) - i;
}

// ---------------------------------------------------------------------------------------------
// Horizontal flip

/** Mirrors `src` left-right into `dst` with probability 0.5 (else copies); returns whether it flipped. */
export function randomHorizontalFlip(
  src: Uint8Array,
  dst: Uint8Array,
  shape: ImageShape,
  rng: KeyedRandom,
): boolean {
  const flip = rng.nextFloat() < 0.5; // torchvision: torch.rand(1) < p
  const { height: h, width: w, channels: c } = shape;
  if (!flip) {
    dst.set(src.subarray(0, h * w * c));
    return false;
  }
  for (let y = 0; y < h; y++) {
    const row = y * w * c;
    for (let x = 0; x < w; x++) {
      const s = row + x * c;
      const d = row + (w - 1 - x) * c;
      for (let k = 0; k < c; k++) dst[d + k] = src[s + k]!;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Random resized crop

/** Python's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * torchvision RandomResizedCrop.get_params: up to 10 attempts of area fraction ~ U(scale) and
 * log aspect ratio ~ U(log ratio), w = round(√(area·ratio)), h = round(√(area/ratio)), accepted when
 * the box fits, at a uniform position (top, then left); otherwise the centre crop of the whole image
 * clamped to the ratio range.
 */
export function sampleResizedCropBox(
  height: number,
  width: number,
  scale: readonly [number, number],
  ratio: readonly [number, number],
  rng: KeyedRandom,
): CropBox {
  const area = height * width;
  const logRatioMin = Math.log(ratio[0]);
  const logRatioMax = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logRatioMin, logRatioMax));
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = rng.nextInt(height - h + 1);
      const left = rng.nextInt(width - w + 1);
      return { top, left, height: h, width: w };
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < ratio[0]) {
    h = roundHalfEven(w / ratio[0]);
  } else if (inRatio > ratio[1]) {
    w = roundHalfEven(h * ratio[1]);
  }
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}

/** PIL's fixed-point precision for 8-bit resampling (libImaging/Resample.c: 32 − 8 − 2 bits). */
const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);

/**
 * Upscaling coefficients of one axis: each output sample mixes at most two input samples, `first`
 * and `second` (equal when only one tap falls inside the image), with fixed-point weights.
 */
interface AxisCoefficients {
  first: Int32Array;
  second: Int32Array;
  weightFirst: Int32Array;
  weightSecond: Int32Array;
}

const coefficientCache = new Map<number, AxisCoefficients>();

/**
 * PIL's bilinear (triangle filter) coefficients from `inSize` ≤ `outSize` samples: sample centres at
 * i + ½, weights normalised over the taps inside the image and rounded to PRECISION_BITS fixed point
 * (Resample.c › precompute_coeffs with support 1 and scale ≤ 1, normalize_coeffs_8bpc). With
 * scale ≤ 1 the window [center − ½, center + 1½) holds at most two input samples.
 */
function upscaleCoefficients(inSize: number, outSize: number): AxisCoefficients {
  const key = inSize * 65536 + outSize;
  const cached = coefficientCache.get(key);
  if (cached) return cached;
  const scale = inSize / outSize;
  const first = new Int32Array(outSize);
  const second = new Int32Array(outSize);
  const weightFirst = new Int32Array(outSize);
  const weightSecond = new Int32Array(outSize);
  const weights = [0, 0];
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - 1 + 0.5), 0);
    const count = Math.min(Math.trunc(center + 1 + 0.5), inSize) - xmin;
    let total = 0;
    for (let x = 0; x < count; x++) {
      const d = Math.abs(x + xmin - center + 0.5);
      weights[x] = d < 1 ? 1 - d : 0;
      total += weights[x]!;
    }
    const fixed = (x: number) => {
      const w = total !== 0 ? weights[x]! / total : weights[x]!;
      return Math.trunc(0.5 + w * (1 << PRECISION_BITS));
    };
    first[xx] = xmin;
    weightFirst[xx] = fixed(0);
    second[xx] = count > 1 ? xmin + 1 : xmin;
    weightSecond[xx] = count > 1 ? fixed(1) : 0;
  }
  const out = { first, second, weightFirst, weightSecond };
  coefficientCache.set(key, out);
  return out;
}

/**
 * Crops `box` out of `src` and resizes it back to the full image size into `dst` with PIL's 8-bit
 * bilinear resampling: a horizontal pass to an 8-bit intermediate, then a vertical pass, each
 * skipped when that side keeps its size, as PIL does. The box must lie inside the image (so the
 * resize only enlarges, as in RandomResizedCrop). `scratch` holds ≥ box.height · width · channels bytes.
 */
export function resizedCrop(
  src: Uint8Array,
  dst: Uint8Array,
  shape: ImageShape,
  box: CropBox,
  scratch: Uint8Array,
): void {
  const { height: outH, width: outW, channels: c } = shape;
  if (
    box.top < 0 ||
    box.left < 0 ||
    box.height < 1 ||
    box.width < 1 ||
    box.top + box.height > outH ||
    box.left + box.width > outW
  ) {
    throw new RangeError(
      `crop box ${JSON.stringify(box)} passed to resizedCrop() must lie inside the ${outH}×${outW} image`,
    );
  }
  const srcRow = shape.width * c;
  const rowBytes = outW * c;
  // Horizontal pass: the box's rows, box.width → outW columns, into scratch (box.height × outW × c).
  if (box.width === outW) {
    for (let y = 0; y < box.height; y++) {
      const s = (box.top + y) * srcRow;
      const o = y * rowBytes;
      for (let i = 0; i < rowBytes; i++) scratch[o + i] = src[s + i]!;
    }
  } else {
    const hc = upscaleCoefficients(box.width, outW);
    for (let y = 0; y < box.height; y++) {
      const s = (box.top + y) * srcRow + box.left * c;
      let o = y * rowBytes;
      for (let xx = 0; xx < outW; xx++) {
        const a = s + hc.first[xx]! * c;
        const b = s + hc.second[xx]! * c;
        const wa = hc.weightFirst[xx]!;
        const wb = hc.weightSecond[xx]!;
        for (let k = 0; k < c; k++) {
          const v = (HALF + src[a + k]! * wa + src[b + k]! * wb) >> PRECISION_BITS;
          scratch[o++] = v > 255 ? 255 : v;
        }
      }
    }
  }
  // Vertical pass: box.height → outH rows.
  if (box.height === outH) {
    for (let i = 0; i < outH * rowBytes; i++) dst[i] = scratch[i]!;
    return;
  }
  const vc = upscaleCoefficients(box.height, outH);
  for (let yy = 0; yy < outH; yy++) {
    const a = vc.first[yy]! * rowBytes;
    const b = vc.second[yy]! * rowBytes;
    const wa = vc.weightFirst[yy]!;
    const wb = vc.weightSecond[yy]!;
    const o = yy * rowBytes;
    for (let i = 0; i < rowBytes; i++) {
      const v = (HALF + scratch[a + i]! * wa + scratch[b + i]! * wb) >> PRECISION_BITS;
      dst[o + i] = v > 255 ? 255 : v;
    }
  }
}
