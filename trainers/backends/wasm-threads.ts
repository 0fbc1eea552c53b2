/**
 * Multi-threaded tfjs-backend-wasm under Node (env-measurements §2a).
 *
 * tfjs 4.22 turns wasm threads off in Node (`WASM_HAS_MULTITHREAD_SUPPORT` returns false when
 * IS_NODE, tfjs issue #3830), and forcing the flag fails: Emscripten starts its pthread workers
 * from `blob:` URLs, which Node's `worker_threads.Worker` rejects (ERR_WORKER_PATH). Three more
 * obstacles follow once that is solved:
 * 1. the main script the workers load is a Blob too (the factory's source text), read back inside
 *    the worker through `URL.createObjectURL`, which Node cannot read synchronously;
 * 2. that source text refers to free variables of the rollup bundle (`require$$0`... for fs, path,
 *    perf_hooks, os; `commonjsGlobal`) that do not exist in the worker;
 * 3. the C++ side caps the pool at `emscripten_num_logical_cores() / 2` = `os.cpus().length / 2`,
 *    i.e. 1 thread on a 2-core machine (tfjs backend.cc).
 * And once running, the pool's workers are `ref()`ed, so the process never exits by itself.
 *
 * `withThreadedWasmShim` patches, only while the backend initialises: `Blob` (to remember the text
 * of the blobs tfjs builds), `URL.createObjectURL` (the worker script becomes a temp file whose
 * main-script import points at a second temp file, prefixed with the bundle's free variables),
 * `worker_threads.Worker` (a subclass that stays unref'd) and `os.cpus` (reports 2·threads CPUs).
 * Every patch is undone in `finally`; the temp files are removed at process exit. Anything that
 * does not look exactly as expected throws a `WasmThreadsUnavailable` before a worker starts,
 * so the caller can fall back to one thread instead of crashing in a worker.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** Why multi-threaded wasm could not be set up; the caller falls back to one thread. */
export class WasmThreadsUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WasmThreadsUnavailable';
  }
}

/** Emscripten's pthread pool size in this tfjs build (tf-backend-wasm.node.js: `pthreadPoolSize = 8`). */
export const WASM_MAX_THREADS = 8;

const MAIN_SCRIPT_PREFIX = 'var WasmBackendModuleThreadedSimd';
const WORKER_MARKER = 'WasmBackendModuleThreadedSimd(Module)';
/** In the worker script: how it loads a Blob main script (replaced by a file path). */
const WORKER_BLOB_IMPORT =
  'var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)';

/** `var require$$N = require('mod');` lines of the wasm package's Node bundle: the worker's prelude. */
function bundlePrelude(): { prelude: string; defined: Set<string> } {
  const bundlePath = require.resolve('@tensorflow/tfjs-backend-wasm');
  const text = fs.readFileSync(bundlePath, 'utf8');
  const defined = new Set<string>();
  const lines: string[] = [];
  for (const m of text.matchAll(/^var (require\$\$\d+) = require\('([\w/-]+)'\);$/gm)) {
    defined.add(m[1]!);
    lines.push(`var ${m[1]}=require(${JSON.stringify(m[2])});`);
  }
  lines.push('var commonjsGlobal=globalThis;');
  defined.add('commonjsGlobal');
  return { prelude: lines.join('') + '\n', defined };
}

/**
 * Runs `init` (which must initialise the wasm backend) with the patches that let the threaded
 * build start `threads` threads under Node, and undoes them afterwards.
 */
export async function withThreadedWasmShim<T>(threads: number, init: () => Promise<T>): Promise<T> {
  if (!Number.isInteger(threads) || threads < 2 || threads > WASM_MAX_THREADS) {
    throw new RangeError(`'threads' passed to withThreadedWasmShim() must be an integer in [2, ${WASM_MAX_THREADS}] but got ${threads}`);
  }
  const { prelude, defined } = bundlePrelude();
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rigl-wasm-threads-'));
  process.once('exit', () => fs.rmSync(tempDir, { recursive: true, force: true }));

  const blobTexts = new WeakMap<Blob, string>();
  let mainScriptPath: string | null = null;
  let shimError: WasmThreadsUnavailable | null = null;
  let workerFiles = 0;

  const OriginalBlob = globalThis.Blob;
  class RecordingBlob extends OriginalBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts === undefined || !parts.every((p) => typeof p === 'string')) return;
      const text = (parts as string[]).join('');
      blobTexts.set(this, text);
      if (text.startsWith(MAIN_SCRIPT_PREFIX)) {
        const free = new Set(text.match(/\brequire\$\$\d+\b|\bcommonjsGlobal\b/g) ?? []);
        const missing = [...free].filter((name) => !defined.has(name));
        if (missing.length > 0) {
          shimError = new WasmThreadsUnavailable(`the threaded wasm factory uses bundle variables the shim cannot define: ${missing.join(', ')}`);
          return;
        }
        mainScriptPath = path.join(tempDir, 'tfjs-backend-wasm-threaded-simd.js');
        fs.writeFileSync(mainScriptPath, prelude + text);
      }
    }
  }

  const originalCreateObjectURL = URL.createObjectURL;
  const patchedCreateObjectURL = (object: Blob): string => {
    const text = blobTexts.get(object);
    if (text === undefined || !text.includes(WORKER_MARKER)) return originalCreateObjectURL(object);
    if (shimError !== null) throw shimError;
    if (mainScriptPath === null) {
      shimError = new WasmThreadsUnavailable('the worker script was requested before the threaded main script was built');
      throw shimError;
    }
    const patched = text.replace(WORKER_BLOB_IMPORT, `importScripts(${JSON.stringify(mainScriptPath)})`);
    if (patched === text) {
      shimError = new WasmThreadsUnavailable('the wasm worker script no longer loads its main script the way this shim expects');
      throw shimError;
    }
    const workerPath = path.join(tempDir, `worker-${workerFiles++}.js`);
    fs.writeFileSync(workerPath, patched);
    return workerPath;
  };

  const workerThreads = require('node:worker_threads') as typeof import('node:worker_threads');
  const OriginalWorker = workerThreads.Worker;
  // Pool threads wait forever for work; an unref'd worker lets the process exit when main is done.
  class UnrefWorker extends OriginalWorker {
    constructor(...args: ConstructorParameters<typeof OriginalWorker>) {
      super(...args);
      super.unref();
    }
    override ref(): void {}
  }

  const originalCpus = os.cpus;
  const reportedCpus = 2 * threads;
  const patchedCpus = (): os.CpuInfo[] => {
    const real = originalCpus();
    if (real.length >= reportedCpus || real.length === 0) return real;
    return Array.from({ length: reportedCpus }, (_, i) => real[i % real.length]!);
  };

  globalThis.Blob = RecordingBlob as typeof Blob;
  URL.createObjectURL = patchedCreateObjectURL;
  (workerThreads as { Worker: typeof OriginalWorker }).Worker = UnrefWorker;
  (os as { cpus: typeof os.cpus }).cpus = patchedCpus;
  try {
    const result = await init();
    if (shimError !== null) throw shimError;
    return result;
  } finally {
    globalThis.Blob = OriginalBlob;
    URL.createObjectURL = originalCreateObjectURL;
    (workerThreads as { Worker: typeof OriginalWorker }).Worker = OriginalWorker;
    (os as { cpus: typeof os.cpus }).cpus = originalCpus;
  }
}
