/**
 * The bench cannot rot: every case function runs once (the --quick way, no timing assertions),
 * the 2-thread child process once, the harness cases on a few items, the peer and whole-run
 * plumbing against stub scripts, and the statistics, options, orchestration and rendering on
 * hand-made inputs. The native cases run when the addon loads (RIGL_NATIVE_ADDON may point at a
 * development build); they are skipped with the reason otherwise, except under
 * RIGL_NATIVE_REQUIRED=1, where a missing addon fails.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../harness/errors.ts';
import { loadManifestFile } from '../harness/manifest/load.ts';
import { loadNativeAddon } from '../trainers/backends/native/addon.ts';
import { describeModel } from '../trainers/models/index.ts';
import { allocateLayers } from '../trainers/sparsity/distributions.ts';
import {
  CASES,
  CURVE_SPARSITIES,
  STEP_MODELS,
  caseById,
  selectCases,
  type BenchCaseDefinition,
  type WholeRunCaseDefinition,
} from './catalogue.ts';
import { expandSuiteCase, validateAndHashCase, verifyStoredRunsCase } from './cases/harness-costs.ts';
import { createMaskUpdateCase, createStepCase } from './cases/training-steps.ts';
import { parseCaseLines, runChild, formatCaseLine } from './child-protocol.ts';
import { BenchCaseError } from './errors.ts';
import { machineSlug, type MachineInfo } from './machine.ts';
import { measure } from './measure.ts';
import { loadNote, runBench, type BenchRunners } from './orchestrate.ts';
import { DEFAULT_RESULTS_DIR, parseBenchArgs, type BenchOptions } from './options.ts';
import { DEFAULT_PEER_PYTHON, STEPS_SCRIPT, detectPeer, parsePeerLines, runPeerSteps, type PeerStepResult } from './peer.ts';
import { FMNIST_CLASSES, FMNIST_INPUT, quickRecipe, recipeAtSparsity } from './recipe.ts';
import { curveRows, formatMs, renderMarkdown, renderText, renderTextTable, tableRows, throughputText, wholeRunRows } from './render.ts';
import { writeResults } from './results-files.ts';
import { median, peerRatio, quantileOfSorted, summarize } from './stats.ts';
import { activateBackend, isTensorCase, runTensorCase, type TensorCaseResult } from './tensor-cases.ts';
import { runOursWholeRun, runPeerWholeRun, wholeRunManifest, writeRunManifest, type WholeRunSide } from './whole-run.ts';

/** Whether the native cases can run here; under RIGL_NATIVE_REQUIRED=1 a missing addon is a failure. */
const native = loadNativeAddon();
const nativeRequired = process.env.RIGL_NATIVE_REQUIRED === '1';
const skipNative = !native.ok && !nativeRequired;
if (skipNative) console.warn(`bench.test.ts: native cases skipped: ${native.ok ? '' : native.reason}`);

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'rigl-bench-test-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('statistics', () => {
  it('quantiles interpolate linearly between order statistics (numpy default)', () => {
    expect(quantileOfSorted([1, 2, 3, 4], 0.25)).toBe(1.75); // position 0.75 between 1 and 2
    expect(quantileOfSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileOfSorted([7], 0.9)).toBe(7);
    expect(median([5, 1, 3])).toBe(3);
    expect(() => quantileOfSorted([], 0.5)).toThrowError(/at least 1 sample but got 0/);
    expect(() => quantileOfSorted([1], 1.5)).toThrowError(/'q'.*\[0, 1\] but got 1.5/);
  });

  it('summarize gives median, mean, extremes and quartiles of unsorted samples', () => {
    expect(summarize([4, 1, 3, 2])).toEqual({ n: 4, medianMs: 2.5, meanMs: 2.5, minMs: 1, maxMs: 4, p25Ms: 1.75, p75Ms: 3.25 });
    expect(() => summarize([1, Number.NaN])).toThrowError(/finite and >= 0 but holds NaN/);
  });

  it('the ratio pools every round, and each round is also compared on its own', () => {
    // ours pooled [10, 20, 30, 40] → 25; PyTorch pooled [5, 5, 10, 10] → 7.5; rounds 20/5 and 40/10.
    const r = peerRatio([[10, 30, 20], [40]], [[5, 5, 10], [10]]);
    expect(r.ratio).toBeCloseTo(25 / 7.5, 12);
    expect(r.perRound).toEqual([4, 4]);
    expect(peerRatio([[10], []], [[5], [5]]).perRound).toEqual([2]);
    expect(() => peerRatio([[1]], [[]])).toThrowError(/1 of ours and 0 of PyTorch/);
  });
});

describe('options', () => {
  it('a full run writes to results/bench with 3 rounds; --quick runs 1 round and writes nothing', () => {
    const full = parseBenchArgs([], {});
    expect(full).toMatchObject({ quick: false, only: null, rounds: 3, peer: true, python: '/usr/bin/python3', outDir: DEFAULT_RESULTS_DIR });
    const quick = parseBenchArgs(['--quick'], {});
    expect(quick).toMatchObject({ quick: true, rounds: 1, outDir: null });
    expect(parseBenchArgs(['--only', 'step/mlp, harness/'], {}).only).toEqual(['step/mlp', 'harness/']);
    expect(parseBenchArgs(['--only', 'x'], {}).outDir).toBeNull();
    expect(parseBenchArgs(['--quick', '--out', 'somewhere'], {}).outDir).toBe(path.resolve('somewhere'));
    expect(parseBenchArgs(['--no-peer', '--rounds', '5'], { PEER_PYTHON: '/opt/py' })).toMatchObject({ peer: false, rounds: 5, python: '/opt/py' });
  });

  it('bad flags are usage errors that name the flag and the value', () => {
    expect(() => parseBenchArgs(['--rounds', '0'], {})).toThrowError(UsageError);
    expect(() => parseBenchArgs(['--rounds', '2.5'], {})).toThrowError(/--rounds "2.5": expected an integer from 1 to 100/);
    expect(() => parseBenchArgs(['--only', ' , '], {})).toThrowError(/--only " , ": expected at least one non-empty substring/);
    expect(() => parseBenchArgs(['--fast'], {})).toThrowError(/Unknown option '--fast'/);
  });
});

