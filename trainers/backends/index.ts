/** Backends of the trainer: selection and provenance, the kernels we add, the fast dense product. */
export { BACKEND_ORDER, determinismOf, selectBackend } from './select-backend.ts';
export { denseMatMul, type DenseMatMulOptions } from './dense-matmul.ts';
export { WASM_TRAINING_KERNEL_NAMES, registerWasmTrainingKernels, shippedWasmKernel } from './kernels/register.ts';
export { initWasmBackend, wasmBinaryPaths, type WasmInitResult } from './wasm.ts';
