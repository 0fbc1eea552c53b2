/**
 * Issue #5, secrets: credentials set in the environment never appear in any output, file, error or
 * report (design.md "Security"). Canary values are put in every secret-bearing variable the tool
 * reads or passes on (AWS keys and session token, the signing key PEM and its passphrase, a
 * generic *_TOKEN), then a successful run (S3 store on s3rver, signed, verified, reported), a run
 * with wrong S3 credentials (access denied, exit 3), a diverged run in a child process (exit 4)
 * and a bad endpoint are made through the real CLI; everything they wrote is searched: stdout,
 * stderr, every object in the bucket (read through S3 and as files on the server's disk), and
 * every report file.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../harness/commands/main.ts';
import { runFile } from '../harness/manifest/test-fixtures.ts';
import { S3Store } from '../harness/store/s3.ts';
import { allowS3Credentials, startS3Server, type S3TestServer } from '../harness/store/testing/s3-server.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'bin', 'rigl-harness.js');
const BUCKET = 'secret-results';

const CANARY = {
  AWS_ACCESS_KEY_ID: 'AKIACANARY7Q4RZX',
  AWS_SECRET_ACCESS_KEY: 'canary-secret-8f1d2c3b4a5e6f70aa',
  AWS_SESSION_TOKEN: 'canary-session-token-0a9b8c7d6e5f',
  RIGL_SIGNING_KEY_PASSPHRASE: 'canary passphrase 5e6f7a8b9c0d',
  DEPLOY_API_TOKEN: 'canary-generic-token-1f2e3d4c',
} as const;

let dir: string;
let server: S3TestServer;
let signingPem: string;
let runPath: string;
let divergingPath: string;
/** Everything any command printed, with where it came from. */
const printed: { where: string; text: string }[] = [];

function canariesIn(text: string): string[] {
  const found: string[] = Object.entries(CANARY)
    .filter(([, value]) => text.includes(value))
    .map(([name]) => name);
  // The PEM's base64 body, line by line (a key printed in part is printed).
  for (const line of signingPem.split('\n')) if (line.length >= 40 && !line.startsWith('-----') && text.includes(line)) found.push('RIGL_SIGNING_KEY');
  return found;
}

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...CANARY,
    RIGL_SIGNING_KEY: signingPem,
    RIGL_HARNESS_FAKE_TRAINER: '1',
    AWS_REGION: undefined,
    AWS_PROFILE: undefined,
    AWS_ENDPOINT_URL: server.endpoint,
    AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
    ...extra,
  };
}

async function cli(label: string, args: string[], extra: NodeJS.ProcessEnv = {}) {
  const r = await execa(process.execPath, [BIN, ...args], { cwd: ROOT, reject: false, env: env(extra) });
  printed.push({ where: `${label} stdout`, text: String(r.stdout) }, { where: `${label} stderr`, text: String(r.stderr) });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

async function filesUnder(folder: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rigl-secrets-'));
  server = await startS3Server({ directory: join(dir, 's3rver'), bucket: BUCKET });
  // s3rver checks the access key id (not SigV4 signatures): the canary id is a valid account.
  allowS3Credentials(CANARY.AWS_ACCESS_KEY_ID, CANARY.AWS_SECRET_ACCESS_KEY);
  signingPem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: CANARY.RIGL_SIGNING_KEY_PASSPHRASE }) as string;
  runPath = join(dir, 'run.json');
  await writeFile(runPath, JSON.stringify(runFile()));
  const diverging = runFile();
  diverging.run.training!.learningRate.initial = 50; // the fake trainer diverges after epoch 1
  diverging.run.training!.epochs = 2;
  diverging.claims = [];
  divergingPath = join(dir, 'diverging.json');
  await writeFile(divergingPath, JSON.stringify(diverging));
});

afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('credentials never leave the environment', () => {
  it('a successful signed run through S3, a run with wrong credentials, a diverged child run: no canary in any output, object or report', async () => {
    const uri = `s3://${BUCKET}/audit`;
    const ok = await cli('run --verify', ['run', runPath, '--store', uri, '--verify', '--json']);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ runs: [{ status: 'trained' }], verify: { exitCode: 0 } });
    const reportDir = join(dir, 'report');
    const report = await cli('report', ['report', runPath, '--store', uri, '--out', reportDir, '--json']);
    expect(report.exitCode, report.stderr).toBe(0);

    const denied = await cli('run with wrong credentials', ['run', runPath, '--store', `s3://${BUCKET}/denied`, '--json'], { AWS_ACCESS_KEY_ID: 'AKIACANARYWRONG1' });
    expect(denied.exitCode).toBe(3);
    expect(JSON.parse(denied.stdout).runs[0].message).toMatch(/InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in our records\. \(HTTP 403\)/);

    const diverged = await cli('diverged run (child)', ['run', divergingPath, '--store', uri, '--runner', 'child', '--json']);
    expect(diverged.exitCode).toBe(4);
    expect(JSON.parse(diverged.stdout)).toMatchObject({ runner: 'child', runs: [{ status: 'aborted', exitCode: 4 }] });

    // What was written: every object through S3, the server's files on disk, the report files.
    const written: { where: string; text: string }[] = [...printed];
    const store = new S3Store(`s3://${BUCKET}`, { endpoint: server.endpoint, clientConfig: { credentials: { accessKeyId: CANARY.AWS_ACCESS_KEY_ID, secretAccessKey: CANARY.AWS_SECRET_ACCESS_KEY } } });
    const keys = await store.list('');
    expect(keys.filter((k) => k.endsWith('/summary.json'))).toHaveLength(2); // the signed run and the aborted one
    expect(keys.some((k) => k.endsWith('/SHA256SUMS.sig'))).toBe(true);
    for (const key of keys) written.push({ where: `s3://${BUCKET}/${key}`, text: new TextDecoder().decode((await store.get(key))!) });
    for (const file of await filesUnder(join(dir, 's3rver'))) written.push({ where: file, text: await readFile(file, 'latin1') });
    const reportFiles = await filesUnder(reportDir);
    expect(reportFiles.length).toBe(4);
    for (const file of reportFiles) written.push({ where: file, text: await readFile(file, 'utf8') });

    const leaks = written.flatMap((w) => canariesIn(w.text).map((name) => `${name} in ${w.where}`));
    expect(leaks).toEqual([]);
    // The search itself works: the canaries are there to find when something does print them.
    expect(canariesIn(`x ${CANARY.AWS_SECRET_ACCESS_KEY} ${signingPem}`)).toEqual(['AWS_SECRET_ACCESS_KEY', ...signingPem.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----')).map(() => 'RIGL_SIGNING_KEY')]);
  });

  it('an endpoint URL carrying credentials, or a signing key that will not open, is refused without echoing them', async () => {
    let output = '';
    const io = (extra: NodeJS.ProcessEnv) => ({ stdout: (t: string) => void (output += t), stderr: (t: string) => void (output += t), env: env(extra), signal: new AbortController().signal });
    const endpoint = await main(['plan', runPath, '--store', `s3://${BUCKET}/x`], io({ AWS_ENDPOINT_URL: `http://user:${CANARY.DEPLOY_API_TOKEN}@127.0.0.1:${server.port}` }));
    expect(endpoint).toBe(2);
    expect(output).toMatch(/AWS_ENDPOINT_URL: the endpoint URL must not carry credentials/);
    const flag = await main(['plan', runPath, '--store', `s3://${BUCKET}/x`, '--s3-endpoint', `http://user:${CANARY.AWS_SECRET_ACCESS_KEY}@127.0.0.1:1`], io({}));
    expect(flag).toBe(2);
    const key = await main(['run', runPath, '--store', join(dir, 'never')], io({ RIGL_SIGNING_KEY_PASSPHRASE: `${CANARY.RIGL_SIGNING_KEY_PASSPHRASE}-wrong` }));
    expect(key).toBe(2);
    expect(output).toMatch(/RIGL_SIGNING_KEY_PASSPHRASE does not decrypt it/);
    expect(canariesIn(output)).toEqual([]);
    expect(output).not.toContain(`${CANARY.RIGL_SIGNING_KEY_PASSPHRASE}-wrong`);
  });
});
