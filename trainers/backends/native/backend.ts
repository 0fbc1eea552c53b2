/**
 * The `native` backend: tfjs's cpu backend (MathBackendCPU: tensors are typed arrays in host memory)
 * with the heavy kernels replaced by the rigl_native addon's C++ (GEMM, convolutions, pooling,
 * large elementwise ops; sparse layers through their own kernels). Every other kernel is the cpu
 * backend's own, registered again under the name 'native'.
 *
 * Determinism: the addon splits work over its threads only by independent outputs, never inside a
 * sum (native/src/parallel.h), so results are bit-identical at any thread count on one machine;
 * they differ between CPUs with different vector ISAs (AVX-512, AVX2, generic).
 */
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { type NativeAddon, type NativeIsa, loadNativeAddon } from './addon.ts';
import { convKernels } from './conv-kernels.ts';
import { eltwiseKernels } from './eltwise-kernels.ts';
import { NATIVE_BACKEND_NAME, type NativeKernelContext } from './kernel-support.ts';
import { lossKernels } from './loss-kernels.ts';
import { matmulKernels } from './matmul-kernels.ts';
import { sparseKernels } from './sparse-kernels.ts';

/** Every family of native kernels; the only list of them. */
const KERNEL_FAMILIES: ReadonlyArray<(ctx: NativeKernelContext) => tf.KernelConfig[]> = [
  matmulKernels,
  convKernels,
  eltwiseKernels,
  sparseKernels,
  lossKernels,
];

export type NativeInitResult =
  | { ok: true; threads: number; isa: NativeIsa; bestIsa: NativeIsa; nativeKernels: string[]; compiler: string }
  | { ok: false; reason: string };

let registered: { addon: NativeAddon; kernels: string[] } | null = null;

function cpuKernelOf(kernelName: string): tf.KernelFunc {
  const config = tf.getKernel(kernelName, 'cpu');
  if (config === undefined) throw new Error(`the cpu backend has no kernel '${kernelName}' to delegate to`);
  return config.kernelFunc;
}

/** Registers the 'native' backend and its kernels once per process. */
function register(addon: NativeAddon): string[] {
  const ctx: NativeKernelContext = { addon, cpuKernel: cpuKernelOf };
  const native = KERNEL_FAMILIES.flatMap((family) => family(ctx));
  const nativeNames = new Set(native.map((k) => k.kernelName));
  for (const config of tf.getKernelsForBackend('cpu')) {
    if (!nativeNames.has(config.kernelName)) tf.registerKernel({ ...config, backendName: NATIVE_BACKEND_NAME });
  }
  for (const config of native) tf.registerKernel(config);
  // Priority below every other backend: 'native' is only ever chosen explicitly.
  tf.registerBackend(
    NATIVE_BACKEND_NAME,
    () => {
      const backend = new MathBackendCPU();
      // MathBackendCPU's first write prints "install our node backend" advice, which is not for us.
      (backend as unknown as { firstUse: boolean }).firstUse = false;
      return backend;
    },
    -1,
  );
  return [...nativeNames].sort();
}

/** Whether 'native' is the active tfjs backend (the fused native ops apply). */
export function nativeBackendActive(): boolean {
  return registered !== null && tf.getBackend() === NATIVE_BACKEND_NAME;
}

/** The addon when the native backend has been registered in this process, else null. */
export function nativeAddon(): NativeAddon | null {
  return registered?.addon ?? null;
}

/**
 * Makes 'native' the active tfjs backend with `threads` kernel threads. `ok: false` (with why)
 * when the addon is missing or does not load; the caller falls back to the next backend.
 */
export async function initNativeCpuBackend(threads: number): Promise<NativeInitResult> {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`'threads' passed to initNativeCpuBackend() must be an integer >= 1 but got ${threads}`);
  }
  if (registered === null) {
    const loaded = loadNativeAddon();
    if (!loaded.ok) return loaded;
    registered = { addon: loaded.addon, kernels: register(loaded.addon) };
  }
  const { addon, kernels } = registered;
  const ok = await tf.setBackend(NATIVE_BACKEND_NAME);
  if (!ok) return { ok: false, reason: "the 'native' backend did not initialise" };
  const actual = addon.setThreads(threads);
  const info = addon.info();
  return { ok: true, threads: actual, isa: info.isa, bestIsa: info.bestIsa, nativeKernels: kernels, compiler: info.compiler ?? 'unknown' };
}
