/**
 * Selecting runs by axis values (design.md "Manifests"): every axis named in the selector must
 * match; numbers compare as numbers (0.9 = 0.90, and the string "0.90" from a command line equals
 * the number 0.9); other strings compare exactly; a run without the axis does not match.
 */
import type { GroupSelector } from '../manifest/types.ts';

/** Whether one axis value equals a selector value under the rule above. */
export function axisValueMatches(runValue: string | number, wanted: string | number): boolean {
  if (typeof runValue === 'number' || typeof wanted === 'number') {
    const a = toNumber(runValue);
    const b = toNumber(wanted);
    return a !== null && b !== null && a === b;
  }
  return runValue === wanted;
}

function toNumber(value: string | number): number | null {
  if (typeof value === 'number') return value;
  if (value.trim() === '') return null;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
}

/** Whether a run with these axes is selected. An empty selector selects every run. */
export function matchesSelector(axes: Record<string, string | number>, selector: GroupSelector): boolean {
  for (const [axis, wanted] of Object.entries(selector)) {
    if (!Object.prototype.hasOwnProperty.call(axes, axis)) return false;
    const value = axes[axis];
    if (value === undefined || !axisValueMatches(value, wanted)) return false;
  }
  return true;
}

/** "method=rigl, sparsity=0.9": a selector in words, axes in the selector's order. */
export function describeSelector(selector: GroupSelector): string {
  const parts = Object.entries(selector).map(([axis, value]) => `${axis}=${value}`);
  return parts.length === 0 ? '(all runs)' : parts.join(', ');
}
