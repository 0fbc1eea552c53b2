import { describe, expect, it } from 'vitest';
import { buildSparseLayout, layoutDensity } from './sparse-layout.ts';

describe('buildSparseLayout', () => {
  it('lists the active entries by output column and by input row, ascending', () => {
    // w [3, 4]:   j=0 j=1 j=2 j=3
    //   i=0        1   0   1   0
    //   i=1        0   0   0   0      (empty row)
    //   i=2        1   0   1   1      (column 1 empty)
    const mask = [1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 1];
    const layout = buildSparseLayout(mask, 3, 4);
    expect(layout.nnz).toBe(5);
    expect(Array.from(layout.columnStarts)).toEqual([0, 2, 2, 4, 5]);
    expect(Array.from(layout.columnRows)).toEqual([0, 2, 0, 2, 2]);
    expect(Array.from(layout.rowStarts)).toEqual([0, 2, 2, 5]);
    expect(Array.from(layout.rowColumns)).toEqual([0, 2, 0, 2, 3]);
    expect(layoutDensity(layout)).toBeCloseTo(5 / 12, 12);
    expect(Object.isFrozen(layout)).toBe(true);
  });

  it('treats any nonzero as active (float 0/1 masks from tfjs)', () => {
    const layout = buildSparseLayout(Float32Array.from([0, 1, 0.5, -0]), 2, 2);
    expect(Array.from(layout.rowColumns)).toEqual([1, 0]);
    expect(Array.from(layout.columnRows)).toEqual([1, 0]);
  });

  it('handles an empty mask, a full mask and empty shapes', () => {
    const empty = buildSparseLayout(new Uint8Array(6), 2, 3);
    expect([empty.nnz, Array.from(empty.columnStarts), Array.from(empty.rowStarts)]).toEqual([0, [0, 0, 0, 0], [0, 0, 0]]);
    const full = buildSparseLayout(new Uint8Array(6).fill(1), 2, 3);
    expect(Array.from(full.columnRows)).toEqual([0, 1, 0, 1, 0, 1]);
    expect(Array.from(full.rowColumns)).toEqual([0, 1, 2, 0, 1, 2]);
    expect(layoutDensity(full)).toBe(1);
    const none = buildSparseLayout([], 0, 5);
    expect([none.nnz, none.columnStarts.length, none.rowStarts.length, layoutDensity(none)]).toEqual([0, 6, 1, 1]);
  });

  it('names the argument and the bound when the shape does not fit', () => {
    expect(() => buildSparseLayout([1, 0, 1], 2, 2)).toThrow(/'mask' passed to buildSparseLayout\(\) must have 2 × 2 = 4 entries but has 3/);
    expect(() => buildSparseLayout([], -1, 0)).toThrow(/must be integers >= 0 but got -1 and 0/);
  });
});
