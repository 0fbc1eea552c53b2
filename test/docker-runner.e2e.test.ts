/**
 * Issue #5, the Docker runner (`run --runner docker --image IMAGE`). There is no Docker engine on
 * this machine, so `docker` here is a stand-in executable that records the argv it was given (and
 * the NAMES of the variables it received) and exits with a chosen code after printing a chosen
 * outcome. The tests assert the exact invocation and how each container exit code comes back.
 * The command entry `main(argv, io)` runs in this process, with the stand-in found on io.env.PATH
 * or named by --docker-bin; one case goes through the real CLI.
 */
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../harness/commands/main.ts';
import { runFile } from '../harness/manifest/test-fixtures.ts';
import { startS3Server, type S3TestServer } from '../harness/store/testing/s3-server.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'bin', 'rigl-harness.js');
const IMAGE = 'ghcr.io/example/rigl-harness:gpu';
const SECRET = 'canary-secret-value-for-docker-7c1f';
const TOKEN = 'canary-session-token-for-docker-88aa';

let dir: string;
let standinDir: string;
let records: string;
let gpuRunPath: string;
let wasmRunPath: string;
let gpuRunId: string;
let store: string;
let dataA: string;
let dataB: string;
let s3: S3TestServer;
const user = `${process.getuid!()}:${process.getgid!()}`;

/** The stand-in `docker`: argv NUL-separated and the variable names it got, then the chosen stdout and exit. */
const STANDIN = `#!/bin/sh
printf '%s\\0' "$@" > "$STANDIN_RECORDS/argv-$$"
env | cut -d= -f1 | sort > "$STANDIN_RECORDS/env-$$"
if [ -n "$STANDIN_STDOUT" ]; then cat "$STANDIN_STDOUT"; fi
echo "stand-in docker: exiting $STANDIN_EXIT" >&2
exit "\${STANDIN_EXIT:-0}"
`;

interface Call {
  argv: string[];
  envNames: string[];
}

async function calls(): Promise<Call[]> {
  const files = (await readdir(records)).filter((f) => f.startsWith('argv-'));
  return Promise.all(
    files.map(async (f) => ({
      argv: (await readFile(join(records, f), 'utf8')).split('\0').slice(0, -1),
      envNames: (await readFile(join(records, f.replace('argv-', 'env-')), 'utf8')).trim().split('\n'),
    })),
  );
}

/** The environment of the `run` command: the stand-in first on PATH, AWS settings and secrets. */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: `${standinDir}:${process.env.PATH}`,
    HOME: process.env.HOME,
    STANDIN_RECORDS: records,
    STANDIN_EXIT: '0',
    AWS_ACCESS_KEY_ID: 'AKIACANARYDOCKER',
    AWS_SECRET_ACCESS_KEY: SECRET,
    AWS_SESSION_TOKEN: TOKEN,
    AWS_REGION: 'eu-west-1',
    ...extra,
  };
}

async function inProcess(argv: string[], environment: NodeJS.ProcessEnv) {
  let stdout = '';
  let stderr = '';
  const exitCode = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: environment, signal: new AbortController().signal });
  return { exitCode, stdout, stderr };
}

/** A container that reports this outcome on stdout, as `run --json` in the image would. */
async function reporting(runId: string, status: string, exitCode: number): Promise<string> {
  const path = join(dir, `outcome-${status}-${exitCode}.json`);
  await writeFile(path, JSON.stringify({ command: 'run', exitCode, runs: [{ index: 0, runId, axes: {}, status, exitCode, message: status === 'trained' ? null : 'from the container', wallMs: 5, metrics: null }] }));
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rigl-docker-'));
  standinDir = join(dir, 'bin');
  records = join(dir, 'records');
  await mkdir(standinDir);
  await writeFile(join(standinDir, 'docker'), STANDIN);
  await chmod(join(standinDir, 'docker'), 0o755);
  dataA = join(dir, 'data-a');
  dataB = join(dir, 'data-b');
  store = join(dir, 'results');
  const gpu = runFile();
  gpu.run.backend = { preference: ['tfjs-node-gpu', 'wasm'] };
  gpuRunPath = join(dir, 'gpu-run.json');
  await writeFile(gpuRunPath, JSON.stringify(gpu));
  const wasm = runFile();
  wasm.run.backend = { preference: ['wasm'] };
  wasmRunPath = join(dir, 'wasm-run.json');
  await writeFile(wasmRunPath, JSON.stringify(wasm));
  const plan = await inProcess(['plan', gpuRunPath, '--store', store, '--json'], env());
  gpuRunId = (JSON.parse(plan.stdout) as { runs: { runId: string }[] }).runs[0]!.runId;
  s3 = await startS3Server({ directory: join(dir, 's3'), bucket: 'docker-results' });
});

