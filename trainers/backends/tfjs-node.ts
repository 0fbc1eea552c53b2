/**
 * The native TensorFlow backends, @tensorflow/tfjs-node-gpu and @tensorflow/tfjs-node. Both are
 * optionalDependencies: their install downloads libtensorflow, which fails without network, and npm
 * then leaves them out (env-measurements §1). So they are loaded with `require` at run time and a
 * missing package is an ordinary "not available", recorded in provenance; this path is untested on
 * machines without them (README, "Backends").
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export type NativeBackendName = 'tfjs-node-gpu' | 'tfjs-node';

/** npm package of each native backend; both register the tfjs backend 'tensorflow'. */
export const NATIVE_PACKAGES: Record<NativeBackendName, string> = {
  'tfjs-node-gpu': '@tensorflow/tfjs-node-gpu',
  'tfjs-node': '@tensorflow/tfjs-node',
};

export type NativeLoadResult = { ok: true; version: string } | { ok: false; reason: string };

/** Node's "module not found" (`MODULE_NOT_FOUND` from require, `ERR_MODULE_NOT_FOUND` from import). */
export function isModuleNotFound(err: unknown, packageName: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : '';
  return (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && message.includes(packageName);
}

/** The loader, replaceable in tests (a package that loads but throws, a missing package). */
export type ModuleLoader = (packageName: string) => unknown;

export const requireModule: ModuleLoader = (packageName) => require(packageName);

/** Reads the installed version of a package, or null when its package.json cannot be read. */
function installedVersion(packageName: string): string | null {
  try {
    return (require(`${packageName}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

/**
 * Loads a native backend package and makes its 'tensorflow' backend active. A missing package,
 * a package whose native library fails to load, and a backend that does not initialise all give
 * `ok: false` with the reason.
 */
export async function initNativeBackend(name: NativeBackendName, load: ModuleLoader = requireModule): Promise<NativeLoadResult> {
  const packageName = NATIVE_PACKAGES[name];
  try {
    load(packageName);
  } catch (err) {
    if (isModuleNotFound(err, packageName)) return { ok: false, reason: `${packageName} is not installed (MODULE_NOT_FOUND)` };
    return { ok: false, reason: `${packageName} failed to load: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (tf.findBackendFactory('tensorflow') === null) {
    return { ok: false, reason: `${packageName} loaded but registered no 'tensorflow' backend` };
  }
  const ok = await tf.setBackend('tensorflow');
  if (!ok) return { ok: false, reason: `${packageName}: backend 'tensorflow' did not initialise` };
  return { ok: true, version: installedVersion(packageName) ?? 'unknown' };
}
