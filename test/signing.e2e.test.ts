/**
 * Issue #5, signed results: Ed25519 signatures of SHA256SUMS written by `run --sign-key FILE` (or
 * RIGL_SIGNING_KEY) and checked by `verify --public-key FILE --require-signature`, which refuses
 * unsigned, re-signed and tampered results, each with its own message (exit 3). The real CLI for
 * keygen and a child-process run; the command entry `main(argv, io)` in this process for the rest
 * (same code, without a Node start per case). Fake trainer throughout.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../harness/commands/main.ts';
import { runFile, suiteFile } from '../harness/manifest/test-fixtures.ts';
import { formatSha256Sums } from '../harness/run-store.ts';
import { loadSigningKey } from '../harness/signing/keys.ts';
import { signSums } from '../harness/signing/signature.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'bin', 'rigl-harness.js');

let dir: string;
let runPath: string;
let suitePath: string;
let keysA: string;
let keysB: string;
let signedStore: string;
let runId: string;

const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');

/** `main(argv, io)` in this process: exit code, stdout and stderr. */
async function inProcess(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const exitCode = await main(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    env: { ...process.env, ...env },
    signal: new AbortController().signal,
  });
  return { exitCode, stdout, stderr };
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = await execa(process.execPath, [BIN, ...args], { cwd: ROOT, reject: false, env: { RIGL_HARNESS_FAKE_TRAINER: '1', ...env } });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** A copy of the signed store to tamper with. */
async function copyOfSigned(name: string): Promise<{ store: string; file: (n: string) => string }> {
  const store = join(dir, name);
  await cp(signedStore, store, { recursive: true });
  return { store, file: (n) => join(store, 'runs', runId, n) };
}

async function verifySigned(store: string, extra: string[] = ['--require-signature'], publicKey = join(keysA, 'signing-key.pub.pem')) {
  return inProcess(['verify', runPath, '--store', store, '--public-key', publicKey, ...extra]);
}

