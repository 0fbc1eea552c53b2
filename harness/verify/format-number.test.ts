import { describe, expect, it } from 'vitest';
import { formatNumber, formatPValue } from './format-number.ts';

describe('formatNumber', () => {
  it('keeps 4 significant digits and trims zeros', () => {
    expect(formatNumber(92.4)).toBe('92.4');
    expect(formatNumber(92.43871)).toBe('92.44');
    expect(formatNumber(0.30000000000000004)).toBe('0.3');
    expect(formatNumber(1234567)).toBe('1235000');
    expect(formatNumber(-0.000123456)).toBe('-0.0001235');
  });

  it('uses exponents for very small or large magnitudes and spells out ∞ and NaN', () => {
    expect(formatNumber(1.276e-5)).toBe('1.276e-5');
    expect(formatNumber(2e-7)).toBe('2e-7');
    expect(formatNumber(3.2e12)).toBe('3.2e+12');
    expect(formatNumber(Infinity)).toBe('∞');
    expect(formatNumber(-Infinity)).toBe('−∞');
    expect(formatNumber(Number.NaN)).toBe('NaN');
    expect(formatNumber(0)).toBe('0');
  });

  it('formats tiny p-values as a bound', () => {
    expect(formatPValue(0.0001276083747)).toBe('0.0001276');
    expect(formatPValue(1e-15)).toBe('< 1e-12');
    expect(formatPValue(0)).toBe('< 1e-12');
  });
});
