/**
 * Child process of sparse-kernels.test.ts: runs the dense-layer kernel cases on the native backend
 * with the ISA that RIGL_NATIVE_ISA selects and prints one JSON line
 * { isa, cases, failures } (failures: mismatches against the float64 reference).
 *   RIGL_NATIVE_ISA=generic node --import tsx trainers/backends/native/sparse-kernels.isa-check.ts
 */
import '../gradients.ts';
import { initNativeCpuBackend } from './backend.ts';
import { checkCases, kernelCases, parallelCases } from './sparse-kernels.fixture.ts';

const init = await initNativeCpuBackend(2);
if (!init.ok) {
  process.stdout.write(`${JSON.stringify({ isa: null, cases: 0, failures: [init.reason] })}\n`);
  throw new Error(init.reason);
}
const cases = [...kernelCases(), ...parallelCases()];
const failures = checkCases(cases);
process.stdout.write(`${JSON.stringify({ isa: init.isa, cases: cases.length, failures })}\n`);
