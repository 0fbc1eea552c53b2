/**
 * CIFAR binary batches (rigl-spec §7.1, §7.2): fixed-size records of label byte(s) followed by
 * 3,072 pixel bytes in CHW order (1,024 R, then G, then B, each 32 × 32 row-major). CIFAR-10 has one
 * label byte; CIFAR-100 has two (coarse, fine) and the class is the fine label.
 */
import { DatasetError } from '../errors.ts';

export const CIFAR_SIDE = 32;
export const CIFAR_CHANNELS = 3;
const PLANE = CIFAR_SIDE * CIFAR_SIDE;
const PIXELS = CIFAR_CHANNELS * PLANE;

export interface CifarRecords {
  count: number;
  /** NHWC, count · 32 · 32 · 3 bytes. */
  pixels: Uint8Array;
  /** The class of each record: the last label byte (CIFAR-100: the fine label). */
  labels: Uint8Array;
}

/** Parses a CIFAR binary file and converts its CHW records to NHWC. */
export function parseCifarBinary(
  bytes: Uint8Array,
  labelBytes: 1 | 2,
  numClasses: number,
  source: string,
): CifarRecords {
  const recordBytes = labelBytes + PIXELS;
  if (bytes.length === 0 || bytes.length % recordBytes !== 0) {
    throw new DatasetError(
      `${source}: a CIFAR binary file with ${labelBytes} label byte(s) is a whole number of ` +
        `${recordBytes}-byte records, but this one has ${bytes.length} bytes ` +
        `(${Math.floor(bytes.length / recordBytes)} records and ${bytes.length % recordBytes} bytes over)`,
    );
  }
  const count = bytes.length / recordBytes;
  const pixels = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const record = n * recordBytes;
    const label = bytes[record + labelBytes - 1]!;
    if (label >= numClasses) {
      throw new DatasetError(
        `${source}: record ${n} has label ${label}, out of range: labels must be < ${numClasses}`,
      );
    }
    labels[n] = label;
    const r = record + labelBytes;
    const g = r + PLANE;
    const b = g + PLANE;
    let out = n * PIXELS;
    for (let p = 0; p < PLANE; p++) {
      pixels[out] = bytes[r + p]!;
      pixels[out + 1] = bytes[g + p]!;
      pixels[out + 2] = bytes[b + p]!;
      out += 3;
    }
  }
  return { count, pixels, labels };
}
