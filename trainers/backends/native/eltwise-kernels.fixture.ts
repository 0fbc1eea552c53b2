/**
 * For tests of the native eltwise kernels (eltwise-kernels.ts): cases that run one tfjs op on the
 * active backend from fixed host data (random normals with NaN, ±Infinity, ±0 and extreme values
 * mixed in), and a check that runs every case on tfjs's 'cpu' backend and on 'native' and compares
 * them. Used in-process by eltwise-kernels.test.ts and, with another RIGL_NATIVE_ISA, by
 * eltwise-kernels.isa-check.ts in a child process.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { keyedRandom } from '../../random.ts';
import type { NativeAddon } from './addon.ts';
import { NATIVE_BACKEND_NAME } from './kernel-support.ts';

/** Which addon function a case must reach, or 'cpu' for a case the native kernel hands to the cpu backend. */
export type EltwisePath = 'binary' | 'unary' | 'reduce' | 'transpose' | 'cpu';

export interface EltwiseCase {
  label: string;
  path: EltwisePath;
  /**
   * 'exact': the same float32 bits as the cpu backend (any NaN equals any NaN; +0 and −0 differ).
   * 'last-bit': within one unit in the last place (Exp, Log: the C library's exp / log in double
   * against V8's Math.exp / Math.log, both rounded to float32; Sum, Mean of rows of 1024 values or
   * more: interleaved double partial sums against one sequential double sum).
   */
  tolerance: 'exact' | 'last-bit';
  /** Runs the op on the active backend. */
  run(): tf.Tensor;
}

/** Values that every input mixes in, one every 11 elements. */
const SPECIALS = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 1e-40, -3e38, 3e38, 1, -1];