beforeAll(async () => {
  process.env.RIGL_HARNESS_FAKE_TRAINER = '1'; // the in-process runner loads the trainer from process.env
  dir = await mkdtemp(join(tmpdir(), 'rigl-signing-'));
  const run = runFile(); // one rigl run, 1 epoch, claim "sanity": accuracy within 80 ± 20
  runPath = join(dir, 'run.json');
  await writeFile(runPath, JSON.stringify(run));
  const suite = suiteFile();
  suite.base.training!.epochs = 1;
  suite.grid[1]!.distribution = ['erk'];
  suitePath = join(dir, 'suite.json');
  await writeFile(suitePath, JSON.stringify(suite));
  keysA = join(dir, 'keys-a');
  keysB = join(dir, 'keys-b');

  const keygen = await cli(['keygen', '--out', keysA]);
  expect(keygen.exitCode, keygen.stderr).toBe(0);
  expect(keygen.stdout).toMatch(/public key sha256 [0-9a-f]{64}/);
  const made = await inProcess(['keygen', '--out', keysB, '--json'], { RIGL_SIGNING_KEY_PASSPHRASE: 'correct horse battery staple' });
  expect(made.exitCode).toBe(0);
  expect(JSON.parse(made.stdout)).toMatchObject({ encrypted: true });

  signedStore = join(dir, 'signed');
  const signed = await inProcess(['run', runPath, '--store', signedStore, '--sign-key', join(keysA, 'signing-key.pem'), '--json']);
  expect(signed.exitCode, signed.stderr).toBe(0);
  runId = (JSON.parse(signed.stdout) as { runs: { runId: string }[] }).runs[0]!.runId;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('keygen', () => {
  it('writes a private key only its owner can read and refuses to overwrite it', async () => {
    expect((await stat(join(keysA, 'signing-key.pem'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(keysA, 'signing-key.pem'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(await readFile(join(keysB, 'signing-key.pem'), 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(await readFile(join(keysA, 'signing-key.pub.pem'), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const again = await inProcess(['keygen', '--out', keysA]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toMatch(/signing-key\.pem already exists; refusing to overwrite a key/);
  });
});

describe('signed runs', () => {
  it('run --sign-key writes SHA256SUMS.sig over the exact SHA256SUMS bytes, checkable with openssl', async () => {
    const sums = await readFile(join(signedStore, 'runs', runId, 'SHA256SUMS'));
    const sig = JSON.parse(await readFile(join(signedStore, 'runs', runId, 'SHA256SUMS.sig'), 'utf8')) as Record<string, unknown>;
    const publicDer = (await import('node:crypto')).createPublicKey(await readFile(join(keysA, 'signing-key.pub.pem'), 'utf8')).export({ type: 'spki', format: 'der' });
    expect(sig).toEqual({ schemaVersion: 1, algorithm: 'ed25519', publicKeySha256: sha256(publicDer), signedSha256: sha256(sums), signature: expect.stringMatching(/^[A-Za-z0-9+/]{86}==$/) });
    // The documented check without this tool (docs/s3-signing-docker.md).
    const raw = join(dir, 'sig.bin');
    await writeFile(raw, Buffer.from(sig.signature as string, 'base64'));
    const { stdout } = await promisify(execFile)('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(keysA, 'signing-key.pub.pem'), '-rawin', '-in', join(signedStore, 'runs', runId, 'SHA256SUMS'), '-sigfile', raw]);
    expect(stdout).toMatch(/Signature Verified Successfully/);
  });

  it('verify --require-signature --public-key accepts a signed, untouched run', async () => {
    const ok = await verifySigned(signedStore);
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('stored runs: 1 of 1 complete and verified');
  });

  it('refuses an unsigned run: "run X is not signed"; without --require-signature an unsigned run is accepted', async () => {
    const unsigned = join(dir, 'unsigned');
    expect((await inProcess(['run', runPath, '--store', unsigned])).exitCode).toBe(0);
    const refused = await verifySigned(unsigned);
    expect(refused.exitCode).toBe(3);
    expect(refused.stderr).toContain(`REFUSED run 0 (${runId}): run ${runId} is not signed (runs/${runId}/SHA256SUMS.sig is missing)`);
    const json = await inProcess(['verify', runPath, '--store', unsigned, '--public-key', join(keysA, 'signing-key.pub.pem'), '--require-signature', '--json']);
    expect(JSON.parse(json.stdout).runs.corrupt).toEqual([expect.objectContaining({ runId, signature: 'unsigned' })]);
    expect((await verifySigned(unsigned, [])).exitCode).toBe(0);
  });

  it('refuses a run re-signed by another key, naming both keys', async () => {
    const { store, file } = await copyOfSigned('resigned');
    const keyB = (await loadSigningKey(join(keysB, 'signing-key.pem'), { RIGL_SIGNING_KEY_PASSPHRASE: 'correct horse battery staple' }))!;
    await writeFile(file('SHA256SUMS.sig'), signSums(await readFile(file('SHA256SUMS')), keyB));
    const refused = await verifySigned(store);
    expect(refused.exitCode).toBe(3);
    expect(refused.stderr).toMatch(new RegExp(`REFUSED run 0 \\(${runId}\\): run ${runId}: the signature does not verify with the given public key: it was made by another key \\(public key sha256 ${keyB.publicKeySha256}, given [0-9a-f]{64}\\)`));
    // The same forgery claiming to be by the expected key.
    const forged = JSON.parse(await readFile(file('SHA256SUMS.sig'), 'utf8')) as Record<string, string>;
    const original = JSON.parse(await readFile(join(signedStore, 'runs', runId, 'SHA256SUMS.sig'), 'utf8')) as Record<string, string>;
    await writeFile(file('SHA256SUMS.sig'), JSON.stringify({ ...forged, publicKeySha256: original.publicKeySha256 }));
    const forgedResult = await verifySigned(store);
    expect(forgedResult.exitCode).toBe(3);
    expect(forgedResult.stderr).toMatch(/the signature does not verify with the given public key \(runs\/[0-9a-f]{16}\/SHA256SUMS\.sig was altered or forged\)/);
    // And the untouched run against B's public key: another key.
    const wrongKey = await verifySigned(signedStore, ['--require-signature'], join(keysB, 'signing-key.pub.pem'));
    expect(wrongKey.exitCode).toBe(3);
    expect(wrongKey.stderr).toMatch(/it was made by another key/);
  });

  it('refuses a run whose SHA256SUMS was rewritten after signing (files and sums consistent)', async () => {
    const { store, file } = await copyOfSigned('resummed');
    const summary = await readFile(file('summary.json'), 'utf8');
    await writeFile(file('summary.json'), summary.replace('"wallMs": ', '"wallMs": 1'));
    const entries = await Promise.all(['manifest.json', 'events.jsonl', 'summary.json'].map(async (name) => ({ name, sha256: sha256(await readFile(file(name))) })));
    await writeFile(file('SHA256SUMS'), formatSha256Sums(entries));
    // Without signatures the doctored run passes: only the signature catches it.
    expect((await inProcess(['verify', runPath, '--store', store])).exitCode).toBe(0);
    const refused = await verifySigned(store);
    expect(refused.exitCode).toBe(3);
    expect(refused.stderr).toMatch(new RegExp(`run ${runId}: SHA256SUMS was changed after it was signed \\(signed bytes hash to [0-9a-f]{64}, stored SHA256SUMS to [0-9a-f]{64}\\)`));
  });

  it('refuses a run with a file changed after signing (checksum mismatch naming the file)', async () => {
    const { store, file } = await copyOfSigned('tampered');
    await writeFile(file('events.jsonl'), `${await readFile(file('events.jsonl'), 'utf8')}{"timeMs":0,"type":"point","key":"eval_accuracy","value":99,"meta":{}}\n`);
    const refused = await verifySigned(store);
    expect(refused.exitCode).toBe(3);
    expect(refused.stderr).toMatch(new RegExp(`CORRUPT run 0 \\(${runId}\\): checksum mismatch for file://.*/runs/${runId}/events\\.jsonl: SHA256SUMS records [0-9a-f]{64}, the bytes hash to [0-9a-f]{64}`));
    const garbage = await copyOfSigned('garbage-sig');
    await writeFile(garbage.file('SHA256SUMS.sig'), 'not a signature');
    const malformed = await verifySigned(garbage.store);
    expect(malformed.exitCode).toBe(3);
    expect(malformed.stderr).toMatch(/SHA256SUMS\.sig is not a signature file/);
  });

  it('RIGL_SIGNING_KEY holds the PEM (encrypted, with RIGL_SIGNING_KEY_PASSPHRASE); a wrong passphrase is exit 2 without echoing it', async () => {
    const pem = await readFile(join(keysB, 'signing-key.pem'), 'utf8');
    const store = join(dir, 'env-signed');
    const env = { RIGL_SIGNING_KEY: pem, RIGL_SIGNING_KEY_PASSPHRASE: 'correct horse battery staple' };
    const signed = await inProcess(['run', runPath, '--store', store], env);
    expect(signed.exitCode, signed.stderr).toBe(0);
    expect((await verifySigned(store, ['--require-signature'], join(keysB, 'signing-key.pub.pem'))).exitCode).toBe(0);

    const wrong = await inProcess(['run', runPath, '--store', join(dir, 'never')], { ...env, RIGL_SIGNING_KEY_PASSPHRASE: 'wrong passphrase 1234' });
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toMatch(/RIGL_SIGNING_KEY: expected an Ed25519 private key \(PKCS#8 PEM, as keygen writes\), RIGL_SIGNING_KEY_PASSPHRASE does not decrypt it/);
    expect(wrong.stderr).not.toContain('wrong passphrase 1234');
    const missing = await inProcess(['run', runPath, '--store', join(dir, 'never')], { RIGL_SIGNING_KEY: pem });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/the key is encrypted: set RIGL_SIGNING_KEY_PASSPHRASE/);
  });

  it('usage errors: --require-signature alone, a private key as --public-key, an unreadable or non-Ed25519 key', async () => {
    const alone = await inProcess(['verify', runPath, '--store', signedStore, '--require-signature']);
    expect(alone.exitCode).toBe(2);
    expect(alone.stderr).toMatch(/--require-signature needs --public-key FILE/);
    const privateAsPublic = await verifySigned(signedStore, [], join(keysA, 'signing-key.pem'));
    expect(privateAsPublic.exitCode).toBe(2);
    expect(privateAsPublic.stderr).toMatch(/--public-key .*: this is a private key/);
    const missing = await inProcess(['run', runPath, '--store', signedStore, '--sign-key', join(dir, 'nope.pem')]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/--sign-key ".*nope\.pem": cannot read the key file \(ENOENT\)/);
    const { generateKeyPairSync } = await import('node:crypto');
    const rsa = join(dir, 'rsa.pem');
    await writeFile(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    const notEd = await inProcess(['run', runPath, '--store', signedStore, '--sign-key', rsa]);
    expect(notEd.exitCode).toBe(2);
    expect(notEd.stderr).toMatch(/expected an Ed25519 private key, found a rsa key/);
  });

  it('child processes (--jobs 2) sign with the key file too (real CLI)', async () => {
    const store = join(dir, 'children');
    const key = join(dir, 'copied-key.pem');
    await copyFile(join(keysA, 'signing-key.pem'), key);
    const run = await cli(['run', suitePath, '--store', store, '--only', 'method=rigl', '--jobs', '2', '--sign-key', key, '--json']);
    expect(run.exitCode, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as { runner: string; runs: { runId: string; status: string }[] };
    expect(doc.runner).toBe('child');
    expect(doc.runs.map((r) => r.status)).toEqual(['trained', 'trained']);
    const verify = await cli(['verify', suitePath, '--store', store, '--only', 'method=rigl', '--public-key', join(keysA, 'signing-key.pub.pem'), '--require-signature']);
    expect(verify.stderr).toContain('stored runs: 2 of 2 complete and verified');
    expect(verify.exitCode).toBe(5); // the suite's claims need the dense and static runs too
  });
});