describe('catalogue', () => {
  it('ids are unique, and every step case names a case that steps.py defines', async () => {
    expect(new Set(CASES.map((c) => c.id)).size).toBe(CASES.length);
    const stepsSource = await readFile(STEPS_SCRIPT, 'utf8');
    const peerCases = /^CASES = \(([^)]*)\)/m.exec(stepsSource)?.[1]?.match(/"([^"]+)"/g)?.map((s) => s.slice(1, -1));
    expect(peerCases).toEqual([...STEP_MODELS]);
    for (const c of CASES) if (c.kind === 'step') expect(peerCases).toContain(c.peer.case);
  });

  it('every step model runs on native with 1 and 2 threads, each compared with the peer at that thread count', () => {
    for (const model of STEP_MODELS) {
      for (const threads of [1, 2] as const) {
        const c = caseById(`step/${model}/native-${threads}t`);
        expect(c).toMatchObject({ kind: 'step', model, target: { backend: 'native', threads }, peer: { case: model, threads } });
      }
    }
    // The RigL step: sparse kernels on native, dense-masked on wasm; the peer dense-masked at the same sparsity.
    expect(caseById('step/rigl-mlp/native-1t')).toMatchObject({ sparsity: 0.9, maskedPath: 'sparse', section: 'steps', peer: { sparsity: 0.9 } });
    expect(caseById('step/rigl-mlp/wasm-1t')).toMatchObject({ sparsity: 0.9, maskedPath: 'dense-masked', title: 'RigL ERK 90 % MLP step (dense-masked)' });
    expect(caseById('step/mlp/native-2t')).toMatchObject({ sparsity: null, maskedPath: null, peer: { sparsity: null } });
  });

  it('the sparsity curve covers 0.5-0.98 on native with 1 and 2 threads; 0.9 is the main table\'s RigL step', () => {
    for (const threads of [1, 2]) {
      const points = CASES.filter((c) => c.kind === 'step' && c.model === 'rigl-mlp' && c.target.backend === 'native' && c.target.threads === threads);
      expect(points.map((c) => (c.kind === 'step' ? c.sparsity : null)).sort()).toEqual([...CURVE_SPARSITIES].sort());
      for (const c of points) if (c.kind === 'step') expect(c.peer).toEqual({ case: 'rigl-mlp', threads, sparsity: c.sparsity });
    }
    expect(caseById('sparsity-curve/rigl-mlp-0.98/native-2t')).toMatchObject({ section: 'sparsity-curve', title: 'RigL ERK 98 % MLP step (sparse kernels)' });
  });

  it('the whole runs are dense and RigL ERK 0.90 on one native thread, pinned to one core, 20 epochs', () => {
    const runs = CASES.filter((c): c is WholeRunCaseDefinition => c.kind === 'whole-run');
    expect(runs.map((c) => [c.id, c.method, c.target, c.cpu, c.epochs.full])).toEqual([
      ['whole-run/fmnist-lenet300/dense/native-1t', { name: 'dense' }, { backend: 'native', threads: 1 }, 0, 20],
      ['whole-run/fmnist-lenet300/rigl-erk-0.90/native-1t', { name: 'rigl', distribution: 'erk', sparsity: 0.9 }, { backend: 'native', threads: 1 }, 0, 20],
    ]);
  });

  it('ERK active counts at every curve sparsity are those bench/peer/fmnist_lenet300.py computes (one weight apart at 0.5)', async () => {
    // python3 -c 'from fmnist_lenet300 import active_counts, erk_densities; ...' over (300,784), (100,300), (10,100).
    const peerCounts: Record<string, number[]> = {
      '0.5': [102_101, 30_000, 1_000],
      '0.7': [57_604, 21_257, 1_000],
      '0.8': [38_160, 14_081, 1_000],
      '0.9': [18_715, 6_906, 1_000],
      '0.95': [9_052, 3_341, 919],
      '0.98': [3_621, 1_337, 368],
    };
    // At 0.5, (1 − d)·N for fc1 is 133,099.99999… in float64: the peer floors it (one active weight
    // more than the 133,100 the target allows over all layers), trainers/sparsity/counts.ts snaps it to
    // 133,100 first. One weight in 235,200: no difference to a step's time.
    const ours: Record<string, number[]> = { ...peerCounts, '0.5': [102_100, 30_000, 1_000] };
    const quick = await quickRecipe();
    for (const sparsity of CURVE_SPARSITIES) {
      const recipe = recipeAtSparsity(quick, sparsity);
      const layers = describeModel(recipe.model, FMNIST_INPUT, FMNIST_CLASSES).weightLayers;
      const counts = allocateLayers(layers, sparsity, recipe.sparsity!.distribution!).map((a) => a.activeCount);
      expect(counts, `sparsity ${sparsity}`).toEqual(ours[String(sparsity)]);
    }
    expect(() => recipeAtSparsity(quick, 1)).toThrowError(/must lie in \(0, 1\) but got 1/);
  });

  it('--only selects by substring of the id; no match lists the ids', () => {
    expect(selectCases(['step/mlp/']).map((c) => c.id)).toEqual(['step/mlp/wasm-1t', 'step/mlp/wasm-2t', 'step/mlp/cpu', 'step/mlp/native-1t', 'step/mlp/native-2t']);
    expect(selectCases(['rigl-mlp-']).map((c) => c.id)).toEqual([
      ...['0.50', '0.70', '0.80', '0.95', '0.98'].map((s) => `sparsity-curve/rigl-mlp-${s}/native-1t`),
      ...['0.50', '0.70', '0.80', '0.95', '0.98'].map((s) => `sparsity-curve/rigl-mlp-${s}/native-2t`),
    ]);
    expect(selectCases(['wasm-2t', 'verify']).map((c) => c.id)).toEqual([
      'step/mlp/wasm-2t',
      'step/lenet5/wasm-2t',
      'step/wrn-conv/wasm-2t',
      'step/rigl-mlp/wasm-2t',
      'harness/verify-stored-runs',
    ]);
    expect(() => selectCases(['nothing'])).toThrowError(/--only "nothing" selects no case; case ids are: step\/mlp\/wasm-1t, /);
    expect(() => caseById('step/x')).toThrowError(/unknown bench case 'step\/x'/);
  });

  it('names the machine for file names', () => {
    expect(machineSlug('AMD EPYC', 2)).toBe('amd-epyc-2c');
    expect(machineSlug('Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz', 28)).toBe('intel-xeon-e5-2680-v4-28c');
    expect(machineSlug('', 4)).toBe('unknown-cpu-4c');
  });
});