function hostValues(size: number, ...key: (string | number)[]): Float32Array {
  const rng = keyedRandom('eltwise-fixture', ...key);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = i % 11 === 5 ? SPECIALS[(i / 11) % SPECIALS.length | 0]! : 3 * rng.nextNormal();
  return out;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A tensor factory for a fixed shape and fixed values. */
function input(shape: number[], ...key: (string | number)[]): () => tf.Tensor {
  const values = hostValues(sizeOf(shape), ...key, shape.join('x'));
  return () => tf.tensor(values, shape, 'float32');
}

type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum';
const BINARY_OPS: Record<BinaryOp, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor> = {
  add: tf.add,
  sub: tf.sub,
  mul: tf.mul,
  div: tf.div,
  maximum: tf.maximum,
  minimum: tf.minimum,
};

/** Shape pairs for the binary ops: each broadcast form, and forms left to the cpu kernel. */
const BINARY_SHAPES: Array<{ a: number[]; b: number[]; path: 'binary' | 'cpu'; what: string }> = [
  { a: [7, 13], b: [7, 13], path: 'binary', what: 'same shape' },
  { a: [1], b: [1], path: 'binary', what: 'one element' },
  { a: [5, 11], b: [], path: 'binary', what: 'scalar b' },
  { a: [], b: [5, 11], path: 'binary', what: 'scalar a' },
  { a: [4, 6, 6, 9], b: [9], path: 'binary', what: 'channel b' },
  { a: [9], b: [4, 6, 6, 9], path: 'binary', what: 'channel a' },
  { a: [3, 1, 1, 5], b: [3, 4, 4, 5], path: 'binary', what: 'per-image a over H, W' },
  { a: [6, 7], b: [6, 1], path: 'binary', what: 'column b' },
  { a: [1, 1, 5], b: [4, 5], path: 'binary', what: 'higher-rank unit axes' },
  { a: [5], b: [1, 5], path: 'binary', what: 'same size, other rank' },
  { a: [2, 1, 3], b: [2, 4, 3], path: 'binary', what: 'middle b' },
  { a: [4, 1], b: [1, 5], path: 'cpu', what: 'both sides broadcast' },
  { a: [3, 1, 4, 1], b: [3, 5, 4, 6], path: 'cpu', what: 'two separate runs' },
];

export function binaryCases(): EltwiseCase[] {
  const cases: EltwiseCase[] = [];
  for (const [name, op] of Object.entries(BINARY_OPS)) {
    for (const { a, b, path, what } of BINARY_SHAPES) {
      const x = input(a, name, 'a');
      const y = input(b, name, 'b');
      cases.push({ label: `${name} [${a}] ⊙ [${b}] (${what})`, path, tolerance: 'exact', run: () => op(x(), y()) });
    }
  }
  const ints = [Int32Array.from([1, 2, 3]), Int32Array.from([4, -5, 6])] as const;
  cases.push({ label: 'add int32 (cpu kernel)', path: 'cpu', tolerance: 'exact', run: () => tf.add(tf.tensor(ints[0], [3], 'int32'), tf.tensor(ints[1], [3], 'int32')) });
  cases.push({
    label: 'mul of a float32 cast from int32 (int32 store, cpu kernel)',
    path: 'cpu',
    tolerance: 'exact',
    run: () => tf.mul(tf.cast(tf.tensor(ints[0], [3], 'int32'), 'float32'), tf.tensor([0.5, 1.5, -2], [3])),
  });
  return cases;
}

type UnaryOp = 'relu' | 'step' | 'step0.3' | 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'square' | 'abs' | 'reciprocal';
const UNARY_OPS: Record<UnaryOp, (x: tf.Tensor) => tf.Tensor> = {
  relu: tf.relu,
  step: (x) => tf.step(x),
  'step0.3': (x) => tf.step(x, 0.3),
  neg: tf.neg,
  exp: tf.exp,
  log: tf.log,
  sqrt: tf.sqrt,
  rsqrt: tf.rsqrt,
  square: tf.square,
  abs: tf.abs,
  reciprocal: tf.reciprocal,
};

export function unaryCases(): EltwiseCase[] {
  const cases: EltwiseCase[] = [];
  for (const [name, op] of Object.entries(UNARY_OPS)) {
    for (const shape of [[], [1], [7, 13], [3, 5, 5, 2]]) {
      const x = input(shape, name);
      cases.push({ label: `${name} [${shape}]`, path: 'unary', tolerance: name === 'exp' || name === 'log' ? 'last-bit' : 'exact', run: () => op(x()) });
    }
  }
  return cases;
}

type ReduceOp = 'sum' | 'mean' | 'max';
const REDUCE_OPS: Record<ReduceOp, (x: tf.Tensor, axis: number | number[] | undefined, keepDims: boolean) => tf.Tensor> = {
  sum: tf.sum,
  mean: tf.mean,
  max: tf.max,
};

const REDUCE_SHAPES: Array<{ shape: number[]; axis: number | number[] | undefined; keepDims: boolean; path: 'reduce' | 'cpu' }> = [
  { shape: [7, 13], axis: -1, keepDims: false, path: 'reduce' },
  { shape: [7, 13], axis: 0, keepDims: false, path: 'reduce' },
  { shape: [7, 13], axis: undefined, keepDims: false, path: 'reduce' },
  { shape: [7, 13], axis: [0, 1], keepDims: true, path: 'reduce' },
  { shape: [4, 5, 6, 7], axis: [1, 2], keepDims: false, path: 'reduce' },
  { shape: [4, 5, 6, 7], axis: [0, 1, 2], keepDims: true, path: 'reduce' },
  { shape: [4, 1, 6, 7], axis: [0, 2], keepDims: false, path: 'reduce' },
  { shape: [9, 3], axis: 1, keepDims: true, path: 'reduce' },
  { shape: [5, 300], axis: 1, keepDims: false, path: 'reduce' },
  { shape: [6], axis: [], keepDims: false, path: 'reduce' },
  { shape: [3, 2000], axis: -1, keepDims: false, path: 'reduce' },
  { shape: [4099], axis: undefined, keepDims: false, path: 'reduce' },
  { shape: [2, 3, 4], axis: [0, 2], keepDims: false, path: 'cpu' },
];

/** Sum and Mean add rows of 1024 values or more in interleaved partial sums (native/src/eltwise.cc). */
const LONG_ROW = 1024;

function reduceTolerance(op: ReduceOp, shape: number[], axis: number | number[] | undefined): EltwiseCase['tolerance'] {
  if (op === 'max') return 'exact';
  const axes = axis === undefined ? shape.map((_, d) => d) : typeof axis === 'number' ? [axis < 0 ? shape.length + axis : axis] : axis;
  const lastReduced = axes.includes(shape.length - 1);
  const rowLength = axes.reduce((size, d) => size * shape[d]!, 1);
  return lastReduced && rowLength >= LONG_ROW ? 'last-bit' : 'exact';
}

/** Inputs without NaN or infinities, so that sums stay finite and rounding is what is compared. */
function finiteInput(shape: number[], ...key: (string | number)[]): () => tf.Tensor {
  const rng = keyedRandom('eltwise-fixture', 'finite', ...key, shape.join('x'));
  const values = Float32Array.from({ length: sizeOf(shape) }, () => 100 * rng.nextNormal());
  return () => tf.tensor(values, shape, 'float32');
}

export function reduceCases(): EltwiseCase[] {
  const cases: EltwiseCase[] = [];
  for (const [name, op] of Object.entries(REDUCE_OPS)) {
    for (const { shape, axis, keepDims, path } of REDUCE_SHAPES) {
      const label = `${name} [${shape}] axis ${JSON.stringify(axis)}${keepDims ? ' keepDims' : ''}`;
      const tolerance = reduceTolerance(name as ReduceOp, shape, axis);
      const x = finiteInput(shape, name);
      cases.push({ label, path, tolerance, run: () => op(x(), axis, keepDims) });
      const special = input(shape, name, 'special');
      cases.push({ label: `${label} with NaN/Inf`, path, tolerance, run: () => op(special(), axis, keepDims) });
    }
  }
  return cases;
}

const TRANSPOSES: Array<{ shape: number[]; perm: number[] }> = [
  { shape: [7, 13], perm: [1, 0] },
  { shape: [33, 17], perm: [1, 0] },
  { shape: [2, 3, 4, 5], perm: [0, 3, 1, 2] },
  { shape: [2, 3, 4, 5], perm: [0, 2, 3, 1] },
  { shape: [2, 3, 4, 5], perm: [3, 2, 1, 0] },
  { shape: [2, 3, 4, 5], perm: [1, 0, 2, 3] },
  { shape: [2, 3, 4, 5], perm: [0, 1, 3, 2] },
  { shape: [2, 3, 4, 5], perm: [0, 1, 2, 3] },
  { shape: [3, 1, 4], perm: [2, 1, 0] },
  { shape: [2, 3, 1, 4, 2, 3], perm: [5, 0, 4, 2, 1, 3] },
  { shape: [1, 5], perm: [1, 0] },
];

export function transposeCases(): EltwiseCase[] {
  const cases: EltwiseCase[] = TRANSPOSES.map(({ shape, perm }) => {
    const x = input(shape, 'transpose');
    return { label: `transpose [${shape}] perm [${perm}]`, path: 'transpose', tolerance: 'exact', run: () => tf.transpose(x(), perm) };
  });
  cases.push({ label: 'transpose int32 (cpu kernel)', path: 'cpu', tolerance: 'exact', run: () => tf.transpose(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32')) });
  return cases;
}

/** Every small case. */
export function eltwiseCases(): EltwiseCase[] {
  return [...binaryCases(), ...unaryCases(), ...reduceCases(), ...transposeCases()];
}

/** Cases of at least 256K elements (2^18), which native/src/eltwise.cc splits over the thread pool. */
export function parallelCases(): EltwiseCase[] {
  const big = input([8, 32, 32, 33], 'big');
  const bias = input([33], 'big-bias');
  const perImage = input([8, 1, 1, 33], 'big-image');
  const matrix = input([521, 509], 'big-matrix');
  const finite = finiteInput([521, 509], 'big-finite');
  const finite4 = finiteInput([8, 32, 32, 33], 'big-finite');
  const cases: EltwiseCase[] = [
    { label: 'big mul same shape', path: 'binary', tolerance: 'exact', run: () => tf.mul(big(), big()) },
    { label: 'big add channel bias', path: 'binary', tolerance: 'exact', run: () => tf.add(big(), bias()) },
    { label: 'big sub per-image a', path: 'binary', tolerance: 'exact', run: () => tf.sub(perImage(), big()) },
    { label: 'big div scalar', path: 'binary', tolerance: 'exact', run: () => tf.div(big(), tf.scalar(3)) },
    { label: 'big relu', path: 'unary', tolerance: 'exact', run: () => tf.relu(big()) },
    { label: 'big exp', path: 'unary', tolerance: 'last-bit', run: () => tf.exp(matrix()) },
    { label: 'big sum last axis', path: 'reduce', tolerance: 'exact', run: () => tf.sum(finite(), -1) },
    { label: 'big sum first axis', path: 'reduce', tolerance: 'exact', run: () => tf.sum(finite(), 0) },
    { label: 'big sum all', path: 'reduce', tolerance: 'last-bit', run: () => tf.sum(finite()) },
    { label: 'big mean over H, W', path: 'reduce', tolerance: 'exact', run: () => tf.mean(finite4(), [1, 2]) },
    { label: 'big mean over N, H, W', path: 'reduce', tolerance: 'exact', run: () => tf.mean(finite4(), [0, 1, 2]) },
    { label: 'big max last axis', path: 'reduce', tolerance: 'exact', run: () => tf.max(big(), -1) },
    { label: 'big transpose 2-D', path: 'transpose', tolerance: 'exact', run: () => tf.transpose(matrix()) },
    { label: 'big transpose NHWC→NCHW', path: 'transpose', tolerance: 'exact', run: () => tf.transpose(big(), [0, 3, 1, 2]) },
    { label: 'big transpose NCHW→NHWC', path: 'transpose', tolerance: 'exact', run: () => tf.transpose(big(), [0, 2, 3, 1]) },
    { label: 'big transpose keep last axis', path: 'transpose', tolerance: 'exact', run: () => tf.transpose(big(), [1, 0, 2, 3]) },
  ];
  return cases;
}

interface Result {
  shape: number[];
  dtype: string;
  values: Float32Array | Int32Array;
}

async function runOn(backend: string, c: EltwiseCase): Promise<Result> {
  await tf.setBackend(backend);
  const t = tf.tidy(() => c.run());
  const result = { shape: t.shape, dtype: t.dtype, values: t.dataSync() as Float32Array | Int32Array };
  t.dispose();
  return result;
}

/** The index and values of the first mismatch, or null. */
function firstMismatch(got: Float32Array | Int32Array, want: Float32Array | Int32Array, tolerance: EltwiseCase['tolerance']): string | null {
  if (got.length !== want.length) return `${got.length} values, want ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w))) continue;
    // One float32 ulp of w is 2^(exponent − 23); allow it (Exp, Log).
    if (tolerance === 'last-bit' && Number.isFinite(w) && Math.abs(g - w) <= Math.abs(w) * 2 ** -23) continue;
    return `[${i}] = ${g}, want ${w}`;
  }
  return null;
}

/** Bitwise equality of two float32 arrays (the threads check: NaN payloads included). */
function sameBits(a: Float32Array | Int32Array, b: Float32Array | Int32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return ua.every((v, i) => v === ub[i]);
}

/**
 * Runs each case on 'cpu' and on 'native' (which must be registered) and returns one line per
 * failure. With `threads`, the native run is repeated at each thread count and must give the same
 * bits at all of them.
 */
export async function checkCases(cases: EltwiseCase[], addon: NativeAddon, threads: number[] = []): Promise<string[]> {
  const failures: string[] = [];
  const before = tf.getBackend();
  try {
    for (const c of cases) {
      const want = await runOn('cpu', c);
      const got = await runOn(NATIVE_BACKEND_NAME, c);
      if (got.dtype !== want.dtype || got.shape.join(',') !== want.shape.join(',')) {
        failures.push(`${c.label}: ${got.dtype} [${got.shape}], want ${want.dtype} [${want.shape}]`);
        continue;
      }
      const mismatch = firstMismatch(got.values, want.values, c.tolerance);
      if (mismatch !== null) failures.push(`${c.label}: ${mismatch}`);
      if (threads.length > 0) {
        const saved = addon.info().threads;
        for (const n of threads) {
          addon.setThreads(n);
          const again = await runOn(NATIVE_BACKEND_NAME, c);
          if (!sameBits(again.values, got.values)) failures.push(`${c.label}: ${n} threads give other bits than ${saved}`);
        }
        addon.setThreads(saved);
      }
    }
  } finally {
    await tf.setBackend(before);
  }
  return failures;
}

/** Counts the addon's eltwise calls while `fn` runs, by wrapping the four functions. */
export async function countAddonCalls(addon: NativeAddon, fn: () => Promise<void>): Promise<Record<Exclude<EltwisePath, 'cpu'>, number>> {
  const counts = { binary: 0, unary: 0, reduce: 0, transpose: 0 };
  const names = Object.keys(counts) as Array<keyof typeof counts>;
  const originals = names.map((name) => addon[name]);
  names.forEach((name, k) => {
    const original = originals[k] as (...args: unknown[]) => void;
    (addon as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      counts[name]++;
      original(...args);
    };
  });
  try {
    await fn();
  } finally {
    names.forEach((name, k) => {
      (addon as unknown as Record<string, unknown>)[name] = originals[k];
    });
  }
  return counts;
}
