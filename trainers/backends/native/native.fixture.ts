/**
 * For tests of native code: whether the addon loads here, and the rule for when it does not —
 * skip with the reason, unless RIGL_NATIVE_REQUIRED=1 (CI), where a missing addon is a failure.
 */
import { loadNativeAddon } from './addon.ts';

const loaded = loadNativeAddon();

/** The reason the native tests are skipped, or null when they run. Throws when the addon is required but missing. */
export function nativeSkipReason(): string | null {
  if (loaded.ok) return null;
  if (process.env.RIGL_NATIVE_REQUIRED === '1') throw new Error(`RIGL_NATIVE_REQUIRED=1 but ${loaded.reason}`);
  return loaded.reason;
}

export const NATIVE_AVAILABLE = nativeSkipReason() === null;
