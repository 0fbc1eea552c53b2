/**
 * End-to-end: the real CLI (`node bin/rigl-harness.js ...`) on a tiny suite in a temp folder,
 * with the deterministic fake trainer (RIGL_HARNESS_FAKE_TRAINER=1, harness/runners/fake-trainer.ts)
 * so a run takes milliseconds. The real trainer's end-to-end test lives with the trainer.
 */
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { absClaim, orderClaim, suiteFile } from '../harness/manifest/test-fixtures.ts';
import type { SuiteFile } from '../harness/manifest/types.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'bin', 'rigl-harness.js');

interface CliResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

function start(args: string[], env: NodeJS.ProcessEnv = {}): ResultPromise {
  return execa(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    reject: false,
    env: { RIGL_HARNESS_FAKE_TRAINER: '1', ...env },
  });
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const r = await start(args, env);
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

function json<T = Record<string, unknown>>(r: CliResult): T {
  return JSON.parse(r.stdout) as T;
}

interface RunJson {
  exitCode: number;
  runs: { index: number; runId: string; status: string; exitCode: number; message: string | null; stderrTail?: string[] }[];
}

/** {dense} × seeds 0,1 ∪ {static, rigl} × {erk} × {0.9} × seeds 0,1: 6 runs of 2 epochs. */
function tinySuite(claims?: SuiteFile['claims']): SuiteFile {
  const suite = suiteFile();
  suite.base.training!.epochs = 2;
  suite.base.backend = { preference: ['wasm', 'cpu'] };
  suite.grid[1]!.distribution = ['erk'];
  if (claims !== undefined) suite.claims = claims;
  return suite;
}

let dir: string;
let suitePath: string;
let store: string;

async function writeSuite(name: string, suite: SuiteFile): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `${JSON.stringify(suite, null, 2)}\n`);
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rigl-e2e-'));
  suitePath = await writeSuite('suite.json', tinySuite());
  store = join(dir, 'results');
});

