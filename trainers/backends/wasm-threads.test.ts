import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BackendProvenance } from '../run-summary.ts';
import { float32Tolerance } from './backends.fixture.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

/** Runs the probe in a fresh process (the thread count is fixed per process) and parses its line. */
function probe(threads: number): { status: number | null; provenance: BackendProvenance; diffs: { maxAbsDiff: number; scale: number }[] } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'wasm-threads.probe.ts'), String(threads)], {
    cwd: root,
    encoding: 'utf8',
    timeout: 90_000, // a process held open by its worker threads would hit this
  });
  const line = result.stdout.split('\n').find((l) => l.startsWith('{'));
  if (line === undefined) throw new Error(`probe printed no result (status ${result.status}, signal ${result.signal}): ${result.stderr}`);
  return { status: result.status, ...(JSON.parse(line) as { provenance: BackendProvenance; diffs: { maxAbsDiff: number; scale: number }[] }) };
}

describe('multi-threaded wasm in Node', () => {
  it('starts 2 threads through the shim, computes what cpu computes, and lets the process exit', () => {
    const { status, provenance, diffs } = probe(2);
    expect(status).toBe(0);
    expect(provenance).toMatchObject({ name: 'wasm', threads: 2, determinism: 'nondeterministic' });
    expect(provenance.details.build).toBe('threaded-simd');
    expect(provenance.details.threadsFallback).toBeUndefined();
    // dx and dW of a stride-2 conv (our kernels) and a matMul: 3·3·32, 4·6·6 and 300 terms per sum.
    const terms = [3 * 3 * 32, 4 * 6 * 6, 300];
    diffs.forEach((d, i) => expect(d.maxAbsDiff).toBeLessThanOrEqual(float32Tolerance(d.scale, terms[i]!)));
  });

  it('one thread uses the SIMD build without the shim', () => {
    const { status, provenance } = probe(1);
    expect(status).toBe(0);
    expect(provenance).toMatchObject({ name: 'wasm', threads: 1, determinism: 'bit-exact' });
    expect(provenance.details.build).toBe('simd');
  });
});
