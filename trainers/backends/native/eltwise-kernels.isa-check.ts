/**
 * Child process of eltwise-kernels.test.ts: runs the eltwise cases on the native backend with the
 * ISA that RIGL_NATIVE_ISA selects (the parallel ones at 1 and 2 threads too) and prints one JSON
 * line { isa, cases, failures } (failures: mismatches against the cpu backend).
 *   RIGL_NATIVE_ISA=generic node --import tsx trainers/backends/native/eltwise-kernels.isa-check.ts
 */
import { initNativeCpuBackend, nativeAddon } from './backend.ts';
import { checkCases, eltwiseCases, parallelCases } from './eltwise-kernels.fixture.ts';

const init = await initNativeCpuBackend(2);
if (!init.ok) {
  process.stdout.write(`${JSON.stringify({ isa: null, cases: 0, failures: [init.reason] })}\n`);
  throw new Error(init.reason);
}
const addon = nativeAddon()!;
const small = eltwiseCases();
const big = parallelCases();
const failures = [...(await checkCases(small, addon)), ...(await checkCases(big, addon, [1, 2]))];
process.stdout.write(`${JSON.stringify({ isa: init.isa, cases: small.length + big.length, failures })}\n`);
