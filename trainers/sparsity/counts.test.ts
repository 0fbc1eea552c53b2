import { describe, expect, it } from 'vitest';
import { activeCountAtDensity, roundCount, zerosAtSparsity } from './counts.ts';

describe('counts', () => {
  it('zeros = floor(s·N), not fooled by binary products (0.57 · 100 = 56.999…)', () => {
    expect(0.57 * 100).toBeLessThan(57);
    expect(zerosAtSparsity(100, 0.57)).toBe(57);
    expect(zerosAtSparsity(1000, 0.95)).toBe(950);
    expect(zerosAtSparsity(4608, 0.95)).toBe(4377);
    expect(activeCountAtDensity(1000, 0.05)).toBe(50);
  });

  it('rounding conventions of rigl-spec §8.1', () => {
    expect(roundCount(4.5, 'floor')).toBe(4);
    expect(roundCount(4.5, 'ceil')).toBe(5);
    expect(roundCount(4.5, 'round')).toBe(5);
    expect(roundCount(0.3 * 10, 'ceil')).toBe(3); // 3.0000000000000004 is 3
    expect(() => roundCount(-1, 'floor')).toThrow(/>= 0 but got -1/);
  });
});