describe('rigl-harness end to end (fake trainer)', () => {
  it('validate: 0 for a valid suite, 2 with file:line:column, pointer, expected and found otherwise', async () => {
    const ok = await cli(['validate', suitePath]);
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toContain('valid suite manifest, 6 runs, 2 claims');

    const broken = tinySuite();
    broken.base.training!.batchSize = 0;
    const bad = await cli(['validate', await writeSuite('broken.json', broken)]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stdout).toMatch(/broken\.json:\d+:\d+: \/base\/training\/batchSize: expected a number ≥ 1, found 0/);
  });

  it('plan, run in-process, skip what is stored, verify and report', async () => {
    const before = json<{ runs: { status: string; axes: Record<string, unknown> }[]; totals: { toTrain: number } }>(await cli(['plan', suitePath, '--store', store, '--json']));
    expect(before.runs.map((r) => r.status)).toEqual(Array(6).fill('missing'));
    expect(before.totals.toTrain).toBe(6);
    expect(before.runs[0]!.axes).toEqual({ method: 'dense', seed: 0 });

    const run = await cli(['run', suitePath, '--store', store, '--json']);
    expect(run.exitCode).toBe(0);
    expect(json<RunJson>(run).runs.map((r) => r.status)).toEqual(Array(6).fill('trained'));
    expect(run.stderr).toContain('using the fake trainer');
    const runIds = json<RunJson>(run).runs.map((r) => r.runId);
    for (const id of runIds) expect((await readdir(join(store, 'runs', id))).sort()).toEqual(['SHA256SUMS', 'events.jsonl', 'manifest.json', 'summary.json']);

    const again = await cli(['run', suitePath, '--store', store, '--json']);
    expect(again.exitCode).toBe(0);
    expect(json<RunJson>(again).runs.map((r) => r.status)).toEqual(Array(6).fill('stored'));

    const after = json<{ runs: { status: string }[]; totals: { toTrain: number } }>(await cli(['plan', suitePath, '--store', store, '--json']));
    expect(after.runs.map((r) => r.status)).toEqual(Array(6).fill('stored'));
    expect(after.totals.toTrain).toBe(0);

    const verify = await cli(['verify', suitePath, '--store', store]);
    expect(verify.exitCode).toBe(0);
    expect(verify.stdout).toMatch(/rigl-beats-static\s+VERIFIED/);
    expect(verify.stdout).toMatch(/dense-sanity\s+VERIFIED/);

    const out = join(dir, 'report');
    const report = await cli(['report', suitePath, '--store', store, '--out', out]);
    expect(report.exitCode).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['configurations.csv', 'report.html', 'report.md', 'verdicts.json']);
    expect(await readFile(join(out, 'report.md'), 'utf8')).toContain('rigl-beats-static');
  });

  it('verify exits 1 when a claim fails and 5 when one cannot be decided, from the same stored runs', async () => {
    const failing = await writeSuite('failing.json', tinySuite([absClaim('dense-at-50', { method: 'dense' }, 50, 1)]));
    const failed = await cli(['verify', failing, '--store', store, '--json']);
    expect(failed.exitCode).toBe(1);
    expect(json<{ verdicts: { claimId: string; verdict: string }[] }>(failed).verdicts).toEqual([expect.objectContaining({ claimId: 'dense-at-50', verdict: 'failed' })]);

    const undecided = await writeSuite('undecided.json', tinySuite([orderClaim('one-seed', { method: 'rigl', seed: 0 }, { method: 'static', seed: 0 })]));
    const inconclusive = await cli(['verify', undecided, '--store', store]);
    expect(inconclusive.exitCode).toBe(5);
    expect(inconclusive.stdout).toMatch(/one-seed\s+INCONCLUSIVE/);

    // --only narrows the runs a claim sees: the dense claim has no runs left.
    const narrowed = await cli(['verify', suitePath, '--store', store, '--only', 'method=rigl']);
    expect(narrowed.exitCode).toBe(5);
  });

  it('--jobs 2 trains in child processes; run --verify exits as verify does', async () => {
    const jobsStore = join(dir, 'jobs-results');
    const result = await cli(['run', suitePath, '--store', jobsStore, '--jobs', '2', '--only', 'method=rigl', '--json']);
    expect(result.exitCode).toBe(0);
    const doc = json<RunJson & { runner: string }>(result);
    expect(doc.runner).toBe('child');
    expect(doc.runs.map((r) => [r.index, r.status])).toEqual([[4, 'trained'], [5, 'trained']]);
    expect(result.stderr).toMatch(/\[run 4\] .*training/);

    // More of them, with --verify: verify sees only the --only runs, so the claims about rigl
    // and dense are undecided (exit 5), and run exits as verify does.
    const more = await cli(['run', suitePath, '--store', jobsStore, '--jobs', '2', '--only', 'method=static', '--verify', '--json']);
    expect(more.exitCode).toBe(5);
    const moreDoc = json<RunJson & { verify: { exitCode: number } }>(more);
    expect(moreDoc.runs.map((r) => [r.index, r.status])).toEqual([[2, 'trained'], [3, 'trained']]);
    expect(moreDoc.verify.exitCode).toBe(5);
  });

  it('a killed child fails its run, not the suite; the next run resumes it from its checkpoint', async () => {
    const crashStore = join(dir, 'crash-results');
    const crashed = await cli(['run', suitePath, '--store', crashStore, '--jobs', '2', '--only', 'method=rigl', '--json'], { RIGL_HARNESS_FAKE_CRASH_AFTER_EPOCH: '1' });
    expect(crashed.exitCode).toBe(4);
    const doc = json<RunJson>(crashed);
    expect(doc.runs.map((r) => r.status)).toEqual(['failed', 'failed']);
    expect(doc.runs[0]!.message).toMatch(/child process was killed by SIGKILL without reporting an outcome/);
    expect(doc.runs[0]!.stderrTail!.join('\n')).toMatch(/epoch 1\/2/);

    const resumed = await cli(['run', suitePath, '--store', crashStore, '--jobs', '2', '--only', 'method=rigl', '--json']);
    expect(resumed.exitCode).toBe(0);
    const resumedDoc = json<RunJson>(resumed);
    expect(resumedDoc.runs.map((r) => r.status)).toEqual(['resumed', 'resumed']);
    const events = (await readFile(join(crashStore, 'runs', resumedDoc.runs[0]!.runId, 'events.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { key: string });
    expect(events.filter((e) => e.key === 'epoch_stop')).toHaveLength(2);
    expect(events.filter((e) => e.key === 'run_resume')).toHaveLength(1);
  });

  it('SIGINT stops a run with a checkpoint and exit 130, saying how to resume', async () => {
    const sigStore = join(dir, 'sigint-results');
    const child = start(['run', suitePath, '--store', sigStore, '--index', '4'], { RIGL_HARNESS_FAKE_EPOCH_MS: '1500' });
    let stderr = '';
    await new Promise<void>((resolveStarted) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes(': training')) resolveStarted();
      });
    });
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(String(result.stderr)).toMatch(/resume with: rigl-harness run .*suite\.json --store .*sigint-results --index 4/);
    const resumed = await cli(['run', suitePath, '--store', sigStore, '--index', '4', '--json']);
    expect(json<RunJson>(resumed).runs[0]!.status).toBe('resumed');
  });

  it('a diverged run exits 4 and is retried, not stored', async () => {
    const diverging = tinySuite([]);
    diverging.base.training!.learningRate.initial = 50;
    const path = await writeSuite('diverging.json', diverging);
    const result = await cli(['run', path, '--store', join(dir, 'diverge-results'), '--index', '0', '--json']);
    expect(result.exitCode).toBe(4);
    expect(json<RunJson>(result).runs[0]).toMatchObject({ status: 'aborted', exitCode: 4 });
    const plan = json<{ runs: { status: string }[] }>(await cli(['plan', path, '--store', join(dir, 'diverge-results'), '--json']));
    expect(plan.runs[0]!.status).toBe('aborted');
  });

  it('a tampered summary.json fails verify and report with exit 3 naming the file and both hashes', async () => {
    const runs = json<RunJson>(await cli(['run', suitePath, '--store', store, '--json'])).runs;
    const target = join(store, 'runs', runs[2]!.runId, 'summary.json');
    const original = await readFile(target, 'utf8');
    await writeFile(target, original.replace('"testAccuracy": ', '"testAccuracy": 1'));
    const verify = await cli(['verify', suitePath, '--store', store]);
    expect(verify.exitCode).toBe(3);
    expect(verify.stderr).toMatch(new RegExp(`CORRUPT run 2 \\(${runs[2]!.runId}\\): checksum mismatch for file://.*/runs/${runs[2]!.runId}/summary\\.json: SHA256SUMS records [0-9a-f]{64}, the bytes hash to [0-9a-f]{64}`));
    const report = await cli(['report', suitePath, '--store', store, '--out', join(dir, 'report-tampered')]);
    expect(report.exitCode).toBe(3);
    const run = await cli(['run', suitePath, '--store', store, '--index', '2']);
    expect(run.exitCode).toBe(3);
    await writeFile(target, original);
  });
});
