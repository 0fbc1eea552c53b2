/**
 * End-to-end: the real CLI (`node bin/rigl-harness.js k8s ...`) on the committed suites, its YAML
 * parsed back (the `yaml` package) and checked against the Kubernetes schema (kubernetes-models)
 * and the API server's cross-field rules; then the Job's pods are played here, as a cluster would
 * run them, against a real S3 server (s3rver):
 *   - each pod's environment is resolved as the kubelet resolves it (Secret keys by secretKeyRef
 *     from a stand-in Secret, literal values, JOB_COMPLETION_INDEX from the Job controller), and
 *     `$(VAR)` in its command and args expanded;
 *   - the command runs as written (the image's entrypoint with the args, or /bin/sh with the
 *     script), with `node` on PATH standing in for the image's Node, which runs this checkout's CLI
 *     from the tool's folder (the image's working directory) with the fake trainer;
 * and a final `verify` over the S3 prefix finds exactly the runs the Job's indexes name.
 * No Kubernetes cluster is involved: what a cluster adds (scheduling, retries by the
 * podFailurePolicy) is configuration checked by the schema tests, not behaviour tested here.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { IMAGE_CLI, type IJob } from '../harness/k8s/indexed-job.ts';
import { apiServerRuleViolations, validateJobSchema } from '../harness/k8s/test-checks.ts';
import { loadManifestFile } from '../harness/manifest/load.ts';
import { S3RVER_CREDENTIALS, startS3Server, type S3TestServer } from '../harness/store/testing/s3-server.ts';

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = path.join(ROOT, 'bin', 'rigl-harness.js');
const IMAGE = 'registry.example.com/rigl-harness:0.1.0';
const FMNIST = 'manifests/fmnist-lenet300/suite.json';
const EXAMPLES = 'manifests/examples/suite.json';
const BUCKET = 'rigl-e2e';
const STORE = `s3://${BUCKET}/fan-out`;
/** The Secret the pods' credentials come from (`kubectl create secret generic rigl-harness-s3 ...`). */
const SECRET = { name: 'rigl-harness-s3', data: { ...S3RVER_CREDENTIALS, AWS_REGION: 'us-east-1' } as Record<string, string> };

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = await execa(process.execPath, [BIN, ...args], { cwd: ROOT, reject: false, env: { RIGL_HARNESS_FAKE_TRAINER: '1', ...env } });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

async function k8sJob(args: string[]): Promise<{ job: IJob; stderr: string }> {
  const r = await cli(['k8s', ...args, '--image', IMAGE, '--store', STORE, '--s3-endpoint', s3.endpoint]);
  expect(r.exitCode, r.stderr).toBe(0);
  return { job: parse(r.stdout) as IJob, stderr: r.stderr };
}

/** `$(VAR)` → VAR's value when defined, else as written; `$$` → `$` (Kubernetes' expansion). */
function kubeletExpand(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([^)]*)\)/g, (whole, name: string | undefined) => (whole === '$$' ? '$' : Object.hasOwn(env, name!) ? env[name!]! : whole));
}

/** The pod's environment as the kubelet builds it, in order, so later entries can refer to earlier ones. */
function podEnvironment(job: IJob, index: number): Record<string, string> {
  const env: Record<string, string> = { JOB_COMPLETION_INDEX: String(index) };
  for (const e of job.spec!.template.spec!.containers[0]!.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref !== undefined) {
      expect(ref.name).toBe(SECRET.name);
      const value = SECRET.data[ref.key];
      if (value === undefined) {
        expect(ref.optional, `${e.name}: key ${ref.key} is not in the Secret`).toBe(true);
        continue;
      }
      env[e.name] = value;
    } else {
      env[e.name] = kubeletExpand(e.value ?? '', env);
    }
  }
  return env;
}

let s3: S3TestServer;
let work: string;
/** A folder whose `node` is the image's Node: the image's CLI path becomes this checkout's. */
let imageNode: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'k8s-e2e-'));
  s3 = await startS3Server({ directory: path.join(work, 's3'), bucket: BUCKET });
  imageNode = path.join(work, 'image-bin');
  await execa('mkdir', ['-p', imageNode]);
  await writeFile(
    path.join(imageNode, 'node'),
    [
      '#!/bin/sh',
      '# Stands in for node in the image: the image CLI path becomes this checkout CLI.',
      'for a in "$@"; do',
      '  shift',
      `  if [ "$a" = ${IMAGE_CLI[1]} ]; then a=${BIN}; fi`,
      '  set -- "$@" "$a"',
      'done',
      `exec ${process.execPath} "$@"`,
      '',
    ].join('\n'),
  );
  await chmod(path.join(imageNode, 'node'), 0o755);
});

