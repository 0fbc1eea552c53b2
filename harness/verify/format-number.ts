/**
 * Numbers in verdict sentences and reports: short but never misleading.
 */

/** `digits` significant digits, trailing zeros trimmed; ∞ and NaN spelled out. */
export function formatNumber(value: number, digits = 4): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '∞';
  if (value === -Infinity) return '−∞';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-4 && magnitude < 1e9) {
    const fixed = Number(value.toPrecision(digits));
    // Integers and short decimals print as written, without exponent.
    return String(fixed);
  }
  return value.toExponential(digits - 1).replace(/\.?0+e/, 'e');
}

/** A p-value: 4 significant digits, and "< 1e-12" for smaller values. */
export function formatPValue(p: number): string {
  if (p < 1e-12) return '< 1e-12';
  return formatNumber(p, 4);
}

/** "p = 0.0123" or "p < 1e-12". */
export function formatPEquals(p: number): string {
  const formatted = formatPValue(p);
  return formatted.startsWith('<') ? `p ${formatted}` : `p = ${formatted}`;
}