describe('tfjs case functions, once each (as --quick does)', () => {
  const once = { iterations: 1, warmup: 0 };
  const inProcess = CASES.filter((c): c is Extract<BenchCaseDefinition, { kind: 'step' | 'mask-update' }> => isTensorCase(c) && c.target.threads === 1);
  const notNative = inProcess.filter((c) => c.target.backend !== 'native');
  const nativeOnes = inProcess.filter((c) => c.target.backend === 'native');

  it.each(notNative.map((c) => [c.id, c] as const))('%s runs on its backend and leaks no tensor', async (_id, definition) => {
    const result = await runTensorCase(definition, once, 0);
    expect(result.samplesMs).toHaveLength(1);
    expect(result.samplesMs[0]).toBeGreaterThan(0);
    expect(result.leakedTensors).toBe(0);
    expect(result.backend).toMatchObject({ name: definition.target.backend, threads: 1, determinism: 'bit-exact' });
    // wasm and cpu run the RigL step dense-masked: no step layouts.
    expect(result.sparseLayers).toEqual(definition.kind === 'step' && definition.model === 'rigl-mlp' ? [] : null);
  });

  it('the native addon loads (RIGL_NATIVE_REQUIRED=1 makes this a requirement)', () => {
    if (!nativeRequired) return;
    expect(native.ok ? 'loaded' : native.reason).toBe('loaded');
  });

  it.skipIf(skipNative).each(nativeOnes.map((c) => [c.id, c] as const))('%s runs on native with 1 thread and leaks no tensor', async (_id, definition) => {
    const result = await runTensorCase(definition, once, 0);
    expect(result.samplesMs).toHaveLength(1);
    expect(result.leakedTensors).toBe(0);
    expect(result.backend).toMatchObject({ name: 'native', threads: 1, determinism: 'bit-exact' });
    if (definition.kind === 'step' && definition.model === 'rigl-mlp') {
      // At 0.9 fc1 (8 %) and fc2 (23 %) are sparse enough for the sparse kernels; ERK keeps fc3 dense.
      if (definition.sparsity === 0.9) expect(result.sparseLayers).toEqual(['fc1', 'fc2']);
      // At 0.5 every layer is denser than step-layouts' 0.25 threshold: dense kernels everywhere.
      else if (definition.sparsity === 0.5) expect(result.sparseLayers).toEqual([]);
      else expect(result.sparseLayers!.length).toBeGreaterThan(0);
    } else {
      expect(result.sparseLayers).toBeNull();
    }
  });

  it.skipIf(skipNative)('the sparse RigL step computes what the dense-masked step computes (float32 tolerance)', async () => {
    await activateBackend({ backend: 'native', threads: 1 });
    const losses = async (maskedPath: 'sparse' | 'dense-masked'): Promise<number[]> => {
      const step = await createStepCase('rigl-mlp', 16, { maskedPath, sparsity: 0.95 });
      const out = [step.run(), step.run(), step.run()];
      expect(step.sparseLayers!().length, maskedPath).toBe(maskedPath === 'sparse' ? 2 : 0);
      step.dispose();
      return out;
    };
    const sparse = await losses('sparse');
    const dense = await losses('dense-masked');
    // The later losses follow SGD steps on the gradients of each path, so they check the gradients too.
    for (let i = 0; i < 3; i++) expect(Math.abs(sparse[i]! - dense[i]!), `step ${i}`).toBeLessThan(1e-4 * Math.abs(dense[i]!));
  });

  it('the MLP step applies SGD: the loss of the same batch goes down', async () => {
    await activateBackend({ backend: 'wasm', threads: 1 });
    const step = await createStepCase('mlp', 16);
    const first = step.run();
    const second = step.run();
    step.dispose();
    expect(Number.isFinite(first)).toBe(true);
    expect(second).toBeLessThan(first);
    // Near log(10) for a fresh 10-class classifier on random inputs.
    expect(first).toBeGreaterThan(0.5 * Math.log(10));
    expect(first).toBeLessThan(2 * Math.log(10));
  });

  it('the mask update grows connections, and reset makes every call the same first update', async () => {
    await activateBackend({ backend: 'wasm', threads: 1 });
    const update = await createMaskUpdateCase(16);
    update.reset!();
    const grown = update.run();
    update.reset!();
    const again = update.run();
    const withoutReset = update.run();
    update.dispose();
    // Update step g = 99 of the quick manifest: T_end = floor(0.75 · 3 · 469) = 1055,
    // f = 0.3/2 · (1 + cos(π · 99/1055)) (rigl-spec §2.1); k = floor(f · n_active) per layer at
    // ERK 90 % (18,715 / 6,906 / 1,000 active). Grown counts only connections inactive before.
    const f = 0.15 * (1 + Math.cos((Math.PI * 99) / 1055));
    const maxGrown = Math.floor(f * 18_715) + Math.floor(f * 6_906) + Math.floor(f * 1_000);
    expect(grown).toBeGreaterThan(0);
    expect(grown).toBeLessThanOrEqual(maxGrown);
    expect(again).toBe(grown);
    // Without reset the update drops the zero weights it just grew and regrows them.
    expect(withoutReset).toBe(0);
  });

  it('measure times exactly the planned calls, and calls reset before each (warm-up included)', async () => {
    let calls = 0;
    let resets = 0;
    const samples = await measure('count', () => calls++, { iterations: 3, warmup: 2 }, () => resets++);
    expect(samples).toHaveLength(3);
    expect(calls).toBe(5);
    expect(resets).toBe(5);
    await expect(measure('bad', () => 0, { iterations: 0, warmup: 0 })).rejects.toThrowError(/'iterations' must be an integer >= 1 but got 0/);
  });

  it('the child process runs the 2-thread cases (wasm, and native when it loads) and reports one line per case', async () => {
    const ids = ['step/mlp/wasm-2t', ...(skipNative ? [] : ['step/rigl-mlp/native-2t'])];
    const results = await runChild({ threads: 2, seed: 0, cases: ids.map((id) => ({ id, plan: { iterations: 1, warmup: 0 } })) }, 180_000);
    expect(results.map((r) => r.id)).toEqual(ids);
    expect(results[0]).toMatchObject({ id: 'step/mlp/wasm-2t', leakedTensors: 0, backend: { name: 'wasm', threads: 2, determinism: 'nondeterministic' } });
    expect(results[0]!.samplesMs).toHaveLength(1);
    if (!skipNative) expect(results[1]).toMatchObject({ leakedTensors: 0, sparseLayers: ['fc1', 'fc2'], backend: { name: 'native', threads: 2, determinism: 'bit-exact' } });
  });

  it('a child asked for a case of another thread count fails with its stderr', async () => {
    await expect(runChild({ threads: 2, seed: 0, cases: [{ id: 'step/mlp/wasm-1t', plan: { iterations: 1, warmup: 0 } }] }, 180_000)).rejects.toThrowError(
      /needs wasm with 1 thread\(s\) but this process runs 2/,
    );
  });

  it('result lines round-trip through the protocol; other stdout is ignored', () => {
    const result: TensorCaseResult = {
      id: 'step/mlp/wasm-1t',
      samplesMs: [1.5],
      backend: { name: 'wasm', version: '4.22.0', threads: 1, determinism: 'bit-exact', details: {} },
      leakedTensors: 0,
      sparseLayers: null,
    };
    expect(parseCaseLines(`Hi, looks like you are running TensorFlow.js\n${formatCaseLine(result)}{"other":1}\n`)).toEqual([result]);
  });
});

