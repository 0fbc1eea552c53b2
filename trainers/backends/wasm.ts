/**
 * Initialising tfjs-backend-wasm in Node: binaries from node_modules, SIMD, optional threads.
 *
 * Where the binaries come from: in Node the wasm package's Emscripten loader reads the `.wasm`
 * file with `fs` from a path (`locateFile` → `getPathToWasmBinary`), by default next to its own
 * bundle. We pass the three file paths explicitly with `setWasmPaths`, resolved from the installed
 * package, so nothing depends on the current directory or a fetch (env-measurements §1: the
 * binaries ship in the package, no download).
 *
 * Threads: one thread uses the SIMD build (`tfjs-backend-wasm-simd.wasm`); more than one uses the
 * threaded SIMD build through the shim of wasm-threads.ts. The thread count of a process is fixed
 * by its first initialisation (tfjs cannot re-register the wasm backend after removing it).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfWasm from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { WASM_MAX_THREADS, WasmThreadsUnavailable, withThreadedWasmShim } from './wasm-threads.ts';

const require = createRequire(import.meta.url);

export type WasmBuild = 'simd' | 'threaded-simd' | 'plain';

export interface WasmInitResult {
  ok: boolean;
  /** Threads the backend actually runs (XNNPACK's pool, main thread included). */
  threads: number;
  build: WasmBuild;
  /** Why threads are fewer than asked, why init failed, where the binaries were loaded from. */
  notes: Record<string, string>;
}

let initialised: WasmInitResult | null = null;

/** Absolute paths of the three binaries inside the installed @tensorflow/tfjs-backend-wasm. */
export function wasmBinaryPaths(): Record<string, string> {
  const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  const names = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];
  return Object.fromEntries(names.map((n) => [n, path.join(dist, n)]));
}

/**
 * Emscripten adds process listeners that rethrow any uncaught exception from its own frame, which
 * prints a screen of minified code before the real error. The CLI handles errors itself, so the
 * listeners added while initialising are removed.
 */
async function withoutEmscriptenProcessHooks<T>(f: () => Promise<T>): Promise<T> {
  type Listener = (...args: unknown[]) => void;
  const events = ['uncaughtException', 'unhandledRejection'];
  const listeners = (e: string) => process.listeners(e as 'uncaughtException') as Listener[];
  const before = new Map(events.map((e) => [e, new Set(listeners(e))]));
  try {
    return await f();
  } finally {
    for (const e of events) {
      for (const listener of listeners(e)) {
        if (!before.get(e)!.has(listener)) process.removeListener(e, listener);
      }
    }
  }
}

async function setWasmBackend(): Promise<boolean> {
  return withoutEmscriptenProcessHooks(() => tf.setBackend('wasm'));
}

/**
 * Makes 'wasm' the active tfjs backend with `threads` threads (1 = bit-exact). Returns what it got;
 * `ok: false` when the backend could not initialise at all.
 */
export async function initWasmBackend(threads: number): Promise<WasmInitResult> {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`'threads' passed to initWasmBackend() must be an integer >= 1 but got ${threads}`);
  }
  if (initialised !== null) {
    if (!initialised.ok) return initialised;
    const ok = await setWasmBackend();
    const notes = { ...initialised.notes };
    if (threads !== initialised.threads) {
      notes.threadsNote = `asked for ${threads} threads, but wasm was already initialised in this process with ${initialised.threads}`;
    }
    return { ...initialised, ok, notes };
  }
  const paths = wasmBinaryPaths();
  tfWasm.setWasmPaths(paths);
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  const notes: Record<string, string> = { binaries: path.dirname(paths['tfjs-backend-wasm.wasm']!) };

  if (threads > 1 && simd) {
    const wanted = Math.min(threads, WASM_MAX_THREADS);
    if (wanted < threads) notes.threadsNote = `asked for ${threads} threads; this wasm build's pthread pool holds ${WASM_MAX_THREADS}`;
    try {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
      tfWasm.setThreadsCount(wanted);
      const ok = await withThreadedWasmShim(wanted, setWasmBackend);
      if (ok) {
        const actual = tfWasm.getThreadsCount();
        if (actual !== wanted) notes.threadsNote = `asked for ${wanted} threads, the wasm pool started ${actual}`;
        initialised = { ok, threads: actual, build: 'threaded-simd', notes };
        return initialised;
      }
      notes.threadsFallback = 'the threaded wasm build did not initialise; using one thread';
    } catch (err) {
      if (!(err instanceof WasmThreadsUnavailable)) throw err;
      notes.threadsFallback = `${err.message}; using one thread`;
    }
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  } else if (threads > 1) {
    notes.threadsFallback = 'this Node has no wasm SIMD, and the threaded build needs it; using one thread';
  }
  tfWasm.setThreadsCount(1);
  const ok = await setWasmBackend();
  initialised = { ok, threads: ok ? tfWasm.getThreadsCount() : 0, build: simd ? 'simd' : 'plain', notes };
  return initialised;
}

/** The wasm package version (same as the installed package.json). */
export const wasmVersion: string = tfWasm.version_wasm;
