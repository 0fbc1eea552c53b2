/**
 * Backend selection (design.md "Backends and determinism"): tfjs-node-gpu > tfjs-node > native > wasm > cpu,
 * the first that initialises wins; an override (manifest or `--backend` flag) names exactly one.
 * What was chosen, its version, its threads, its determinism class, the kernels we registered on it
 * and why the better ones were skipped all go into the run summary's provenance.
 */
import * as tf from '@tensorflow/tfjs-core';
import os from 'node:os';
import '@tensorflow/tfjs-backend-cpu';
import './gradients.ts';
import { BackendError } from '../errors.ts';
import type { BackendName } from '../run-manifest.ts';
import type { BackendProvenance, DeterminismClass } from '../run-summary.ts';
import { registerWasmTrainingKernels } from './kernels/register.ts';
import { sparsePathDescription } from '../step-layouts.ts';
import { fusedStepDescription } from './native/dense-chain-step.ts';
import { initNativeCpuBackend } from './native/backend.ts';
import { type ModuleLoader, initNativeBackend, requireModule } from './tfjs-node.ts';
import { initWasmBackend, wasmVersion } from './wasm.ts';

/** Canonical order, best first (design.md "Canonical ids"). */
export const BACKEND_ORDER: readonly BackendName[] = ['tfjs-node-gpu', 'tfjs-node', 'native', 'wasm', 'cpu'];

/**
 * Determinism class of a backend at a thread count:
 * - cpu: plain single-threaded JavaScript loops, a fixed order of float operations → bit-exact;
 * - native: the addon's threads split work only over independent outputs, never inside a sum
 *   (native/src/parallel.h), so every thread count gives the same bits → bit-exact (on one machine:
 *   another vector ISA, AVX-512 vs AVX2, rounds differently; the ISA is recorded in the details);
 * - wasm with 1 thread: XNNPACK and the tfjs C++ kernels run on one thread in a fixed order → bit-exact;
 * - wasm with more threads: work is split over a pool whose partition depends on the thread count and
 *   scheduling; we neither test nor promise identical bits, so it is 'nondeterministic';
 * - tfjs-node(-gpu): TensorFlow's intra-op thread pool (Eigen) and cuDNN's algorithm choice and
 *   atomics reassociate float sums from run to run → 'nondeterministic'.
 */
export function determinismOf(name: BackendName, threads: number): DeterminismClass {
  if (name === 'cpu' || name === 'native') return 'bit-exact';
  if (name === 'wasm' && threads === 1) return 'bit-exact';
  return 'nondeterministic';
}

type Attempt = { ok: true; provenance: BackendProvenance } | { ok: false; reason: string };

async function tryBackend(name: BackendName, threads: number, load: ModuleLoader): Promise<Attempt> {
  switch (name) {
    case 'tfjs-node-gpu':
    case 'tfjs-node': {
      const result = await initNativeBackend(name, load);
      if (!result.ok) return result;
      return {
        ok: true,
        provenance: {
          name,
          version: result.version,
          threads: os.availableParallelism(),
          determinism: determinismOf(name, os.availableParallelism()),
          details: {
            tfBackend: 'tensorflow',
            threadsNote: "TensorFlow's default intra-op pool, one thread per core; the manifest thread count applies to wasm only",
            ...(name === 'tfjs-node-gpu' ? { gpuNote: 'TensorFlow runs on CPU when CUDA is absent; the GPU is not verified here' } : {}),
          },
        },
      };
    }
    case 'native': {
      const result = await initNativeCpuBackend(threads);
      if (!result.ok) return result;
      return {
        ok: true,
        provenance: {
          name,
          version: tf.version_core,
          threads: result.threads,
          determinism: determinismOf(name, result.threads),
          details: {
            isa: result.isa,
            ...(result.isa !== result.bestIsa ? { isaNote: `RIGL_NATIVE_ISA lowered the ISA from ${result.bestIsa}` } : {}),
            compiler: result.compiler,
            sparseKernels: sparsePathDescription(),
            fusedStep: fusedStepDescription(),
            registeredKernels: result.nativeKernels.join(','),
          },
        },
      };
    }
    case 'wasm': {
      const result = await initWasmBackend(threads);
      if (!result.ok) {
        return { ok: false, reason: `wasm did not initialise${result.notes.threadsFallback ? ` (${result.notes.threadsFallback})` : ''}` };
      }
      const kernels = registerWasmTrainingKernels();
      return {
        ok: true,
        provenance: {
          name,
          version: wasmVersion,
          threads: result.threads,
          determinism: determinismOf(name, result.threads),
          details: { build: result.build, registeredKernels: kernels.join(','), ...result.notes },
        },
      };
    }
    case 'cpu': {
      const ok = await tf.setBackend('cpu');
      if (!ok) return { ok: false, reason: 'cpu did not initialise' };
      return {
        ok: true,
        provenance: {
          name,
          version: tf.version_core,
          threads: 1,
          determinism: determinismOf(name, 1),
          details: { registeredKernels: '' },
        },
      };
    }
  }
}

/**
 * Makes the best available backend active and describes it. `preference` lists the backends to try
 * (the manifest's, best first; they are tried in that order); `override`, when set, is the only one
 * tried. `threads` is the wasm thread count (1 = bit-exact). Throws BackendError when none initialises.
 */
export async function selectBackend(
  preference: readonly BackendName[],
  threads: number,
  override: BackendName | null,
  load: ModuleLoader = requireModule,
): Promise<BackendProvenance> {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new BackendError(`'threads' passed to selectBackend() must be an integer >= 1 but got ${threads}`);
  }
  const candidates = override !== null ? [override] : [...preference];
  if (candidates.length === 0) {
    throw new BackendError(`'preference' passed to selectBackend() is empty; name at least one of ${BACKEND_ORDER.join(', ')}`);
  }
  for (const name of candidates) {
    if (!BACKEND_ORDER.includes(name)) {
      throw new BackendError(`unknown backend '${name}'; known backends are ${BACKEND_ORDER.join(', ')}`);
    }
  }
  const skipped: Record<string, string> = {};
  for (const name of candidates) {
    const attempt = await tryBackend(name, threads, load);
    if (attempt.ok) {
      const details = { ...attempt.provenance.details };
      for (const [skippedName, reason] of Object.entries(skipped)) details[`skipped.${skippedName}`] = reason;
      if (override !== null) details.override = override;
      return { ...attempt.provenance, details };
    }
    skipped[name] = attempt.reason;
  }
  const reasons = Object.entries(skipped)
    .map(([n, r]) => `${n}: ${r}`)
    .join('; ');
  throw new BackendError(`no backend initialised (tried ${candidates.join(', ')}): ${reasons}`);
}
