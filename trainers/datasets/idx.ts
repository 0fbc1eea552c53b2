/**
 * The idx format of MNIST and Fashion-MNIST (rigl-spec §7.3): a big-endian header (int32 magic, one
 * int32 per dimension) followed by the data, row-major. Magic byte 2 is the element type (0x08 =
 * unsigned byte, the only type these datasets use), byte 3 the number of dimensions: 2049
 * (0x00000801) for label files, 2051 (0x00000803) for image files.
 */
import { DatasetError } from '../errors.ts';

export const IDX_LABELS_MAGIC = 0x00000801;
export const IDX_IMAGES_MAGIC = 0x00000803;
const IDX_UNSIGNED_BYTE = 0x08;

export interface IdxArray {
  dims: number[];
  /** The data bytes (a view into the input, no copy). */
  data: Uint8Array;
}

/** Parses an idx file of unsigned bytes, checking the magic and that the size matches the header. */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  if (bytes.length < 4) {
    throw new DatasetError(`${source}: not an idx file: ${bytes.length} bytes, shorter than the 4-byte magic`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const type = bytes[2]!;
  const ndims = bytes[3]!;
  if (bytes[0] !== 0 || bytes[1] !== 0 || type !== IDX_UNSIGNED_BYTE || ndims === 0) {
    throw new DatasetError(
      `${source}: not an idx file of unsigned bytes: magic is 0x${magic.toString(16).padStart(8, '0')} ` +
        `(${magic}), expected 0x00000801 (2049, labels) or 0x00000803 (2051, images)`,
    );
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DatasetError(
      `${source}: truncated idx header: ${bytes.length} bytes, the header of a ${ndims}-dimensional ` +
        `idx file needs ${headerBytes}`,
    );
  }
  const dims: number[] = [];
  let elements = 1;
  for (let d = 0; d < ndims; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    dims.push(size);
    elements *= size;
  }
  const dataBytes = bytes.length - headerBytes;
  if (dataBytes !== elements) {
    const what = dataBytes < elements ? 'truncated' : 'has trailing bytes';
    throw new DatasetError(
      `${source}: idx file ${what}: the header declares ${dims.join(' × ')} = ${elements} data bytes ` +
        `but the file has ${dataBytes} after its ${headerBytes}-byte header`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

function expectMagic(bytes: Uint8Array, magic: number, what: string, source: string): void {
  const got = bytes.length >= 4 ? new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, false) : null;
  if (got !== magic) {
    throw new DatasetError(
      `${source}: expected an idx ${what} file (magic ${magic}) but ` +
        (got === null ? `the file has only ${bytes.length} bytes` : `the magic is ${got}`),
    );
  }
}

export interface IdxImages {
  count: number;
  height: number;
  width: number;
  /** count · height · width bytes (one channel), a view into the input. */
  pixels: Uint8Array;
}

/** An idx image file: magic 2051, dimensions (count, height, width). */
export function parseIdxImages(bytes: Uint8Array, source: string): IdxImages {
  expectMagic(bytes, IDX_IMAGES_MAGIC, 'image', source);
  const { dims, data } = parseIdx(bytes, source);
  const [count, height, width] = dims as [number, number, number];
  return { count, height, width, pixels: data };
}

/** An idx label file: magic 2049, dimension (count); every label must be below `numClasses`. */
export function parseIdxLabels(bytes: Uint8Array, numClasses: number, source: string): Uint8Array {
  expectMagic(bytes, IDX_LABELS_MAGIC, 'label', source);
  const { data } = parseIdx(bytes, source);
  for (let i = 0; i < data.length; i++) {
    if (data[i]! >= numClasses) {
      throw new DatasetError(
        `${source}: label ${data[i]} of example ${i} is out of range: labels must be < ${numClasses}`,
      );
    }
  }
  return data;
}