afterAll(async () => {
  await s3?.stop();
  await rm(work, { recursive: true, force: true });
});

/** Runs the pod of completion index `index` to its end; its exit code, stdout and stderr. */
function runPod(job: IJob, index: number): Promise<{ exitCode: number | null; output: string }> {
  const container = job.spec!.template.spec!.containers[0]!;
  const env = podEnvironment(job, index);
  const argv = container.command === undefined ? [...IMAGE_CLI, ...(container.args ?? [])] : [...container.command, ...(container.args ?? [])];
  const [program, ...rest] = argv.map((a) => kubeletExpand(a, env));
  return new Promise((resolve, reject) => {
    const child = spawn(program!, rest, {
      cwd: ROOT,
      env: { ...env, PATH: `${imageNode}:${process.env.PATH ?? '/usr/bin:/bin'}`, HOME: work, RIGL_HARNESS_FAKE_TRAINER: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, output }));
  });
}

/** The examples suite's Job without --only, made once for the tests that use it. */
let examplesJob: Promise<{ job: IJob; stderr: string }> | null = null;
const wholeExamplesJob = () => (examplesJob ??= k8sJob([EXAMPLES]));

async function verifiedIndices(only: string[]): Promise<number[]> {
  const r = await cli(['verify', EXAMPLES, ...only, '--store', STORE, '--s3-endpoint', s3.endpoint, '--json'], { ...S3RVER_CREDENTIALS, AWS_REGION: 'us-east-1' });
  expect([0, 1, 5], r.stderr).toContain(r.exitCode);
  return (JSON.parse(r.stdout) as { runs: { verified: { index: number }[] } }).runs.verified.map((v) => v.index).sort((a, b) => a - b);
}

describe('k8s end to end', () => {
  it(`${FMNIST}: 93 indexes, one per expanded run, valid for Kubernetes`, async () => {
    const loaded = await loadManifestFile(path.join(ROOT, FMNIST));
    expect(loaded.runs).toHaveLength(93);
    const { job, stderr } = await k8sJob([FMNIST]);
    expect(job.spec!.completionMode).toBe('Indexed');
    expect(job.spec!.completions).toBe(93);
    expect(job.spec!.parallelism).toBe(8);
    expect(() => validateJobSchema(job)).not.toThrow();
    expect(apiServerRuleViolations(job)).toEqual([]);
    const container = job.spec!.template.spec!.containers[0]!;
    expect(container.args).toEqual(['run', FMNIST, '--store', STORE, '--index', '$(JOB_COMPLETION_INDEX)', '--download']);
    expect(container.resources?.limits?.['nvidia.com/gpu']).toBe(1);
    expect(job.spec!.podFailurePolicy!.rules.map((r) => [r.action, r.onExitCodes?.values ?? null])).toEqual([
      ['Ignore', null],
      ['FailIndex', [2, 4]],
      ['Count', [3]],
    ]);
    expect(stderr).toContain('93 of 93 runs → Indexed Job');
    expect(stderr).toContain('warning: --s3-endpoint');
  });

  it(`${EXAMPLES} --only: each pod trains the run its index names into S3, and verify over the prefix finds them`, async () => {
    const only = ['--only', 'method=rigl,distribution=erk'];
    const { job } = await k8sJob([EXAMPLES, ...only]);
    expect(job.spec!.completions).toBe(2);
    expect(() => validateJobSchema(job)).not.toThrow();
    expect(apiServerRuleViolations(job)).toEqual([]);
    // As the cluster would (parallelism 2): both pods at once.
    for (const pod of await Promise.all([0, 1].map((index) => runPod(job, index)))) expect(pod.exitCode, pod.output).toBe(0);
    // Plan indices 6 and 7 are the rigl × erk runs (seeds 0 and 1) of the examples suite.
    expect(await verifiedIndices(only)).toEqual([6, 7]);
  });

  it(`${EXAMPLES} without --only: the pod of completion index i trains plan index i`, async () => {
    const { job } = await wholeExamplesJob();
    expect(job.spec!.completions).toBe(10);
    expect(() => validateJobSchema(job)).not.toThrow();
    for (const pod of await Promise.all([0, 9].map((index) => runPod(job, index)))) expect(pod.exitCode, pod.output).toBe(0);
    expect(await verifiedIndices([])).toEqual([0, 6, 7, 9]);
  });

  it('a pod whose index the manifest does not have (an image with an older manifest) exits 2, which fails its index without retry', async () => {
    const { job } = await wholeExamplesJob();
    const pod = await runPod(job, 10);
    expect(pod.exitCode).toBe(2);
    expect(pod.output).toContain('run index 10 is out of range');
    expect(job.spec!.podFailurePolicy!.rules.find((r) => r.onExitCodes?.values.includes(2))?.action).toBe('FailIndex');
  });
});
