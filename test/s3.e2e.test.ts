/**
 * Issue #5, S3-compatible store, end to end: the real CLI against a real S3-compatible server
 * (s3rver on 127.0.0.1, started here) with the fake trainer (RIGL_HARNESS_FAKE_TRAINER=1).
 * - run, verify and report through s3://, with the endpoint from --s3-endpoint or AWS_ENDPOINT_URL;
 * - no run is marked complete (SHA256SUMS) before its other files are stored, checked on the
 *   order in which the server stored the objects;
 * - the server killed mid-run gives exit 3 naming the bucket and key; a rerun with the server back
 *   on the same port and folder completes, losing and duplicating nothing.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suiteFile } from '../harness/manifest/test-fixtures.ts';
import { S3Store } from '../harness/store/s3.ts';
import { S3RVER_CREDENTIALS, startS3Server, type S3TestServer } from '../harness/store/testing/s3-server.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'bin', 'rigl-harness.js');
const BUCKET = 'rigl-results';

let dir: string;
let suitePath: string;
let server: S3TestServer;

/** The environment of every CLI call: s3rver's credentials, no AWS config files, the fake trainer. */
function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    RIGL_HARNESS_FAKE_TRAINER: '1',
    ...S3RVER_CREDENTIALS,
    AWS_REGION: undefined,
    AWS_PROFILE: undefined,
    AWS_ENDPOINT_URL: undefined,
    AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
    ...extra,
  };
}

async function cli(args: string[], extra: NodeJS.ProcessEnv = {}) {
  const r = await execa(process.execPath, [BIN, ...args], { cwd: ROOT, reject: false, env: cliEnv(extra) });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

interface RunDoc {
  runs: { index: number; runId: string; status: string; exitCode: number; message: string | null }[];
}

function storeAt(prefix: string): S3Store {
  return new S3Store(`s3://${BUCKET}/${prefix}`, { endpoint: server.endpoint, clientConfig: { credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } } });
}

/** Run id → the names of its stored files. */
async function storedRuns(prefix: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const key of await storeAt(prefix).list('runs/')) {
    const [, runId, ...rest] = key.split('/');
    out.set(runId!, [...(out.get(runId!) ?? []), rest.join('/')]);
  }
  return out;
}

async function epochStops(prefix: string, runId: string): Promise<number> {
  const bytes = await storeAt(prefix).get(`runs/${runId}/events.jsonl`);
  return new TextDecoder().decode(bytes!).split('\n').filter((l) => l.includes('"key":"epoch_stop"')).length;
}

/** The order in which the server stored each run's files: SHA256SUMS after the other three. */
function expectSealedLast(prefix: string, runId: string): void {
  const runPrefix = `${prefix}/runs/${runId}/`;
  const writes = server.writes.filter((w) => w.key.startsWith(runPrefix) && w.event.startsWith('ObjectCreated'));
  const names = writes.map((w) => w.key.slice(runPrefix.length));
  const sums = names.indexOf('SHA256SUMS');
  expect(sums, `SHA256SUMS of ${runId} was stored`).toBeGreaterThanOrEqual(0);
  expect(names.filter((n) => n === 'SHA256SUMS'), `SHA256SUMS of ${runId} stored once`).toHaveLength(1);
  for (const name of ['manifest.json', 'events.jsonl', 'summary.json']) {
    expect(names.lastIndexOf(name), `${name} of ${runId} stored before SHA256SUMS`).toBeGreaterThanOrEqual(0);
    expect(names.lastIndexOf(name)).toBeLessThan(sums);
  }
  expect(sums, `nothing of ${runId} written after SHA256SUMS`).toBe(names.length - 1);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rigl-s3-e2e-'));
  server = await startS3Server({ directory: join(dir, 's3rver'), bucket: BUCKET });
  // {dense} × seeds 0,1 ∪ {static, rigl} × {erk} × {0.9} × seeds 0,1: 6 runs of 2 epochs.
  const suite = suiteFile();
  suite.base.training!.epochs = 2;
  suite.base.backend = { preference: ['wasm', 'cpu'] };
  suite.grid[1]!.distribution = ['erk'];
  suitePath = join(dir, 'suite.json');
  await writeFile(suitePath, `${JSON.stringify(suite, null, 2)}\n`);
});

afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('s3:// store end to end (s3rver, fake trainer)', () => {
  it('run, verify and report through s3://; SHA256SUMS is stored after every other file of its run', async () => {
    const uri = `s3://${BUCKET}/ci/suite`;
    const run = await cli(['run', suitePath, '--store', uri, '--s3-endpoint', server.endpoint, '--json']);
    expect(run.stderr).not.toMatch(/NodeVersionSupportWarning/);
    expect(run.exitCode, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as RunDoc & { store: string };
    expect(doc.store).toBe(uri);
    expect(doc.runs.map((r) => r.status)).toEqual(Array(6).fill('trained'));

    const stored = await storedRuns('ci/suite');
    expect([...stored.keys()].sort()).toEqual(doc.runs.map((r) => r.runId).sort());
    for (const [runId, files] of stored) {
      expect(files.sort()).toEqual(['SHA256SUMS', 'events.jsonl', 'manifest.json', 'summary.json']);
      expectSealedLast('ci/suite', runId);
    }

    // The endpoint from AWS_ENDPOINT_URL this time; everything is stored, and verifies.
    const env = { AWS_ENDPOINT_URL: server.endpoint };
    const again = await cli(['run', suitePath, '--store', uri, '--verify', '--json'], env);
    expect(again.exitCode, again.stderr).toBe(0);
    const againDoc = JSON.parse(again.stdout) as RunDoc & { verify: { verdicts: { claimId: string; verdict: string }[] } };
    expect(againDoc.runs.map((r) => r.status)).toEqual(Array(6).fill('stored'));
    expect(againDoc.verify.verdicts.map((v) => [v.claimId, v.verdict])).toEqual([['rigl-beats-static', 'verified'], ['dense-sanity', 'verified']]);
    expect(again.stderr).toContain('stored runs: 6 of 6 complete and verified');

    const out = join(dir, 'report');
    const report = await cli(['report', suitePath, '--store', uri, '--out', out], env);
    expect(report.exitCode, report.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['configurations.csv', 'report.html', 'report.md', 'verdicts.json']);
    expect(await readFile(join(out, 'report.md'), 'utf8')).toContain('rigl-beats-static');

    // A tampered object in the bucket is caught like a tampered file (exit 3, both hashes).
    const victim = doc.runs[5]!.runId;
    const store = storeAt('ci/suite');
    const summary = new TextDecoder().decode((await store.get(`runs/${victim}/summary.json`))!);
    await store.put(`runs/${victim}/summary.json`, new TextEncoder().encode(summary.replace('"testAccuracy": ', '"testAccuracy": 1')));
    const tampered = await cli(['verify', suitePath, '--store', uri], env);
    expect(tampered.exitCode).toBe(3);
    expect(tampered.stderr).toMatch(new RegExp(`CORRUPT run 5 \\(${victim}\\): checksum mismatch for s3://${BUCKET}/ci/suite/runs/${victim}/summary.json: SHA256SUMS records [0-9a-f]{64}, the bytes hash to [0-9a-f]{64}`));
  });

  it('a missing bucket is exit 3 naming the bucket', async () => {
    const r = await cli(['run', suitePath, '--store', 's3://no-such-bucket/x', '--s3-endpoint', server.endpoint, '--index', '0']);
    expect(r.exitCode).toBe(3);
    expect(r.stdout + r.stderr).toMatch(/s3:\/\/no-such-bucket\/x\/runs\/[0-9a-f]{16}\/.* NoSuchBucket/);
  });

  it('the server killed mid-run: exit 3 naming the bucket and key; a rerun completes without losing or duplicating a run', async () => {
    const prefix = 'preempted';
    const uri = `s3://${BUCKET}/${prefix}`;
    const writesBefore = server.writes.length;
    // The two rigl runs: the first completes, the second is cut off after its first checkpoint.
    const only = ['--only', 'method=rigl'];
    const child = execa(process.execPath, [BIN, 'run', suitePath, '--store', uri, '--s3-endpoint', server.endpoint, ...only, '--json'], {
      cwd: ROOT,
      reject: false,
      env: cliEnv({ RIGL_HARNESS_FAKE_EPOCH_MS: '300' }),
    });
    // Kill the server once a run is complete and the next one has saved a checkpoint.
    const deadline = Date.now() + 60_000;
    let killed = false;
    while (!killed && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      const writes = server.writes.slice(writesBefore).map((w) => w.key);
      const sealed = new Set(writes.filter((k) => k.endsWith('/SHA256SUMS')).map((k) => k.split('/')[2]));
      const midRun = writes.some((k) => k.endsWith('/checkpoint/COMPLETE') && !sealed.has(k.split('/')[2]));
      if (sealed.size >= 1 && midRun) {
        await server.stop();
        killed = true;
      }
    }
    expect(killed, 'the server was stopped mid-run').toBe(true);
    const result = await child;
    expect(result.exitCode).toBe(3);
    const doc = JSON.parse(String(result.stdout)) as RunDoc;
    expect(doc.runs.map((r) => r.status)).toEqual(['trained', 'failed']);
    const failed = doc.runs.filter((r) => r.status === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(1);
    for (const f of failed) {
      expect(f.exitCode).toBe(3);
      expect(f.message).toMatch(new RegExp(`s3://${BUCKET}/${prefix}/runs/[0-9a-f]{16}/\\S* at http://127\\.0\\.0\\.1:${server.port}: ECONNREFUSED`));
    }
    expect(String(result.stderr)).toMatch(/FAILED \(exit 3\): cannot \w+ s3:\/\/rigl-results\/preempted\/runs\//);
    const completeBefore = new Set(doc.runs.filter((r) => r.status === 'trained').map((r) => r.runId));

    await server.restart();
    const rerun = await cli(['run', suitePath, '--store', uri, '--s3-endpoint', server.endpoint, ...only, '--verify', '--json']);
    // Exit 5 from --verify: with only the rigl runs the claims about dense and static are undecided.
    expect(rerun.exitCode, rerun.stderr).toBe(5);
    expect(rerun.stderr).toContain('stored runs: 2 of 2 complete and verified');
    const rerunDoc = JSON.parse(rerun.stdout) as RunDoc;
    expect(rerunDoc.runs.map((r) => r.runId)).toEqual(doc.runs.map((r) => r.runId));
    for (const r of rerunDoc.runs) {
      expect(r.status).toEqual(completeBefore.has(r.runId) ? 'stored' : expect.stringMatching(/^(trained|resumed)$/));
    }
    expect(rerunDoc.runs.some((r) => r.status === 'resumed'), 'the run killed mid-way resumed from its checkpoint').toBe(true);

    // Every run once, complete, with each epoch logged once; runs stored before the kill untouched.
    const stored = await storedRuns(prefix);
    expect([...stored.keys()].sort()).toEqual(doc.runs.map((r) => r.runId).sort());
    for (const [runId, files] of stored) {
      expect(files.sort()).toEqual(['SHA256SUMS', 'events.jsonl', 'manifest.json', 'summary.json']);
      expect(await epochStops(prefix, runId)).toBe(2);
      expectSealedLast(prefix, runId);
    }
  });
});
