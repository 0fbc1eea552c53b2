/**
 * Child process of conv-kernels.test.ts: runs the conv and pooling cases on the native backend
 * (and the fused conv + bias + ReLU) with the ISA that RIGL_NATIVE_ISA selects (a process fixes its ISA at load) and prints one JSON
 * line { isa, cases, failures } (failures: mismatches against tfjs's cpu backend).
 *   RIGL_NATIVE_ISA=generic node --import tsx trainers/backends/native/conv-kernels.isa-check.ts
 */
import '@tensorflow/tfjs-backend-cpu';
import '../gradients.ts';
import { initNativeCpuBackend } from './backend.ts';
import { CONV_CASES, FUSED_CONV_CASES, POOL_CASES, mismatchesAgainstCpu } from './conv-kernels.fixture.ts';

const init = await initNativeCpuBackend(2);
if (!init.ok) {
  process.stdout.write(`${JSON.stringify({ isa: null, cases: 0, failures: [init.reason] })}\n`);
  throw new Error(init.reason);
}
const failures = await mismatchesAgainstCpu();
process.stdout.write(`${JSON.stringify({ isa: init.isa, cases: CONV_CASES.length + POOL_CASES.length + FUSED_CONV_CASES.length, failures })}\n`);