describe('harness cases on a few items', () => {
  it('validates and hashes N manifests into N distinct run ids', async () => {
    const c = await validateAndHashCase(3);
    expect(await c.run()).toBe(3);
    await c.dispose();
  });

  it('loads a suite of N seeds', async () => {
    const c = await expandSuiteCase(4);
    expect(await c.run()).toBe(4);
    await c.dispose();
  });

  it('verifies N stored runs, and a tampered run makes the case fail instead of timing a broken verify', async () => {
    const c = await verifyStoredRunsCase(3);
    expect(await c.run()).toBe(3);
    const runsDir = path.join(c.storeRoot, 'runs');
    const [first] = (await readdir(runsDir)).sort();
    const summaryPath = path.join(runsDir, first!, 'summary.json');
    await writeFile(summaryPath, (await readFile(summaryPath, 'utf8')).replace('"testAccuracy": 88', '"testAccuracy": 99'));
    await expect(c.run()).rejects.toThrowError(/2 of 3 runs verified, 1 corrupt/);
    await c.dispose();
    await expect(readdir(c.storeRoot)).rejects.toThrowError(/ENOENT/);
  });
});

function peerLine(fields: Partial<PeerStepResult> = {}): PeerStepResult {
  return {
    case: 'mlp',
    sparsity: null,
    threads: 1,
    msPerStep: 1.42,
    samples: [1.4, 1.42, 1.5],
    samplesPerSecond: 90140.8,
    batch: 128,
    warmup: 3,
    blas: 'openblas',
    torchVersion: '1.13.0a0',
    ompWaitPolicy: 'default',
    ...fields,
  };
}

const torch = await detectPeer(DEFAULT_PEER_PYTHON);

describe('the PyTorch peer plumbing', () => {
  it('parses steps.py lines and rejects a line with a missing field, naming it', () => {
    expect(parsePeerLines(`warning: something\n${JSON.stringify(peerLine())}\n`)).toEqual([peerLine()]);
    const { samples: _samples, ...noSamples } = peerLine();
    expect(() => parsePeerLines(JSON.stringify(noSamples))).toThrowError(BenchCaseError);
    expect(() => parsePeerLines(JSON.stringify(noSamples))).toThrowError(/'samples' is undefined/);
    // A line without "sparsity" (an older steps.py) reads as null; a sparsity outside (0, 1) is refused.
    const { sparsity: _sparsity, ...noSparsity } = peerLine();
    expect(parsePeerLines(JSON.stringify(noSparsity))[0]!.sparsity).toBeNull();
    expect(() => parsePeerLines(JSON.stringify(peerLine({ sparsity: 1.5 })))).toThrowError(/'sparsity' is 1.5/);
  });

  it('passes cases, sparsities, threads, steps and warm-up to the script and returns its lines in the order asked', async () => {
    const stub = path.join(scratch, 'steps-stub.mjs');
    await writeFile(
      stub,
      `const a = process.argv.slice(2); const get = (f) => a[a.indexOf(f) + 1];
       if (process.env.STUB_FAIL) { console.error('boom'); process.exit(2); }
       const sparsities = a.includes('--sparsity') ? get('--sparsity').split(',').map(Number) : [0.9];
       for (const c of get('--cases').split(',').reverse()) {
         if (c === 'lenet5' && process.env.STUB_SKIP) continue;
         for (const s of c === 'rigl-mlp' ? sparsities : [null])
           console.log(JSON.stringify({ case: c, sparsity: s, threads: Number(get('--threads')), msPerStep: 2,
             samples: Array.from({ length: Number(get('--steps')) }, (_, i) => i + 1 + (s ?? 0)),
             samplesPerSecond: 64000, batch: 128, warmup: Number(get('--warmup')), blas: 'openblas', torchVersion: 'stub', ompWaitPolicy: 'PASSIVE' }));
       }`,
    );
    const mlp = { case: 'mlp', sparsity: null } as const;
    const lenet5 = { case: 'lenet5', sparsity: null } as const;
    const lines = await runPeerSteps({ python: process.execPath, script: stub, cases: [mlp, lenet5], threads: 2, steps: 3, warmup: 1 });
    expect(lines.map((l) => [l.case, l.threads, l.samples, l.warmup])).toEqual([
      ['mlp', 2, [1, 2, 3], 1],
      ['lenet5', 2, [1, 2, 3], 1],
    ]);
    const rigl = await runPeerSteps({
      python: process.execPath,
      script: stub,
      cases: [{ case: 'rigl-mlp', sparsity: 0.98 }, mlp, { case: 'rigl-mlp', sparsity: 0.5 }],
      threads: 1,
      steps: 1,
      warmup: 0,
    });
    expect(rigl.map((l) => [l.case, l.sparsity, l.samples])).toEqual([
      ['rigl-mlp', 0.98, [1.98]],
      ['mlp', null, [1]],
      ['rigl-mlp', 0.5, [1.5]],
    ]);
    process.env.STUB_SKIP = '1';
    try {
      await expect(runPeerSteps({ python: process.execPath, script: stub, cases: [mlp, lenet5], threads: 1, steps: 1, warmup: 0 })).rejects.toThrowError(
        /printed no line for case 'lenet5' at 1 thread/,
      );
    } finally {
      delete process.env.STUB_SKIP;
    }
    process.env.STUB_FAIL = '1';
    try {
      await expect(runPeerSteps({ python: process.execPath, script: stub, cases: [mlp], threads: 1, steps: 1, warmup: 0 })).rejects.toThrowError(/exited with 2; its stderr ends:\nboom/);
    } finally {
      delete process.env.STUB_FAIL;
    }
  });

  it.skipIf(!torch.available)('steps.py times rigl-mlp once per --sparsity and says which (needs /usr/bin/python3 with torch)', async () => {
    const lines = await runPeerSteps({ cases: [{ case: 'rigl-mlp', sparsity: 0.98 }, { case: 'rigl-mlp', sparsity: 0.5 }], threads: 1, steps: 1, warmup: 0 });
    expect(lines.map((l) => [l.case, l.sparsity, l.threads, l.samples.length])).toEqual([
      ['rigl-mlp', 0.98, 1, 1],
      ['rigl-mlp', 0.5, 1, 1],
    ]);
  });
});

