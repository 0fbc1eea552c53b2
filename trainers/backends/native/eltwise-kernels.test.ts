import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NativeAddon } from './addon.ts';
import { initNativeCpuBackend, nativeAddon } from './backend.ts';
import {
  type EltwiseCase,
  binaryCases,
  checkCases,
  countAddonCalls,
  eltwiseCases,
  parallelCases,
  reduceCases,
  transposeCases,
  unaryCases,
} from './eltwise-kernels.fixture.ts';
import { ISA_ORDER, NATIVE_AVAILABLE, effectiveIsa, nativeSkipReason, runIsaCheck } from './native.fixture.ts';


describe.skipIf(!NATIVE_AVAILABLE)(`native eltwise kernels${NATIVE_AVAILABLE ? '' : ` (skipped: ${nativeSkipReason()})`}`, () => {
  let addon: NativeAddon;
  beforeAll(async () => {
    const init = await initNativeCpuBackend(1);
    if (!init.ok) throw new Error(init.reason);
    addon = nativeAddon()!;
    await tf.setBackend('cpu');
  });

  const groups: Array<[string, () => EltwiseCase[]]> = [
    ['binary ops (each broadcast form)', binaryCases],
    ['unary ops', unaryCases],
    ['Sum, Mean, Max', reduceCases],
    ['Transpose', transposeCases],
  ];
  for (const [what, cases] of groups) {
    it(`${what} equal the cpu backend, NaN and infinities included`, async () => {
      expect(await checkCases(cases(), addon)).toEqual([]);
    });
  }

  it('run natively where they say so and hand the rest to the cpu kernels', async () => {
    const wrong: string[] = [];
    await tf.setBackend('native');
    for (const c of [...eltwiseCases(), ...parallelCases()]) {
      const counts = await countAddonCalls(addon, async () => {
        tf.tidy(() => c.run()).dispose();
      });
      const total = counts.binary + counts.unary + counts.reduce + counts.transpose;
      if (c.path === 'cpu' ? total !== 0 : counts[c.path] === 0) wrong.push(`${c.label}: ${JSON.stringify(counts)}`);
    }
    await tf.setBackend('cpu');
    expect(wrong).toEqual([]);
  });

  it('leak no tensors', async () => {
    await tf.setBackend('native');
    const before = tf.memory().numTensors;
    for (const c of eltwiseCases()) tf.tidy(() => c.run()).dispose();
    expect(tf.memory().numTensors).toBe(before);
    await tf.setBackend('cpu');
  });

  it('give the same bits at 1 and 2 threads on tensors large enough to be split', async () => {
    const cases = parallelCases();
    expect(await checkCases(cases, addon, [1, 2])).toEqual([]);
  });

  for (const isa of ISA_ORDER) {
    it(`equal the cpu backend with RIGL_NATIVE_ISA=${isa} (child process, 2 threads)`, async () => {
      const report = await runIsaCheck('eltwise-kernels.isa-check.ts', isa);
      expect(report.isa).toBe(effectiveIsa(isa));
      expect(report.failures).toEqual([]);
      expect(report.cases).toBe(eltwiseCases().length + parallelCases().length);
    }, 120_000);
  }
});
