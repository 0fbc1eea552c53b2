/**
 * Loads the rigl_native addon (native/: C++ kernels built by node-gyp at install, see
 * native/build.mjs). A missing or unloadable addon is an ordinary "not available" with the reason,
 * which backend selection records before falling back to wasm.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConvBindings } from './conv-bindings.ts';
import type { EltwiseBindings } from './eltwise-bindings.ts';
import type { SparseBindings } from './sparse-bindings.ts';

const require = createRequire(import.meta.url);

/** native/ at the repository root. */
export const NATIVE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../native');
/** The built addon; RIGL_NATIVE_ADDON points elsewhere (a development build, native/dev-build.sh). */
export const ADDON_PATH = process.env.RIGL_NATIVE_ADDON || path.join(NATIVE_DIR, 'build', 'Release', 'rigl_native.node');
const STATUS_PATH = path.join(NATIVE_DIR, 'build', 'status.json');

export type NativeIsa = 'avx512' | 'avx2' | 'generic';

export interface NativeCoreBindings {
  info(): { isa: NativeIsa; bestIsa: NativeIsa; threads: number; compiler?: string };
  /** Sets the kernel thread pool size (main thread included); returns the size in effect. */
  setThreads(threads: number): number;
}

export interface GemmBindings {
  /** c[M×N] = op(a)·op(b) (+ c when accumulate); row-major; op = transpose when the flag is set. */
  gemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, accumulate: boolean): void;
  /** `batch` products; aStride / bStride are the element offsets between consecutive a / b (0 = broadcast). */
  batchedGemm(
    batch: number,
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    accumulate: boolean,
    aStride: number,
    bStride: number,
  ): void;
}

export interface OptimBindings {
  /**
   * One SGD step in place (trainers/optim/sgd.ts): w, momentum updated from grad; mask null for a
   * dense parameter; weightDecay 0 = none. Bit-identical to sgd.ts's tensor path.
   */
  sgdStep(
    w: Float32Array,
    grad: Float32Array,
    momentum: Float32Array,
    mask: Float32Array | null,
    size: number,
    learningRate: number,
    momentumFactor: number,
    weightDecay: number,
    nesterov: boolean,
    denseMomentum: boolean,
  ): void;
  /**
   * The same step on a masked [inputs, outputs] weight's active entries only (CSR rows of its
   * sparse layout, which must have been built from `mask`: every listed entry counts as active);
   * equal to sgdStep when the gradient, weight and momentum are 0 off the mask (bit for bit on
   * active entries; an inactive zero keeps its sign).
   */
  sgdStepRows(
    w: Float32Array,
    grad: Float32Array,
    momentum: Float32Array,
    mask: Float32Array,
    rowStarts: Int32Array,
    rowColumns: Int32Array,
    inputs: number,
    outputs: number,
    learningRate: number,
    momentumFactor: number,
    weightDecay: number,
    nesterov: boolean,
  ): void;
}

export type NativeAddon = NativeCoreBindings & GemmBindings & OptimBindings & ConvBindings & SparseBindings & EltwiseBindings;

export type AddonLoadResult = { ok: true; addon: NativeAddon } | { ok: false; reason: string };

/** Why the last build failed, from native/build/status.json, or null when it says nothing. */
function buildFailure(): string | null {
  try {
    const status = JSON.parse(fs.readFileSync(STATUS_PATH, 'utf8')) as { ok?: boolean; reason?: string };
    return status.ok === false && typeof status.reason === 'string' ? status.reason : null;
  } catch {
    return null;
  }
}

let cached: AddonLoadResult | null = null;

/** Loads the addon once per process. */
export function loadNativeAddon(addonPath: string = ADDON_PATH): AddonLoadResult {
  if (cached !== null && addonPath === ADDON_PATH) return cached;
  let result: AddonLoadResult;
  if (!fs.existsSync(addonPath)) {
    const why = buildFailure();
    result = {
      ok: false,
      reason: why !== null ? `the native addon did not build at install: ${why}` : `the native addon is not built (${path.relative(process.cwd(), addonPath)} is missing; run \`npm run build:native\`)`,
    };
  } else {
    try {
      result = { ok: true, addon: require(addonPath) as NativeAddon };
    } catch (err) {
      result = { ok: false, reason: `the native addon failed to load: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  if (addonPath === ADDON_PATH) cached = result;
  return result;
}