describe('whole runs', () => {
  const dense = caseById('whole-run/fmnist-lenet300/dense/native-1t') as WholeRunCaseDefinition;
  const rigl = caseById('whole-run/fmnist-lenet300/rigl-erk-0.90/native-1t') as WholeRunCaseDefinition;

  it('our manifest is the suite\'s run for the method, on native with 1 thread; --quick keeps only the schedule\'s first epoch', async () => {
    const full = await wholeRunManifest(rigl, 20);
    expect(full).toMatchObject({
      method: { name: 'rigl' },
      sparsity: { target: 0.9, distribution: { kind: 'erk' } },
      training: { epochs: 20, batchSize: 128, learningRate: { initial: 0.1, schedule: { kind: 'piecewise', boundaries: [10, 15], values: [0.1, 0.01, 0.001] } } },
      backend: { preference: ['native'], threads: 1 },
    });
    expect((await wholeRunManifest(dense, 20)).method).toEqual({ name: 'dense' });
    expect((await wholeRunManifest(dense, 12)).training.learningRate.schedule).toEqual({ kind: 'piecewise', unit: 'epoch', boundaries: [10], values: [0.1, 0.01] });
    expect((await wholeRunManifest(dense, 1)).training.learningRate.schedule).toEqual({ kind: 'constant' });
    // The file it writes is a valid run manifest.
    const dir = await mkdtemp(path.join(scratch, 'manifest-'));
    const loaded = await loadManifestFile(await writeRunManifest(full, rigl, dir));
    expect(loaded.runs).toHaveLength(1);
    expect(loaded.runs[0]!.manifest.training.epochs).toBe(20);
  });

  it('runs both sides under taskset, times them from start to exit and reads the accuracies they wrote', async () => {
    // Stand-ins for bin/rigl-harness.js and fmnist_lenet300.py that write what the real ones write.
    const dir = await mkdtemp(path.join(scratch, 'whole-'));
    const expectedRunId = (await loadManifestFile(await writeRunManifest(await wholeRunManifest(rigl, 1), rigl, dir))).runs[0]!.runId;
    const harness = path.join(dir, 'harness-stub.mjs');
    await writeFile(
      harness,
      `import { mkdirSync, writeFileSync } from 'node:fs';
       const a = process.argv.slice(2); const get = (f) => a[a.indexOf(f) + 1];
       if (a[0] !== 'run' || get('--backend') !== 'native') { console.error('bad args ' + a.join(' ')); process.exit(3); }
       const run = get('--store') + '/runs/' + process.env.STUB_RUN_ID;
       mkdirSync(run, { recursive: true });
       writeFileSync(run + '/summary.json', JSON.stringify({ status: 'success', metrics: { testAccuracy: 88.5, bestTestAccuracy: 88.7 }, wallMs: 1234,
         provenance: { backend: { name: process.env.STUB_BACKEND ?? 'native', threads: 1, details: { isa: 'avx512' } } } }));`,
    );
    const peerStub = path.join(dir, 'peer-stub.mjs');
    await writeFile(
      peerStub,
      `import { writeFileSync } from 'node:fs';
       const a = process.argv.slice(2); const get = (f) => a[a.indexOf(f) + 1];
       writeFileSync(get('--out'), JSON.stringify({ testAccuracy: 88.1, bestTestAccuracy: 88.3, wallSeconds: 2.5, torchVersion: 'stub', blas: 'openblas',
         threads: Number(process.env.OPENBLAS_NUM_THREADS), args: a }));`,
    );
    process.env.STUB_RUN_ID = expectedRunId;
    try {
      const ours: WholeRunSide = await runOursWholeRun({ definition: rigl, epochs: 1, harnessBin: harness });
      expect(ours).toMatchObject({ testAccuracy: 88.5, bestTestAccuracy: 88.7, reportedSeconds: 1.234, engine: 'native 1t avx512', blas: null });
      expect(ours.wallSeconds).toBeGreaterThan(0);
      expect(ours.command).toBe('taskset -c 0 node bin/rigl-harness.js run <tmp>/run.json --store <tmp>/store --backend native');
      process.env.STUB_BACKEND = 'wasm';
      await expect(runOursWholeRun({ definition: rigl, epochs: 1, harnessBin: harness })).rejects.toThrowError(/trained on backend "wasm", not native/);
    } finally {
      delete process.env.STUB_RUN_ID;
      delete process.env.STUB_BACKEND;
    }
    const peer = await runPeerWholeRun({ definition: rigl, epochs: 1, python: process.execPath, peerScript: peerStub });
    expect(peer).toMatchObject({ testAccuracy: 88.1, reportedSeconds: 2.5, engine: 'torch stub openblas 1t', blas: 'openblas' });
    expect(peer.command).toBe(
      `OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 taskset -c 0 ${process.execPath} bench/peer/fmnist_lenet300.py --method rigl --distribution erk --sparsity 0.9 --seed 0 --epochs 1 --threads 1 --out <tmp>/result.json`,
    );
  });
});

