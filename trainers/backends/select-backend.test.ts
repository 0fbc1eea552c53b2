import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BackendError } from '../errors.ts';
import { NATIVE_AVAILABLE, nativeSkipReason } from './native/native.fixture.ts';
import { isModuleNotFound } from './tfjs-node.ts';
import { BACKEND_ORDER, determinismOf, selectBackend } from './select-backend.ts';

const notInstalled = (name: string) => {
  const err = new Error(`Cannot find module '${name}'`) as Error & { code: string };
  err.code = 'MODULE_NOT_FOUND';
  throw err;
};

describe('selectBackend', () => {
  it('skips the native backends that are not installed here and picks wasm, saying why', async () => {
    const p = await selectBackend(['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'], 1, null);
    expect(p.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(p.version).toBe('4.22.0');
    expect(p.threads).toBe(1);
    expect(p.determinism).toBe('bit-exact');
    expect(p.details.build).toBe('simd');
    expect(p.details.registeredKernels).toBe('Conv2DBackpropFilter,Conv2DBackpropInput,MaxPoolGrad');
    expect(p.details['skipped.tfjs-node-gpu']).toBe('@tensorflow/tfjs-node-gpu is not installed (MODULE_NOT_FOUND)');
    expect(p.details['skipped.tfjs-node']).toBe('@tensorflow/tfjs-node is not installed (MODULE_NOT_FOUND)');
    expect(p.details.binaries).toMatch(/@tensorflow\/tfjs-backend-wasm\/dist$/);
  });

  it('honours an override and records it', async () => {
    const p = await selectBackend(['wasm'], 1, 'cpu');
    expect(p).toMatchObject({ name: 'cpu', version: tf.version_core, threads: 1, determinism: 'bit-exact' });
    expect(p.details.override).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('fails with BackendError (exit 4) when the only allowed backend is missing', async () => {
    const attempt = selectBackend(['wasm', 'cpu'], 1, 'tfjs-node', notInstalled);
    await expect(attempt).rejects.toBeInstanceOf(BackendError);
    await expect(attempt).rejects.toMatchObject({
      exitCode: 4,
      message: 'no backend initialised (tried tfjs-node): tfjs-node: @tensorflow/tfjs-node is not installed (MODULE_NOT_FOUND)',
    });
  });

  it('moves on from a native package that fails to load for another reason, recording the error', async () => {
    const broken = () => {
      throw new Error('libtensorflow.so.2: cannot open shared object file');
    };
    const p = await selectBackend(['tfjs-node', 'cpu'], 1, null, broken);
    expect(p.name).toBe('cpu');
    expect(p.details['skipped.tfjs-node']).toBe(
      '@tensorflow/tfjs-node failed to load: libtensorflow.so.2: cannot open shared object file',
    );
  });

  it('moves on from a native package that loads but registers no backend', async () => {
    const p = await selectBackend(['tfjs-node-gpu', 'wasm'], 1, null, () => ({}));
    expect(p.name).toBe('wasm');
    expect(p.details['skipped.tfjs-node-gpu']).toBe("@tensorflow/tfjs-node-gpu loaded but registered no 'tensorflow' backend");
  });

  it('rejects bad arguments with messages naming the value', async () => {
    await expect(selectBackend([], 1, null)).rejects.toThrow(/'preference' passed to selectBackend\(\) is empty/);
    await expect(selectBackend(['wasm'], 0, null)).rejects.toThrow("'threads' passed to selectBackend() must be an integer >= 1 but got 0");
    await expect(selectBackend(['gpu' as never], 1, null)).rejects.toThrow(
      "unknown backend 'gpu'; known backends are tfjs-node-gpu, tfjs-node, native, wasm, cpu",
    );
  });

  it('keeps the thread count of the first wasm initialisation and says so', async () => {
    const p = await selectBackend(['wasm'], 3, null);
    expect(p.threads).toBe(1);
    expect(p.determinism).toBe('bit-exact');
    expect(p.details.threadsNote).toBe('asked for 3 threads, but wasm was already initialised in this process with 1');
  });
});

describe.skipIf(!NATIVE_AVAILABLE)(`selectBackend with the native addon${NATIVE_AVAILABLE ? '' : ` (skipped: ${nativeSkipReason()})`}`, () => {
  it('prefers native to wasm in the canonical order, with its ISA, threads and kernels recorded', async () => {
    expect(BACKEND_ORDER.indexOf('native')).toBe(BACKEND_ORDER.indexOf('wasm') - 1);
    const p = await selectBackend([...BACKEND_ORDER], 2, null);
    expect(p.name).toBe('native');
    expect(tf.getBackend()).toBe('native');
    expect(p.threads).toBe(2);
    expect(p.determinism).toBe('bit-exact');
    expect(['avx512', 'avx2', 'generic']).toContain(p.details.isa);
    expect(p.details.sparseKernels).toMatch(/^masked dense layers at density <= 0\.25|^off \(RIGL_NATIVE_SPARSE=off\)/);
    expect(p.details.registeredKernels!.split(',')).toEqual(expect.arrayContaining(['BatchMatMul', 'RiglSoftmaxCrossEntropy']));
    expect(p.details['skipped.tfjs-node']).toBe('@tensorflow/tfjs-node is not installed (MODULE_NOT_FOUND)');
  });
});

describe('determinismOf', () => {
  it('calls native at any thread count, single-threaded wasm and cpu bit-exact', () => {
    expect(determinismOf('native', 1)).toBe('bit-exact');
    expect(determinismOf('native', 2)).toBe('bit-exact');
    expect(determinismOf('cpu', 1)).toBe('bit-exact');
    expect(determinismOf('wasm', 1)).toBe('bit-exact');
    expect(determinismOf('wasm', 2)).toBe('nondeterministic');
    expect(determinismOf('tfjs-node', 2)).toBe('nondeterministic');
    expect(determinismOf('tfjs-node-gpu', 1)).toBe('nondeterministic');
  });
});

describe('isModuleNotFound', () => {
  it('recognises require and import errors for the named package only', () => {
    const err = (code: string, message: string) => Object.assign(new Error(message), { code });
    expect(isModuleNotFound(err('MODULE_NOT_FOUND', "Cannot find module '@tensorflow/tfjs-node'"), '@tensorflow/tfjs-node')).toBe(true);
    expect(isModuleNotFound(err('ERR_MODULE_NOT_FOUND', "Cannot find package '@tensorflow/tfjs-node'"), '@tensorflow/tfjs-node')).toBe(true);
    // A dependency of the package missing is a broken install, not an absent package.
    expect(isModuleNotFound(err('MODULE_NOT_FOUND', "Cannot find module 'node-gyp-build'"), '@tensorflow/tfjs-node')).toBe(false);
    expect(isModuleNotFound(new Error('boom'), '@tensorflow/tfjs-node')).toBe(false);
  });
});
