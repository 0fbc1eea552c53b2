/**
 * Issue #3: "a run killed with SIGKILL and started again resumes from its last checkpoint and ends
 * with the same metrics as an uninterrupted run, bit for bit on the backends the README calls
 * deterministic (test it by killing a real child process)". The real CLI, the real trainer (wasm, one
 * thread), a generated Fashion-MNIST-shaped dataset pinned by sha256.
 */
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idxFixture, makeTempDir, writeIdxFixture } from '../trainers/datasets/test-fixtures.ts';
import type { RunSummary } from '../trainers/run-summary.ts';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'bin', 'rigl-harness.js');

let temp: { dir: string; cleanup: () => Promise<void> };
let manifestPath: string;

beforeAll(async () => {
  temp = await makeTempDir('kill-resume');
  const dataDir = path.join(temp.dir, 'data');
  const dataset = await writeIdxFixture(dataDir, idxFixture(2400, 300), { gz: true, name: 'fashion-mnist' });
  manifestPath = path.join(temp.dir, 'run.json');
  const run = {
    kind: 'run',
    schemaVersion: 1,
    title: 'kill and resume',
    run: {
      schemaVersion: 1,
      seed: 3,
      dataset,
      model: { name: 'mlp', hiddenSizes: [100, 50], init: 'torch-linear-default' },
      method: {
        name: 'rigl',
        update: { intervalSteps: 10, end: { kind: 'fraction', fraction: 0.75 }, dropFraction: { kind: 'cosine', initial: 0.3 } },
      },
      sparsity: { target: 0.9, distribution: { kind: 'erk' } },
      training: {
        epochs: 5,
        batchSize: 50,
        optimizer: { kind: 'sgd', momentum: 0.9, weightDecay: 0.0005 },
        learningRate: { initial: 0.05 },
      },
      backend: { preference: ['wasm'], threads: 1 },
    },
    claims: [],
  };
  await writeFile(manifestPath, JSON.stringify(run));
});

afterAll(async () => {
  await temp.cleanup();
});

async function summaryIn(store: string): Promise<RunSummary> {
  const { stdout } = await execa('node', [cli, 'plan', manifestPath, '--store', store, '--json'], { cwd: root });
  const runId = (JSON.parse(stdout) as { runs: { runId: string }[] }).runs[0]!.runId;
  return JSON.parse(await readFile(path.join(store, 'runs', runId, 'summary.json'), 'utf8')) as RunSummary;
}

describe('a real training run killed with SIGKILL', () => {
  it('resumes from its last checkpoint and ends bit-identical to an uninterrupted run', async () => {
    const straightStore = path.join(temp.dir, 'straight');
    await execa('node', [cli, 'run', manifestPath, '--store', straightStore], { cwd: root, env: { RIGL_DATA_DIR: path.join(temp.dir, 'data') } });
    const straight = await summaryIn(straightStore);

    const killedStore = path.join(temp.dir, 'killed');
    const child = execa('node', [cli, 'run', manifestPath, '--store', killedStore], {
      cwd: root,
      env: { RIGL_DATA_DIR: path.join(temp.dir, 'data') },
      reject: false,
    });
    // Kill it as soon as a checkpoint is complete (written after epoch 1 of 5).
    const deadline = Date.now() + 120_000;
    let marker: string | null = null;
    while (marker === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      const runsDir = path.join(killedStore, 'runs');
      if (!existsSync(runsDir)) continue;
      const { readdirSync } = await import('node:fs');
      for (const id of readdirSync(runsDir)) {
        const candidate = path.join(runsDir, id, 'checkpoint', 'COMPLETE');
        if (existsSync(candidate)) marker = candidate;
      }
    }
    expect(marker, 'a checkpoint appeared before the deadline').not.toBeNull();
    child.kill('SIGKILL');
    const killed = await child;
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(path.join(path.dirname(path.dirname(marker!)), 'SHA256SUMS'))).toBe(false);

    const rerun = await execa('node', [cli, 'run', manifestPath, '--store', killedStore], {
      cwd: root,
      env: { RIGL_DATA_DIR: path.join(temp.dir, 'data') },
    });
    expect(rerun.exitCode).toBe(0);
    const resumed = await summaryIn(killedStore);
    expect(resumed.metrics).toEqual(straight.metrics);
    expect(resumed.layers).toEqual(straight.layers);
    expect(resumed.flops).toEqual(straight.flops);
    const events = await readFile(path.join(killedStore, 'runs', resumed.runId, 'events.jsonl'), 'utf8');
    expect(events).toContain('"key":"run_resume"');
    // Every epoch is logged exactly once even though the run was interrupted.
    const epochs = events.split('\n').filter((l) => l.includes('"key":"eval_accuracy"'));
    expect(epochs).toHaveLength(5);
  });
});
