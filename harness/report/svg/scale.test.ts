import { describe, expect, it } from 'vitest';
import { linearScale, niceTicks, paddedExtent } from './scale.ts';

describe('linearScale', () => {
  it('maps the domain onto the range, inverted ranges included', () => {
    const y = linearScale([90, 100], [300, 100]);
    expect(y(90)).toBe(300);
    expect(y(100)).toBe(100);
    expect(y(95)).toBe(200);
    expect(linearScale([5, 5], [0, 10])(5)).toBe(5);
  });
});

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 × 10^k inside the range', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(94.3, 98.9, 5)).toEqual([95, 96, 97, 98]);
    expect(niceTicks(-0.6, 1.5, 5)).toEqual([-0.5, 0, 0.5, 1, 1.5]);
    expect(niceTicks(0.1, 0.3, 4)).toEqual([0.1, 0.15, 0.2, 0.25, 0.3]);
    expect(niceTicks(3, 3)).toEqual([3]);
    expect(niceTicks(1, 0, 5)).toEqual(niceTicks(0, 1, 5));
  });
});

describe('paddedExtent', () => {
  it('pads by a fraction of the span, and opens a zero span', () => {
    expect(paddedExtent([0, 10], 0.1)).toEqual([-1, 11]);
    expect(paddedExtent([50, 50])).toEqual([49.5, 50.5]);
    expect(paddedExtent([])).toEqual([0, 1]);
  });
});
