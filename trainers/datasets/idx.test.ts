import { describe, expect, it } from 'vitest';
import { DatasetError } from '../errors.ts';
import { parseIdx, parseIdxImages, parseIdxLabels } from './idx.ts';
import { idxBytes, idxImages, idxLabels, idxPixel } from './test-fixtures.ts';

describe('idx parser (rigl-spec §7.3)', () => {
  it('reads the big-endian header and the pixels of an image file', () => {
    const images = parseIdxImages(idxImages(3), 'train-images');
    expect(images).toMatchObject({ count: 3, height: 28, width: 28 });
    expect(images.pixels.length).toBe(3 * 784);
    // Example 2, row 5, column 9.
    expect(images.pixels[2 * 784 + 5 * 28 + 9]).toBe(idxPixel(2, 5, 9));
  });

  it('reads a label file', () => {
    expect(Array.from(parseIdxLabels(idxLabels([3, 0, 9]), 10, 'labels'))).toEqual([3, 0, 9]);
  });

  it('reads dimensions above 255 (all four header bytes count)', () => {
    const bytes = idxBytes(0x801, [300], new Uint8Array(300));
    expect(parseIdx(bytes, 'x').dims).toEqual([300]);
  });

  it('rejects a wrong magic and names it', () => {
    const bytes = idxBytes(0x12345678, [1], [0]);
    expect(() => parseIdx(bytes, 'bad.idx')).toThrowError(DatasetError);
    expect(() => parseIdx(bytes, 'bad.idx')).toThrowError(/bad\.idx: not an idx file.*0x12345678/);
  });

  it('rejects a label file where an image file is expected, and the reverse', () => {
    expect(() => parseIdxImages(idxLabels([1]), 'f')).toThrowError(/expected an idx image file \(magic 2051\) but the magic is 2049/);
    expect(() => parseIdxLabels(idxImages(1), 10, 'f')).toThrowError(/expected an idx label file \(magic 2049\) but the magic is 2051/);
  });

  it('rejects a truncated file and says how many bytes the header declares', () => {
    const full = idxImages(2);
    expect(() => parseIdxImages(full.subarray(0, full.length - 1), 'cut')).toThrowError(
      /cut: idx file truncated: the header declares 2 × 28 × 28 = 1568 data bytes but the file has 1567/,
    );
  });

  it('rejects a truncated header and a file shorter than the magic', () => {
    expect(() => parseIdxImages(idxImages(1).subarray(0, 10), 'h')).toThrowError(/truncated idx header: 10 bytes.*needs 16/);
    expect(() => parseIdx(new Uint8Array([0, 0]), 's')).toThrowError(/2 bytes, shorter than the 4-byte magic/);
  });

  it('rejects trailing bytes', () => {
    const bytes = new Uint8Array([...idxLabels([1, 2]), 7]);
    expect(() => parseIdxLabels(bytes, 10, 't')).toThrowError(/has trailing bytes/);
  });

  it('rejects a label outside the class range', () => {
    expect(() => parseIdxLabels(idxLabels([1, 10]), 10, 'l')).toThrowError(/label 10 of example 1 is out of range: labels must be < 10/);
  });
});