const MACHINE: MachineInfo = {
  cpuModel: 'Test CPU',
  cores: 2,
  availableParallelism: 2,
  memoryBytes: 2 ** 33,
  platform: 'Linux test x64',
  nodeVersion: 'v20.0.0',
  packages: { '@tensorflow/tfjs-core': '4.22.0', '@tensorflow/tfjs-backend-wasm': '4.22.0' },
  gitCommit: 'abc',
  gitDirty: false,
};

function options(fields: Partial<BenchOptions>): BenchOptions {
  return { quick: false, only: null, rounds: 2, peer: true, python: '/usr/bin/python3', outDir: null, help: false, ...fields };
}

interface FakeSetup {
  available?: boolean;
  blas?: string;
  /** Why the native addon does not load; absent = it loads. */
  nativeMissing?: string;
}

/** Fake runners: each child/peer/whole-run call returns fixed samples and is logged in order. */
function fakeRunners(calls: string[], setup: FakeSetup = {}): BenchRunners {
  let round = 0;
  let wholeCalls = 0;
  return {
    async runChild(request) {
      calls.push(`ours ${request.threads}t: ${request.cases.map((c) => `${c.id}×${c.plan.iterations}`).join(' ')}`);
      round++;
      return request.cases.map((c): TensorCaseResult => {
        const curve = /rigl-mlp-(0\.\d+)/.exec(c.id);
        const nativeRigl = c.id.includes('rigl-mlp') && c.id.includes('native');
        return {
          id: c.id,
          // Native RigL: 10 ms at 0.9, 1 ms per 0.1 below that on the curve; the others as before.
          samplesMs: nativeRigl ? [curve === null ? 10 : Math.round(100 * (1 - Number(curve[1])))] : c.id.includes('wasm-2t') ? [30] : round <= 2 ? [10, 20] : [40],
          backend: { name: 'wasm', version: '4.22.0', threads: request.threads, determinism: request.threads === 1 ? 'bit-exact' : 'nondeterministic', details: {} },
          leakedTensors: 0,
          sparseLayers: nativeRigl ? ['fc1', 'fc2'] : null,
        };
      });
    },
    async detectPeer(python) {
      return setup.available === false ? { available: false, python, reason: 'no torch here' } : { available: true, python, torchVersion: '1.13.0a0' };
    },
    detectNative() {
      return setup.nativeMissing === undefined ? { ok: true } : { ok: false, reason: setup.nativeMissing };
    },
    async runPeerSteps(request) {
      calls.push(`peer ${request.threads}t: ${request.cases.map((c) => (c.sparsity === null ? c.case : `${c.case}@${c.sparsity}`)).join(' ')} steps ${request.steps}`);
      return request.cases.map((c) => peerLine({ case: c.case, sparsity: c.sparsity, threads: request.threads, samples: [c.sparsity === null ? 5 : 40], blas: setup.blas ?? 'openblas' }));
    },
    async runWholeRun(side, request) {
      calls.push(`whole ${side}: ${request.definition.id} ${request.epochs} epochs`);
      wholeCalls++;
      const ours = side === 'ours';
      return {
        // Ours 20 s then 30 s; the peer 40 s each time.
        wallSeconds: ours ? (wholeCalls <= 4 ? 20 : 30) : 40,
        testAccuracy: ours ? 89.4 : 89.1,
        bestTestAccuracy: 89.5,
        reportedSeconds: 15,
        engine: ours ? 'native 1t avx512' : 'torch 1.13 openblas 1t',
        blas: ours ? null : (setup.blas ?? 'openblas'),
        command: ours ? 'taskset -c 0 node bin/rigl-harness.js run …' : 'taskset -c 0 python3 bench/peer/fmnist_lenet300.py …',
      };
    },
    async runHarnessCase(definition, count, plan) {
      calls.push(`harness ${definition.id} ${count}×${plan.iterations}`);
      return [100, 200];
    },
    sampleLoad(phase) {
      return { at: '2026-01-01T00:00:00.000Z', phase, loadAverage: [3, 2, 1] };
    },
  };
}

