/**
 * Issue #5, `reproduce RUNID`: retrain a stored run from its stored manifest.json and compare the
 * result metric by metric (exit 0 identical, 1 different). With the fake trainer through the
 * command entry `main(argv, io)` (identical, a doctored original, --out-store, missing and
 * tampered runs), and once with the real trainer (wasm, one thread: bit-exact) on a tiny generated
 * dataset, the original trained in this process and the reproduction in a fresh CLI process.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../harness/commands/main.ts';
import { runFile } from '../harness/manifest/test-fixtures.ts';
import { formatSha256Sums } from '../harness/run-store.ts';
import { tinyDataset, tinyManifest } from '../trainers/testing/tiny-run.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'bin', 'rigl-harness.js');

let dir: string;
let runPath: string;
let store: string;
let runId: string;

interface ReproduceJson {
  exitCode: number;
  identical: boolean;
  outStore: string | null;
  comparisons: { metric: string; original: number | null; reproduced: number | null; identical: boolean }[];
  original: { backend: string; determinism: string };
  reproduction: { backend: string; determinism: string };
}

async function inProcess(argv: string[], fake = true) {
  let stdout = '';
  let stderr = '';
  const env = { ...process.env };
  if (fake) env.RIGL_HARNESS_FAKE_TRAINER = '1';
  else delete env.RIGL_HARNESS_FAKE_TRAINER;
  // The in-process runner loads the trainer named by process.env.
  const saved = process.env.RIGL_HARNESS_FAKE_TRAINER;
  if (fake) process.env.RIGL_HARNESS_FAKE_TRAINER = '1';
  else delete process.env.RIGL_HARNESS_FAKE_TRAINER;
  try {
    const exitCode = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env, signal: new AbortController().signal });
    return { exitCode, stdout, stderr };
  } finally {
    if (saved === undefined) delete process.env.RIGL_HARNESS_FAKE_TRAINER;
    else process.env.RIGL_HARNESS_FAKE_TRAINER = saved;
  }
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rigl-reproduce-test-'));
  runPath = join(dir, 'run.json');
  await writeFile(runPath, JSON.stringify(runFile()));
  store = join(dir, 'store');
  const run = await inProcess(['run', runPath, '--store', store, '--json']);
  expect(run.exitCode, run.stderr).toBe(0);
  runId = (JSON.parse(run.stdout) as { runs: { runId: string }[] }).runs[0]!.runId;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('reproduce (fake trainer)', () => {
  it('retrains from the stored manifest: every number identical, exit 0, the scratch store removed', async () => {
    const r = await inProcess(['reproduce', runId, '--store', store, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as ReproduceJson;
    expect(doc.identical).toBe(true);
    expect(doc.outStore).toBeNull();
    expect(doc.comparisons.map((c) => c.metric)).toEqual(expect.arrayContaining(['metrics.testAccuracy', 'metrics.finalTrainLoss', 'maskUpdates', 'layers.fc1.activeCount', 'flops.trainMultiplier']));
    expect(doc.comparisons.every((c) => c.identical && c.original !== null)).toBe(true);
    expect(r.stderr).toMatch(new RegExp(`IDENTICAL: run ${runId} reproduced bit for bit \\(12 of 12 numbers\\)`));
    const scratch = /retraining into file:\/\/(\S+)/.exec(r.stderr)![1]!;
    expect(existsSync(decodeURIComponent(scratch))).toBe(false);
  });

  it('a doctored original (resealed, so its checksums pass) differs: exit 1, the metric named, the reproduction kept', async () => {
    const doctored = join(dir, 'doctored');
    await cp(store, doctored, { recursive: true });
    const file = (name: string) => join(doctored, 'runs', runId, name);
    const summary = JSON.parse(await readFile(file('summary.json'), 'utf8')) as { metrics: { testAccuracy: number } };
    const claimed = summary.metrics.testAccuracy + 0.01;
    summary.metrics.testAccuracy = claimed;
    await writeFile(file('summary.json'), JSON.stringify(summary, null, 2));
    const entries = await Promise.all(['manifest.json', 'events.jsonl', 'summary.json'].map(async (name) => ({ name, sha256: sha256(await readFile(file(name))) })));
    await writeFile(file('SHA256SUMS'), formatSha256Sums(entries));

    const r = await inProcess(['reproduce', runId, '--store', doctored]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`metrics\\.testAccuracy\\s+${String(claimed).replace('.', '\\.')}\\s+${String(claimed - 0.01).replace('.', '\\.')}\\s+DIFFERENT`));
    expect(r.stdout).toMatch(/metrics\.bestTestAccuracy\s+\S+\s+\S+\s+identical/);
    expect(r.stdout).toMatch(new RegExp(`DIFFERENT: 1 of 12 numbers of run ${runId} differ \\(metrics\\.testAccuracy\\)`));
    const kept = /the reproduction is kept in (\S+)/.exec(r.stdout)![1]!;
    expect(existsSync(join(kept, 'runs', runId, 'SHA256SUMS'))).toBe(true);
    await rm(kept, { recursive: true, force: true });
  });

  it('--out-store keeps the reproduction there, and refuses a store that already holds the run', async () => {
    const out = join(dir, 'out');
    const first = await inProcess(['reproduce', runId, '--store', store, '--out-store', out, '--json']);
    expect(first.exitCode, first.stderr).toBe(0);
    expect((JSON.parse(first.stdout) as ReproduceJson).outStore).toMatch(/^file:\/\/.*\/out$/);
    expect(existsSync(join(out, 'runs', runId, 'SHA256SUMS'))).toBe(true);
    const again = await inProcess(['reproduce', runId, '--store', store, '--out-store', out]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(new RegExp(`--out-store: file://.*/out already holds run ${runId} complete`));
    const same = await inProcess(['reproduce', runId, '--store', store, '--out-store', store]);
    expect(same.exitCode).toBe(2);
    expect(same.stderr).toMatch(/is the store the original is in/);
  });

  it('a run id that is not one, a run not in the store, and a tampered original are refused', async () => {
    const bad = await inProcess(['reproduce', '../../etc/passwd', '--store', store]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/RUNID: expected a run id of 16 lowercase hex digits .*found "\.\.\/\.\.\/etc\/passwd"/);
    const missing = await inProcess(['reproduce', '0123456789abcdef', '--store', store]);
    expect(missing.exitCode).toBe(3);
    expect(missing.stderr).toMatch(/run 0123456789abcdef is not in store file:\/\//);
    const tampered = join(dir, 'tampered');
    await cp(store, tampered, { recursive: true });
    const events = join(tampered, 'runs', runId, 'events.jsonl');
    await writeFile(events, `${await readFile(events, 'utf8')}\n`);
    const refused = await inProcess(['reproduce', runId, '--store', tampered]);
    expect(refused.exitCode).toBe(3);
    expect(refused.stderr).toMatch(/checksum mismatch for file:\/\/.*events\.jsonl/);
  });
});

describe('reproduce (real trainer, tiny dataset)', () => {
  it('a 2-epoch tiny MLP on wasm (one thread) reproduces bit for bit in a fresh process', async () => {
    const data = await tinyDataset(300, 100);
    try {
      const manifest = tinyManifest(data.spec, 'wasm', { epochs: 2 });
      const path = join(dir, 'tiny.json');
      await writeFile(path, JSON.stringify({ kind: 'run', schemaVersion: 1, title: 'tiny reproduce', run: manifest, claims: [] }));
      const realStore = join(dir, 'real');
      const run = await inProcess(['run', path, '--store', realStore, '--data-dir', data.dataDir, '--json'], false);
      expect(run.exitCode, run.stderr).toBe(0);
      const id = (JSON.parse(run.stdout) as { runs: { runId: string }[] }).runs[0]!.runId;

      const r = await execa(process.execPath, [BIN, 'reproduce', id, '--store', realStore, '--data-dir', data.dataDir, '--json'], { cwd: ROOT, reject: false, env: { RIGL_HARNESS_FAKE_TRAINER: undefined } });
      expect(r.exitCode, String(r.stderr)).toBe(0);
      const doc = JSON.parse(String(r.stdout)) as ReproduceJson;
      expect(doc.original).toMatchObject({ backend: 'wasm', determinism: 'bit-exact' });
      expect(doc.reproduction).toMatchObject({ backend: 'wasm', determinism: 'bit-exact' });
      expect(doc.identical).toBe(true);
      const accuracy = doc.comparisons.find((c) => c.metric === 'metrics.testAccuracy')!;
      expect(accuracy.original).toBeGreaterThan(0);
      expect(doc.comparisons.find((c) => c.metric === 'metrics.steps')!.original).toBe(2 * Math.ceil(300 / 50));
      expect(doc.comparisons.filter((c) => c.metric.startsWith('layers.'))).toHaveLength(3);
    } finally {
      await data.cleanup();
    }
  });
});
