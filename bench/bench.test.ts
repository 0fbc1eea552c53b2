/**
 * The bench cannot rot: every case function runs once (the --quick way, no timing assertions),
 * the 2-thread child process once, the harness cases on a few items, the peer plumbing against a
 * stub interpreter, and the statistics, options, orchestration and rendering on hand-made inputs.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../harness/errors.ts';
import { CASES, STEP_MODELS, caseById, selectCases, type BenchCaseDefinition } from './catalogue.ts';
import { expandSuiteCase, validateAndHashCase, verifyStoredRunsCase } from './cases/harness-costs.ts';
import { createMaskUpdateCase, createStepCase } from './cases/training-steps.ts';
import { parseCaseLines, runChild, formatCaseLine } from './child-protocol.ts';
import { BenchCaseError } from './errors.ts';
import { machineSlug, type MachineInfo } from './machine.ts';
import { measure } from './measure.ts';
import { loadNote, runBench, type BenchRunners } from './orchestrate.ts';
import { DEFAULT_RESULTS_DIR, parseBenchArgs, type BenchOptions } from './options.ts';
import { STEPS_SCRIPT, parsePeerLines, runPeerSteps, type PeerStepResult } from './peer.ts';
import { formatMs, renderMarkdown, renderText, renderTextTable, tableRows, throughputText } from './render.ts';
import { writeResults } from './results-files.ts';
import { median, peerRatio, quantileOfSorted, summarize } from './stats.ts';
import { activateBackend, isTensorCase, runTensorCase, type TensorCaseResult } from './tensor-cases.ts';

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

  it('--only selects by substring of the id; no match lists the ids', () => {
    expect(selectCases(['step/mlp/']).map((c) => c.id)).toEqual(['step/mlp/wasm-1t', 'step/mlp/wasm-2t', 'step/mlp/cpu']);
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

  it.each(inProcess.map((c) => [c.id, c] as const))('%s runs on its backend and leaks no tensor', async (_id, definition) => {
    const result = await runTensorCase(definition, once, 0);
    expect(result.samplesMs).toHaveLength(1);
    expect(result.samplesMs[0]).toBeGreaterThan(0);
    expect(result.leakedTensors).toBe(0);
    expect(result.backend).toMatchObject({ name: definition.target.backend, threads: 1, determinism: 'bit-exact' });
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

  it('the child process runs the 2-thread wasm cases and reports one line per case', async () => {
    const results = await runChild({ threads: 2, seed: 0, cases: [{ id: 'step/mlp/wasm-2t', plan: { iterations: 1, warmup: 0 } }] }, 180_000);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ id: 'step/mlp/wasm-2t', leakedTensors: 0, backend: { name: 'wasm', threads: 2, determinism: 'nondeterministic' } });
    expect(results[0]!.samplesMs).toHaveLength(1);
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

describe('the PyTorch peer plumbing', () => {
  it('parses steps.py lines and rejects a line with a missing field, naming it', () => {
    expect(parsePeerLines(`warning: something\n${JSON.stringify(peerLine())}\n`)).toEqual([peerLine()]);
    const { samples: _samples, ...noSamples } = peerLine();
    expect(() => parsePeerLines(JSON.stringify(noSamples))).toThrowError(BenchCaseError);
    expect(() => parsePeerLines(JSON.stringify(noSamples))).toThrowError(/'samples' is undefined/);
  });

  it('passes cases, threads, steps and warm-up to the script and returns its lines in the order asked', async () => {
    const stub = path.join(scratch, 'steps-stub.mjs');
    await writeFile(
      stub,
      `const a = process.argv.slice(2); const get = (f) => a[a.indexOf(f) + 1];
       if (process.env.STUB_FAIL) { console.error('boom'); process.exit(2); }
       for (const c of get('--cases').split(',').reverse()) {
         if (c === 'lenet5' && process.env.STUB_SKIP) continue;
         console.log(JSON.stringify({ case: c, threads: Number(get('--threads')), msPerStep: 2, samples: Array.from({ length: Number(get('--steps')) }, (_, i) => i + 1),
           samplesPerSecond: 64000, batch: 128, warmup: Number(get('--warmup')), blas: 'openblas', torchVersion: 'stub', ompWaitPolicy: 'PASSIVE' }));
       }`,
    );
    const lines = await runPeerSteps({ python: process.execPath, script: stub, cases: ['mlp', 'lenet5'], threads: 2, steps: 3, warmup: 1 });
    expect(lines.map((l) => [l.case, l.threads, l.samples, l.warmup])).toEqual([
      ['mlp', 2, [1, 2, 3], 1],
      ['lenet5', 2, [1, 2, 3], 1],
    ]);
    process.env.STUB_SKIP = '1';
    try {
      await expect(runPeerSteps({ python: process.execPath, script: stub, cases: ['mlp', 'lenet5'], threads: 1, steps: 1, warmup: 0 })).rejects.toThrowError(
        /printed no line for case 'lenet5' at 1 thread/,
      );
    } finally {
      delete process.env.STUB_SKIP;
    }
    process.env.STUB_FAIL = '1';
    try {
      await expect(runPeerSteps({ python: process.execPath, script: stub, cases: ['mlp'], threads: 1, steps: 1, warmup: 0 })).rejects.toThrowError(/exited with 2; its stderr ends:\nboom/);
    } finally {
      delete process.env.STUB_FAIL;
    }
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

/** Fake runners: each child/peer call returns fixed samples and is logged in order. */
function fakeRunners(calls: string[], peer: { available: boolean; blas?: string } = { available: true }): BenchRunners {
  let round = 0;
  return {
    async runChild(request) {
      calls.push(`ours ${request.threads}t: ${request.cases.map((c) => `${c.id}×${c.plan.iterations}`).join(' ')}`);
      round++;
      return request.cases.map((c) => ({
        id: c.id,
        samplesMs: c.id.includes('wasm-2t') ? [30] : round <= 2 ? [10, 20] : [40],
        backend: { name: 'wasm', version: '4.22.0', threads: request.threads, determinism: request.threads === 1 ? 'bit-exact' : 'nondeterministic', details: {} },
        leakedTensors: 0,
      }));
    },
    async detectPeer(python) {
      return peer.available ? { available: true, python, torchVersion: '1.13.0a0' } : { available: false, python, reason: 'no torch here' };
    },
    async runPeerSteps(request) {
      calls.push(`peer ${request.threads}t: ${request.cases.join(' ')} steps ${request.steps}`);
      return request.cases.map((c) => peerLine({ case: c, threads: request.threads, samples: [5], blas: peer.blas ?? 'openblas' }));
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
    const report = await runBench(options({ only: ['step/mlp/', 'harness/expand'] }), MACHINE, () => {}, fakeRunners(calls));
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
    expect(report.cases.find((c) => c.id === 'step/mlp/cpu')!.peer).toMatchObject({ case: 'mlp', threads: 1 });
    expect(report.cases.find((c) => c.id === 'step/mlp/wasm-2t')!.ratio!.ratio).toBe(6);
    expect(report.cases.find((c) => c.id === 'harness/expand-suite')).toMatchObject({ itemsPerCall: 10_000, ratio: null, summary: { medianMs: 150 } });
    expect(report.torch).toMatchObject({ available: true, blas: 'openblas' });
    expect(report.load.map((l) => l.phase)[0]).toBe('start');
    expect(report.load.map((l) => l.phase).at(-1)).toBe('end');
    expect(report.notes[0]).toMatch(/load average 3\.00 at the start.*on 2 cores: the machine was loaded/);
  });

  it('without torch there are no ratios and a note says why; a non-OpenBLAS peer is flagged', async () => {
    const without = await runBench(options({ only: ['step/mlp/wasm-1t'], rounds: 1 }), MACHINE, () => {}, fakeRunners([], { available: false }));
    expect(without.cases[0]!.ratio).toBeNull();
    expect(without.notes).toContain('PyTorch peer not run: no torch here. No ratios.');
    const reference = await runBench(options({ only: ['step/mlp/wasm-1t'], rounds: 1 }), MACHINE, () => {}, fakeRunners([], { available: true, blas: 'reference' }));
    expect(reference.notes.some((n) => n.startsWith('PyTorch ran on BLAS "reference", not OpenBLAS'))).toBe(true);
    const off = await runBench(options({ only: ['step/mlp/wasm-1t'], rounds: 1, peer: false }), MACHINE, () => {}, fakeRunners([]));
    expect(off.torch).toMatchObject({ available: false, reason: 'the peer was turned off (--no-peer)' });
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
    const markdown = renderMarkdown(report, 'npm run bench');
    expect(markdown).toContain('| MLP 784-300-100-10 step | wasm-1t | 2 | 15.0 | 12.5–17.5 | 8,533 samples/s | 5.00 (1t) | 3.00 |  |');
    expect(markdown).toContain('Produced by `npm run bench` at commit abc');
    const files = await writeResults(report, path.join(scratch, 'results'), 'npm run bench');
    const date = report.startedAt.slice(0, 10);
    expect(files.map((f) => path.basename(f))).toEqual([`${date}-test-2c.json`, `${date}-test-2c.md`]);
    expect(JSON.parse(await readFile(files[0]!, 'utf8'))).toEqual(JSON.parse(JSON.stringify(report)));
  });
});