beforeEach(async () => {
  await rm(records, { recursive: true, force: true });
  await mkdir(records);
});

afterAll(async () => {
  await s3.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('run --runner docker', () => {
  it('runs the exact docker invocation: --rm, --gpus all for a tfjs-node-gpu run, read-only data and manifest, the store read-write, AWS settings by name only', async () => {
    const outcome = await reporting(gpuRunId, 'trained', 0);
    const r = await inProcess(['run', gpuRunPath, '--runner', 'docker', '--image', IMAGE, '--store', store, '--data-dir', dataA, '--data-dir', dataB, '--json'], env({ STANDIN_STDOUT: outcome }));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ runner: 'docker', runs: [{ runId: gpuRunId, status: 'trained', exitCode: 0 }] });
    const [call, ...more] = await calls();
    expect(more).toEqual([]);
    expect(call!.argv).toEqual([
      'run', '--rm',
      '--user', user,
      '--gpus', 'all',
      '--mount', `type=bind,src=${gpuRunPath},dst=/job/gpu-run.json,readonly`,
      '--mount', `type=bind,src=${dataA},dst=/data/0,readonly`,
      '--mount', `type=bind,src=${dataB},dst=/data/1,readonly`,
      '--mount', `type=bind,src=${store},dst=/opt/rigl-harness/results`,
      '-e', 'AWS_ACCESS_KEY_ID', '-e', 'AWS_SECRET_ACCESS_KEY', '-e', 'AWS_SESSION_TOKEN', '-e', 'AWS_REGION',
      IMAGE,
      'run', '/job/gpu-run.json', '--index', '0', '--store', '/opt/rigl-harness/results', '--runner', 'in-process', '--json',
      '--data-dir', '/data/0', '--data-dir', '/data/1',
      '--checkpoint-every', '1',
    ]);
    // Values reach docker through its environment (it copies them into the container by name),
    // never through its command line.
    expect(call!.envNames).toEqual(expect.arrayContaining(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION']));
    expect(call!.argv.join(' ')).not.toContain(SECRET);
    expect(call!.argv.join(' ')).not.toContain(TOKEN);
    expect(call!.argv.join(' ')).not.toContain('AKIACANARYDOCKER');
    expect(r.stderr).toContain(`docker run --rm --user ${user} --gpus all`);
    expect(r.stderr).not.toContain(SECRET);
  });

  it('no --gpus for a wasm run; --gpus VALUE as given; --backend tfjs-node-gpu asks for all GPUs and is passed on', async () => {
    await inProcess(['run', wasmRunPath, '--runner', 'docker', '--image', IMAGE, '--store', join(dir, 'w1')], env({ STANDIN_EXIT: '4' }));
    expect((await calls())[0]!.argv).not.toContain('--gpus');
    await rm(records, { recursive: true });
    await mkdir(records);
    await inProcess(['run', wasmRunPath, '--runner', 'docker', '--image', IMAGE, '--store', join(dir, 'w2'), '--gpus', 'device=1'], env({ STANDIN_EXIT: '4' }));
    const [explicit] = await calls();
    expect(explicit!.argv.slice(explicit!.argv.indexOf('--gpus'), explicit!.argv.indexOf('--gpus') + 2)).toEqual(['--gpus', 'device=1']);
    await rm(records, { recursive: true });
    await mkdir(records);
    await inProcess(['run', wasmRunPath, '--runner', 'docker', '--image', IMAGE, '--store', join(dir, 'w3'), '--backend', 'tfjs-node-gpu'], env({ STANDIN_EXIT: '4' }));
    const [override] = await calls();
    expect(override!.argv.slice(4, 6)).toEqual(['--gpus', 'all']);
    expect(override!.argv.slice(override!.argv.indexOf(IMAGE))).toContain('--backend');
    expect(override!.argv[override!.argv.indexOf('--backend') + 1]).toBe('tfjs-node-gpu');
  });

  it('an s3:// store is passed through (with --s3-endpoint, on the host network for a loopback endpoint); a signing key file is mounted read-only', async () => {
    const keyDir = join(dir, 'keys');
    expect((await inProcess(['keygen', '--out', keyDir], env())).exitCode).toBe(0);
    const uri = 's3://docker-results/suite-a';
    const r = await inProcess(['run', wasmRunPath, '--runner', 'docker', '--image', IMAGE, '--store', uri, '--s3-endpoint', s3.endpoint, '--sign-key', join(keyDir, 'signing-key.pem')], env({ AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_ENDPOINT_URL: 'http://example.invalid', STANDIN_EXIT: '3' }));
    expect(r.exitCode).toBe(3);
    const [call] = await calls();
    const image = call!.argv.indexOf(IMAGE);
    expect(call!.argv.slice(0, image)).toEqual([
      'run', '--rm',
      '--network', 'host',
      '--mount', `type=bind,src=${wasmRunPath},dst=/job/wasm-run.json,readonly`,
      '--mount', `type=bind,src=${join(keyDir, 'signing-key.pem')},dst=/run/secrets/rigl-signing-key.pem,readonly`,
      '-e', 'AWS_ACCESS_KEY_ID', '-e', 'AWS_SECRET_ACCESS_KEY', '-e', 'AWS_SESSION_TOKEN', '-e', 'AWS_REGION', '-e', 'AWS_ENDPOINT_URL',
    ]);
    expect(call!.argv.slice(image + 1)).toEqual([
      'run', '/job/wasm-run.json', '--index', '0', '--store', uri, '--runner', 'in-process', '--json',
      '--s3-endpoint', s3.endpoint, '--sign-key', '/run/secrets/rigl-signing-key.pem', '--checkpoint-every', '1',
    ]);

    // A key in RIGL_SIGNING_KEY goes by name too, with its passphrase's name.
    await rm(records, { recursive: true });
    await mkdir(records);
    const pem = await readFile(join(keyDir, 'signing-key.pem'), 'utf8');
    await inProcess(['run', wasmRunPath, '--runner', 'docker', '--image', IMAGE, '--store', join(dir, 'k1')], env({ RIGL_SIGNING_KEY: pem, RIGL_SIGNING_KEY_PASSPHRASE: 'unused-but-set', STANDIN_EXIT: '4' }));
    const [byName] = await calls();
    expect(byName!.argv).toEqual(expect.arrayContaining(['-e', 'RIGL_SIGNING_KEY', '-e', 'RIGL_SIGNING_KEY_PASSPHRASE']));
    expect(byName!.argv.join('\n')).not.toContain('PRIVATE KEY');
    expect(byName!.argv).not.toContain('--sign-key');
  });

  it.each([
    // container exit → run status, run exit code, message
    [2, 'failed', 2, /container exited with code 2/],
    [3, 'failed', 3, /container exited with code 3/],
    [4, 'failed', 4, /container exited with code 4/],
    [130, 'interrupted', 130, /container exited with code 130/],
    [125, 'failed', 4, /container exited with code 125 \(docker could not create or start the container\)/],
    [127, 'failed', 4, /container exited with code 127 \(the entrypoint was not found\)/],
    [137, 'failed', 4, /container exited with code 137 \(killed: SIGKILL, often out of memory\)/],
    [70, 'failed', 4, /container exited with code 70 \(an internal error of the harness in the container\)/],
    [1, 'failed', 4, /container exited with code 1; last stderr line: stand-in docker: exiting 1/],
    [0, 'failed', 4, /container exited with code 0 without reporting an outcome/],
  ])('container exit %i without an outcome document → %s, exit %i', async (code, status, exitCode, message) => {
    const r = await inProcess(['run', wasmRunPath, '--runner', 'docker', '--image', IMAGE, '--store', join(dir, `exit-${code}`), '--json'], env({ STANDIN_EXIT: String(code) }));
    const run = (JSON.parse(r.stdout) as { runs: { status: string; exitCode: number; message: string }[] }).runs[0]!;
    expect(run.status).toBe(status);
    expect(run.exitCode).toBe(exitCode);
    expect(run.message).toMatch(message);
    expect(r.exitCode).toBe(exitCode);
  });

  it("a container's own outcome is used when its exit code agrees (an aborted run stays aborted, exit 4)", async () => {
    const outcome = await reporting(gpuRunId, 'aborted', 4);
    const r = await inProcess(['run', gpuRunPath, '--runner', 'docker', '--image', IMAGE, '--store', join(dir, 'aborted'), '--json'], env({ STANDIN_STDOUT: outcome, STANDIN_EXIT: '4' }));
    expect(r.exitCode).toBe(4);
    expect((JSON.parse(r.stdout) as { runs: { status: string; message: string }[] }).runs[0]).toMatchObject({ status: 'aborted', message: 'from the container' });
  });

  it('usage: --image is required, docker flags need --runner docker, a missing docker binary is exit 3', async () => {
    const noImage = await inProcess(['run', wasmRunPath, '--runner', 'docker', '--store', join(dir, 'u1')], env());
    expect(noImage.exitCode).toBe(2);
    expect(noImage.stderr).toMatch(/--runner docker needs --image IMAGE/);
    const stray = await inProcess(['run', wasmRunPath, '--image', IMAGE, '--gpus', 'all', '--store', join(dir, 'u2')], env());
    expect(stray.exitCode).toBe(2);
    expect(stray.stderr).toMatch(/--image, --gpus: only used with --runner docker/);
    const missing = await inProcess(['run', wasmRunPath, '--runner', 'docker', '--image', IMAGE, '--docker-bin', join(dir, 'no-such-docker'), '--store', join(dir, 'u3'), '--json'], env());
    expect(missing.exitCode).toBe(3);
    expect((JSON.parse(missing.stdout) as { runs: { message: string }[] }).runs[0]!.message).toMatch(/cannot run ".*no-such-docker": ENOENT/);
    expect(await calls()).toEqual([]);
  });

  it('a run already stored starts no container', async () => {
    const stored = join(dir, 'already');
    process.env.RIGL_HARNESS_FAKE_TRAINER = '1';
    try {
      expect((await inProcess(['run', wasmRunPath, '--store', stored], { ...env(), RIGL_HARNESS_FAKE_TRAINER: '1' })).exitCode).toBe(0);
    } finally {
      delete process.env.RIGL_HARNESS_FAKE_TRAINER;
    }
    const r = await inProcess(['run', wasmRunPath, '--runner', 'docker', '--image', IMAGE, '--store', stored, '--json'], { ...env(), RIGL_HARNESS_FAKE_TRAINER: '1' });
    expect(r.exitCode).toBe(0);
    expect((JSON.parse(r.stdout) as { runs: { status: string }[] }).runs[0]!.status).toBe('stored');
    expect(await calls()).toEqual([]);
  });

  it('the real CLI with --docker-bin: the same invocation, the exit code mapped back', async () => {
    const r = await execa(process.execPath, [BIN, 'run', wasmRunPath, '--runner', 'docker', '--image', IMAGE, '--docker-bin', join(standinDir, 'docker'), '--store', join(dir, 'real-cli')], {
      cwd: ROOT,
      reject: false,
      env: { ...env({ STANDIN_EXIT: '137' }), PATH: process.env.PATH },
      extendEnv: false,
    });
    expect(r.exitCode).toBe(4);
    expect(String(r.stdout)).toMatch(/run 0 \([0-9a-f]{16}\) failed, exit 4: container exited with code 137 \(killed: SIGKILL, often out of memory\)/);
    expect(String(r.stderr)).toMatch(/FAILED \(exit 4\): container exited with code 137/);
    const [call] = await calls();
    expect(call!.argv.slice(0, 4)).toEqual(['run', '--rm', '--user', user]);
    expect(call!.argv).toContain(IMAGE);
  });
});
