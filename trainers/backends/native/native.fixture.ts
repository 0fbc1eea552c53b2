/**
 * For tests of native code: whether the addon loads here, and the rule for when it does not —
 * skip with the reason, unless RIGL_NATIVE_REQUIRED=1 (CI), where a missing addon is a failure.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type NativeIsa, loadNativeAddon } from './addon.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

const loaded = loadNativeAddon();

/** The reason the native tests are skipped, or null when they run. Throws when the addon is required but missing. */
export function nativeSkipReason(): string | null {
  if (loaded.ok) return null;
  if (process.env.RIGL_NATIVE_REQUIRED === '1') throw new Error(`RIGL_NATIVE_REQUIRED=1 but ${loaded.reason}`);
  return loaded.reason;
}

export const NATIVE_AVAILABLE = nativeSkipReason() === null;

export const ISA_ORDER: NativeIsa[] = ['generic', 'avx2', 'avx512'];

/** What an `*.isa-check.ts` child prints as its last line. */
export interface IsaCheckReport {
  isa: NativeIsa | null;
  cases: number;
  failures: string[];
}

/**
 * Runs `script` (an `*.isa-check.ts` beside this file) in a child process with RIGL_NATIVE_ISA=isa
 * (a process fixes its ISA when the addon loads) and returns its report.
 */
export async function runIsaCheck(script: string, isa: NativeIsa): Promise<IsaCheckReport> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(here, script)], {
    cwd: path.resolve(here, '../../..'),
    env: { ...process.env, RIGL_NATIVE_ISA: isa },
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as IsaCheckReport;
}

/** The ISA a process asking for `isa` runs: lowered to the best this CPU has. */
export function effectiveIsa(isa: NativeIsa): NativeIsa {
  if (!loaded.ok) throw new Error(loaded.reason);
  const best = loaded.addon.info().bestIsa;
  return ISA_ORDER[Math.min(ISA_ORDER.indexOf(isa), ISA_ORDER.indexOf(best))]!;
}
