import { describe, expect, it } from 'vitest';
import { DatasetError } from '../errors.ts';
import { parseCifarBinary } from './cifar-binary.ts';
import { cifarRecord, concatBytes } from './test-fixtures.ts';

/** A pixel value that identifies its channel and position. */
const pixel = (n: number) => (c: number, y: number, x: number) => n * 50 + c * 100 + y * 3 + x;

describe('CIFAR binary parser (rigl-spec §7.1, §7.2)', () => {
  it('reads CIFAR-10 records (1 label byte) and converts CHW to NHWC', () => {
    const bytes = concatBytes([cifarRecord([7], pixel(0)), cifarRecord([2], pixel(1))]);
    const out = parseCifarBinary(bytes, 1, 10, 'batch');
    expect(out.count).toBe(2);
    expect(Array.from(out.labels)).toEqual([7, 2]);
    // NHWC index of (n, y, x, c) = ((n·32 + y)·32 + x)·3 + c
    for (const [n, y, x, c] of [[0, 0, 0, 0], [0, 0, 0, 2], [1, 5, 31, 1], [1, 31, 0, 2], [0, 17, 4, 1]] as const) {
      expect(out.pixels[((n * 32 + y) * 32 + x) * 3 + c]).toBe(pixel(n)(c, y, x) & 255);
    }
  });

  it('reads CIFAR-100 records (coarse then fine label byte) and keeps the fine label', () => {
    const bytes = concatBytes([cifarRecord([19, 99], pixel(0)), cifarRecord([4, 30], pixel(1))]);
    const out = parseCifarBinary(bytes, 2, 100, 'train');
    expect(Array.from(out.labels)).toEqual([99, 30]);
    expect(out.pixels[((1 * 32 + 2) * 32 + 3) * 3 + 1]).toBe(pixel(1)(1, 2, 3) & 255);
  });

  it('rejects a size that is not a whole number of records', () => {
    const bytes = concatBytes([cifarRecord([1], pixel(0)), new Uint8Array(10)]);
    expect(() => parseCifarBinary(bytes, 1, 10, 'b.bin')).toThrowError(DatasetError);
    expect(() => parseCifarBinary(bytes, 1, 10, 'b.bin')).toThrowError(
      /b\.bin: .*1 label byte\(s\) is a whole number of 3073-byte records, but this one has 3083 bytes \(1 records and 10 bytes over\)/,
    );
    // A CIFAR-10 file read as CIFAR-100 (3,074-byte records) fails the same way.
    expect(() => parseCifarBinary(cifarRecord([1], pixel(0)), 2, 100, 'c')).toThrowError(/3074-byte records/);
    expect(() => parseCifarBinary(new Uint8Array(0), 1, 10, 'e')).toThrowError(/has 0 bytes/);
  });

  it('rejects a label outside the class range', () => {
    expect(() => parseCifarBinary(cifarRecord([10], pixel(0)), 1, 10, 'b')).toThrowError(/record 0 has label 10.*< 10/);
  });
});