describe('orchestration', () => {
  it('alternates ours and PyTorch per thread count, round after round, then times the harness', async () => {
    const calls: string[] = [];
    const report = await runBench(options({ only: ['step/mlp/wasm', 'step/mlp/cpu', 'harness/expand'] }), MACHINE, () => {}, fakeRunners(calls));
    expect(calls).toEqual([
      'ours 1t: step/mlp/wasm-1t×20 step/mlp/cpu×5',
      'peer 1t: mlp steps 20',
      'ours 2t: step/mlp/wasm-2t×20',
      'peer 2t: mlp steps 20',
      'ours 1t: step/mlp/wasm-1t×20 step/mlp/cpu×5',
      'peer 1t: mlp steps 20',
      'ours 2t: step/mlp/wasm-2t×20',
      'peer 2t: mlp steps 20',
      'harness harness/expand-suite 10000×3',
    ]);
    const wasm1 = report.cases.find((c) => c.id === 'step/mlp/wasm-1t')!;
    // Rounds: [10, 20] then [40] against PyTorch [5] and [5]: pooled median 20 / 5.
    expect(wasm1.samplesByRound).toEqual([[10, 20], [40]]);
    expect(wasm1.ratio).toEqual({ ratio: 4, perRound: [3, 8] });
    expect(report.cases.find((c) => c.id === 'step/mlp/cpu')!.peer).toMatchObject({ case: 'mlp', threads: 1, sparsity: null });
    expect(report.cases.find((c) => c.id === 'step/mlp/wasm-2t')!.ratio!.ratio).toBe(6);
    expect(report.cases.find((c) => c.id === 'harness/expand-suite')).toMatchObject({ itemsPerCall: 10_000, ratio: null, summary: { medianMs: 150 } });
    expect(report.torch).toMatchObject({ available: true, blas: 'openblas' });
    expect(report.native).toEqual({ available: true });
    expect(report.load.map((l) => l.phase)[0]).toBe('start');
    expect(report.load.map((l) => l.phase).at(-1)).toBe('end');
    expect(report.notes[0]).toMatch(/load average 3\.00 at the start.*on 2 cores: the machine was loaded/);
  });

  it('runs the native cases in the child of their thread count and asks the peer for every sparsity of the curve', async () => {
    const calls: string[] = [];
    const report = await runBench(
      options({ only: ['step/rigl-mlp/native', 'sparsity-curve/rigl-mlp-0.50/', 'step/mlp/native-1t'], rounds: 1 }),
      MACHINE,
      () => {},
      fakeRunners(calls),
    );
    expect(calls).toEqual([
      'ours 1t: step/mlp/native-1t×50 step/rigl-mlp/native-1t×50 sparsity-curve/rigl-mlp-0.50/native-1t×50',
      'peer 1t: mlp rigl-mlp@0.9 rigl-mlp@0.5 steps 20',
      'ours 2t: step/rigl-mlp/native-2t×50 sparsity-curve/rigl-mlp-0.50/native-2t×50',
      'peer 2t: rigl-mlp@0.9 rigl-mlp@0.5 steps 20',
    ]);
    const headline = report.cases.find((c) => c.id === 'step/rigl-mlp/native-1t')!;
    expect(headline).toMatchObject({ section: 'steps', model: 'rigl-mlp', sparsity: 0.9, maskedPath: 'sparse', sparseLayers: ['fc1', 'fc2'], peer: { sparsity: 0.9 } });
    // 10 ms against the peer's 40 ms: ratio 0.25, a 4× speedup.
    expect(headline.ratio!.ratio).toBe(0.25);
    expect(report.cases.find((c) => c.id === 'sparsity-curve/rigl-mlp-0.50/native-2t')).toMatchObject({ section: 'sparsity-curve', sparsity: 0.5, summary: { medianMs: 50 } });
    // The main table leaves the curve's points out; the curve table has both thread counts, 0.5 then 0.9.
    expect(tableRows(report).map((r) => r[0])).toEqual(['MLP 784-300-100-10 step', 'RigL ERK 90 % MLP step (sparse kernels)', 'RigL ERK 90 % MLP step (sparse kernels)']);
    expect(curveRows(report)).toEqual([
      ['0.50', 'native-1t', 'fc1, fc2', '50.0', '40.0 (1t)', '0.80×', ''],
      ['0.90', 'native-1t', 'fc1, fc2', '10.0', '40.0 (1t)', '4.00×', ''],
      ['0.50', 'native-2t', 'fc1, fc2', '50.0', '40.0 (2t)', '0.80×', ''],
      ['0.90', 'native-2t', 'fc1, fc2', '10.0', '40.0 (2t)', '4.00×', ''],
    ]);
    const markdown = renderMarkdown(report, 'npm run bench');
    expect(markdown).toContain('## Sparsity curve: RigL ERK MLP step');
    expect(markdown).toContain('| 0.90 | native-1t | fc1, fc2 | 10.0 | 40.0 (1t) | 4.00× |  |');
    expect(renderText(report)).toContain('Sparsity curve, RigL ERK MLP step (speedup = PyTorch / ours):');
  });

  it('leaves the native cases out with a note when the addon does not load, unless RIGL_NATIVE_REQUIRED=1', async () => {
    const calls: string[] = [];
    const report = await runBench(options({ only: ['step/mlp/'], rounds: 1 }), MACHINE, () => {}, fakeRunners(calls, { nativeMissing: 'not built' }), {});
    expect(report.cases.map((c) => c.id)).toEqual(['step/mlp/wasm-1t', 'step/mlp/wasm-2t', 'step/mlp/cpu']);
    expect(report.native).toEqual({ available: false, reason: 'not built' });
    expect(report.notes).toContain('native backend not available (not built): its 2 cases were left out.');
    await expect(runBench(options({ only: ['step/mlp/'], rounds: 1 }), MACHINE, () => {}, fakeRunners([], { nativeMissing: 'not built' }), { RIGL_NATIVE_REQUIRED: '1' })).rejects.toThrowError(
      /the native addon does not load \(not built\) and RIGL_NATIVE_REQUIRED=1; cases that need it: step\/mlp\/native-1t, step\/mlp\/native-2t/,
    );
    await expect(runBench(options({ only: ['whole-run/'], rounds: 1 }), MACHINE, () => {}, fakeRunners([], { nativeMissing: 'not built' }), {})).rejects.toThrowError(
      /every selected case needs the native backend/,
    );
  });

  it('runs the whole runs ours then PyTorch, case after case, round after round (A B A B), and renders their table', async () => {
    const calls: string[] = [];
    const report = await runBench(options({ only: ['whole-run/'], rounds: 2 }), MACHINE, () => {}, fakeRunners(calls));
    const dense = 'whole-run/fmnist-lenet300/dense/native-1t';
    const rigl = 'whole-run/fmnist-lenet300/rigl-erk-0.90/native-1t';
    expect(calls).toEqual([
      `whole ours: ${dense} 20 epochs`,
      `whole peer: ${dense} 20 epochs`,
      `whole ours: ${rigl} 20 epochs`,
      `whole peer: ${rigl} 20 epochs`,
      `whole ours: ${dense} 20 epochs`,
      `whole peer: ${dense} 20 epochs`,
      `whole ours: ${rigl} 20 epochs`,
      `whole peer: ${rigl} 20 epochs`,
    ]);
    const record = report.cases.find((c) => c.id === dense)!;
    expect(record).toMatchObject({ section: 'whole-run', backendLabel: 'native-1t', samplesByRound: [[20_000], [30_000]], wholeRun: { epochs: 20, cpu: 0 } });
    // Medians 25 s against 40 s; rounds 20/40 and 30/40.
    expect(record.ratio).toEqual({ ratio: 0.625, perRound: [0.5, 0.75] });
    expect(tableRows(report)).toEqual([]);
    expect(wholeRunRows(report)[0]).toEqual([
      'fmnist-lenet300 run, dense',
      '20',
      'native 1t avx512, taskset -c 0',
      '25.0 (20.0, 30.0)',
      '40.0 (40.0, 40.0)',
      '0.63',
      '0.50, 0.75',
      '89.40',
      '89.10',
    ]);
    const markdown = renderMarkdown(report, 'npm run bench -- --only whole-run/');
    expect(markdown).toContain('## Whole fmnist-lenet300 runs on one core');
    expect(markdown).toContain('| fmnist-lenet300 run, RigL ERK 0.90 | 20 | native 1t avx512, taskset -c 0 |');
    expect(markdown).toContain('- fmnist-lenet300 run, dense, ours: `taskset -c 0 node bin/rigl-harness.js run …`');
    const quick = await runBench(options({ only: ['whole-run/fmnist-lenet300/dense'], rounds: 1, quick: true }), MACHINE, () => {}, fakeRunners([]));
    expect(quick.cases[0]!.wholeRun!.epochs).toBe(1);
    expect(report.torch.blas).toBe('openblas');
    expect(quick.notes.some((n) => n.startsWith('--quick: whole runs train 1 epoch instead of 20'))).toBe(true);
  });

  it('without torch there are no ratios and a note says why; a non-OpenBLAS peer is flagged', async () => {
    const without = await runBench(options({ only: ['step/mlp/wasm-1t'], rounds: 1 }), MACHINE, () => {}, fakeRunners([], { available: false }));
    expect(without.cases[0]!.ratio).toBeNull();
    expect(without.notes).toContain('PyTorch peer not run: no torch here. No ratios.');
    const reference = await runBench(options({ only: ['step/mlp/wasm-1t'], rounds: 1 }), MACHINE, () => {}, fakeRunners([], { blas: 'reference' }));
    expect(reference.notes.some((n) => n.startsWith('PyTorch ran on BLAS "reference", not OpenBLAS'))).toBe(true);
    const off = await runBench(options({ only: ['step/mlp/wasm-1t'], rounds: 1, peer: false }), MACHINE, () => {}, fakeRunners([]));
    expect(off.torch).toMatchObject({ available: false, reason: 'the peer was turned off (--no-peer)' });
    const wholeWithout = await runBench(options({ only: ['whole-run/fmnist-lenet300/dense'], rounds: 1 }), MACHINE, () => {}, fakeRunners([], { available: false }));
    expect(wholeWithout.cases[0]).toMatchObject({ ratio: null, wholeRun: { peer: [] } });
    expect(wholeRunRows(wholeWithout)[0]![4]).toBe('—');
  });

  it('says when the machine was idle', () => {
    expect(loadNote([{ at: '', phase: 'start', loadAverage: [0.5, 0, 0] }], { cores: 2 })).toMatch(/0\.50 at the start.*mostly idle/);
  });

  it('renders the table, the Markdown and the results files', async () => {
    const report = await runBench(options({ only: ['step/mlp/wasm-1t', 'harness/verify'], rounds: 1 }), MACHINE, () => {}, fakeRunners([]));
    const rows = tableRows(report);
    // 128 samples in a median of 15 ms → 8,533 samples/s; PyTorch 5 ms → ratio 3.00.
    expect(rows[0]).toEqual(['MLP 784-300-100-10 step', 'wasm-1t', '2', '15.0', '12.5–17.5', '8,533 samples/s', '5.00 (1t)', '3.00', '']);
    // 150 ms for 10,000 runs → 15 µs per run.
    expect(rows[1]).toEqual(['verify a suite of 10,000 stored runs', 'node', '2', '150', '125–175', '15.0 µs/item', '—', '—', '']);
    expect(throughputText({ ...report.cases[0]!, kind: 'mask-update', summary: { ...report.cases[0]!.summary, medianMs: 250 } })).toBe('4 updates/s');
    expect(formatMs(1234.5)).toBe('1,235');
    expect(formatMs(3.14159)).toBe('3.14');
    expect(renderTextTable(['a', 'b', 'n'], [['x', 'long', '5'], ['yy', 's', '10']])).toBe(['a   b      n', '--  ----  --', 'x   long   5', 'yy  s     10'].join('\n'));
    expect(renderText(report)).toContain('Test CPU, 2 cores, 8.0 GiB, Node v20.0.0, tfjs-core 4.22.0');
    expect(renderText(report)).not.toContain('Sparsity curve');
    const markdown = renderMarkdown(report, 'npm run bench');
    expect(markdown).toContain('| MLP 784-300-100-10 step | wasm-1t | 2 | 15.0 | 12.5–17.5 | 8,533 samples/s | 5.00 (1t) | 3.00 |  |');
    expect(markdown).toContain('Produced by `npm run bench` at commit abc');
    expect(markdown).not.toContain('## Whole fmnist-lenet300 runs');
    const files = await writeResults(report, path.join(scratch, 'results'), 'npm run bench');
    const date = report.startedAt.slice(0, 10);
    expect(files.map((f) => path.basename(f))).toEqual([`${date}-test-2c.json`, `${date}-test-2c.md`]);
    expect(JSON.parse(await readFile(files[0]!, 'utf8'))).toEqual(JSON.parse(JSON.stringify(report)));
  });
});
