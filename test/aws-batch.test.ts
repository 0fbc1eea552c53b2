/**
 * The AWS Batch array job of ci/aws-batch/ (issue #7, docs/fan-out.md): the job definition's
 * retry strategy evaluated by AWS's documented rules (exit 2 and 4 end the job, 3 and host
 * terminations retry), its command a real `run` command line without --index (each child's
 * AWS_BATCH_JOB_ARRAY_INDEX picks its run), no credentials in it; and submit.sh run for real
 * against s3rver with a stand-in `aws` that records the submit-job call, after which one array
 * child is played here as Batch would start it and `verify` over the S3 prefix finds its run.
 * No AWS account is involved.
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../harness/commands/main.ts';
import { runCommand } from '../harness/commands/run.ts';
import { checkImageReference, parseS3StoreUri } from '../harness/k8s/inputs.ts';
import { S3RVER_CREDENTIALS, startS3Server, type S3TestServer } from '../harness/store/testing/s3-server.ts';

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = path.join(ROOT, 'bin', 'rigl-harness.js');
const SUBMIT = path.join(ROOT, 'ci', 'aws-batch', 'submit.sh');

interface RetryRule {
  onStatusReason?: string;
  onReason?: string;
  onExitCode?: string;
  action: 'RETRY' | 'EXIT';
}
interface JobDefinition {
  jobDefinitionName: string;
  type: string;
  parameters: Record<string, string>;
  containerProperties: {
    image: string;
    command: string[];
    jobRoleArn?: string;
    resourceRequirements: { type: string; value: string }[];
    environment: { name: string; value: string }[];
    secrets?: unknown[];
  };
  retryStrategy: { attempts: number; evaluateOnExit: RetryRule[] };
}

const definition = JSON.parse(await readFile(path.join(ROOT, 'ci', 'aws-batch', 'job-definition.json'), 'utf8')) as JobDefinition;

/**
 * AWS Batch's retry decision (RetryStrategy / EvaluateOnExit docs): rules in order; a rule applies
 * when each condition it names matches, a pattern matching exactly or, ending in '*', by prefix;
 * the first applying rule's action is taken; when none applies, the job is retried.
 */
function batchAction(rules: readonly RetryRule[], attempt: { exitCode: number | null; statusReason: string; reason: string }): 'RETRY' | 'EXIT' {
  const matches = (pattern: string | undefined, value: string | null) =>
    pattern === undefined || (value !== null && (pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern));
  for (const rule of rules) {
    const exitCode = attempt.exitCode === null ? null : String(attempt.exitCode);
    if (matches(rule.onExitCode, exitCode) && matches(rule.onStatusReason, attempt.statusReason) && matches(rule.onReason, attempt.reason)) return rule.action;
  }
  return 'RETRY';
}

/** Batch's parameter substitution in a command: `Ref::name` → the parameter's value. */
function substitute(command: readonly string[], parameters: Record<string, string>): string[] {
  return command.map((word) => word.replace(/Ref::([A-Za-z0-9_]+)/g, (whole, name: string) => parameters[name] ?? whole));
}

describe('ci/aws-batch/job-definition.json', () => {
  it('ends the job on exit 2 and 4, retries 3 and host terminations, and retries what it does not name (design.md "Exit codes")', () => {
    const rules = definition.retryStrategy.evaluateOnExit;
    expect(rules.length).toBeLessThanOrEqual(5);
    expect(definition.retryStrategy.attempts).toBeGreaterThanOrEqual(2);
    expect(definition.retryStrategy.attempts).toBeLessThanOrEqual(10);
    for (const rule of rules) if (rule.onExitCode !== undefined) expect(rule.onExitCode).toMatch(/^\d+\*?$/);
    const essential = { statusReason: 'Essential container in task exited', reason: '' };
    const decide = (exitCode: number) => batchAction(rules, { exitCode, ...essential });
    expect([2, 4].map(decide)).toEqual(['EXIT', 'EXIT']);
    expect(decide(3)).toBe('RETRY');
    // A bug (70) or an out-of-memory kill (137) is retried, as Kubernetes' Count does.
    expect([70, 137].map(decide)).toEqual(['RETRY', 'RETRY']);
    // A Spot reclaim: the run checkpointed on SIGTERM (exit 130) and resumes in the next attempt.
    expect(batchAction(rules, { exitCode: 130, statusReason: 'Host EC2 (instance i-0abc) terminated.', reason: '' })).toBe('RETRY');
    expect(batchAction(rules, { exitCode: 2, statusReason: 'Host EC2 (instance i-0abc) terminated.', reason: '' })).toBe('RETRY');
  });

  it('runs `run MANIFEST --store S3` through the image entrypoint, the array index picking the run', () => {
    const { command, image } = definition.containerProperties;
    expect(definition.type).toBe('container');
    expect(checkImageReference('image', image)).toBe(image);
    const argv = substitute(command, definition.parameters);
    expect(argv.some((w) => w.includes('Ref::'))).toBe(false);
    expect(argv[0]).toBe('run');
    const parsed = parseCommandLine(runCommand, argv.slice(1));
    expect(parsed.values.index).toBeUndefined();
    expect(parseS3StoreUri('--store', parsed.values.store as string).bucket).toBe('example-bucket');
    expect(parsed.positionals).toEqual(['manifests/fmnist-lenet300/suite.json']);
    expect(definition.containerProperties.resourceRequirements).toContainEqual({ type: 'GPU', value: '1' });
  });

  it('holds no credentials: the job role gives them', () => {
    expect(definition.containerProperties.jobRoleArn).toMatch(/^arn:aws:iam::\d{12}:role\//);
    const names = definition.containerProperties.environment.map((e) => e.name);
    for (const secret of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) expect(names).not.toContain(secret);
    expect(definition.containerProperties.secrets).toBeUndefined();
  });
});

describe('ci/aws-batch/submit.sh', () => {
  let s3: S3TestServer;
  let work: string;
  let stubs: string;
  const bucket = 'rigl-batch';
  const store = `s3://${bucket}/array`;
  const s3Env = () => ({ ...S3RVER_CREDENTIALS, AWS_REGION: 'us-east-1' });

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'aws-batch-'));
    s3 = await startS3Server({ directory: path.join(work, 's3'), bucket });
    stubs = path.join(work, 'bin');
    await execa('mkdir', ['-p', stubs]);
    // The aws CLI stand-in: records its arguments (NUL-separated) and answers a job id.
    await writeFile(path.join(stubs, 'aws'), `#!/bin/sh\nprintf '%s\\0' "$@" > ${path.join(work, 'aws-args')}\necho 0f1e2d3c-job\n`);
    await chmod(path.join(stubs, 'aws'), 0o755);
  });

  afterAll(async () => {
    await s3?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('refuses a local store and a wrong argument count with exit 2', () => {
    const local = spawnSync('bash', [SUBMIT, 'manifests/examples/suite.json', './results', 'queue'], { encoding: 'utf8' });
    expect(local.status).toBe(2);
    expect(local.stderr).toContain('the store must be s3://BUCKET/PREFIX');
    const few = spawnSync('bash', [SUBMIT, 'manifests/examples/suite.json'], { encoding: 'utf8' });
    expect(few.status).toBe(2);
    expect(few.stderr).toContain('usage: ci/aws-batch/submit.sh FILE s3://BUCKET/PREFIX JOB_QUEUE');
  });

  it('submits one array child per run; child i trains plan index i into the S3 store', async () => {
    const file = 'manifests/examples/suite.json';
    const submitted = await execa('bash', [SUBMIT, file, store, 'gpu-queue'], {
      cwd: work,
      reject: false,
      env: { ...s3Env(), PATH: `${stubs}:${process.env.PATH}`, RIGL_S3_ENDPOINT: s3.endpoint, RIGL_HARNESS_FAKE_TRAINER: '1' },
    });
    expect(submitted.exitCode, String(submitted.stderr)).toBe(0);
    expect(String(submitted.stdout)).toBe('0f1e2d3c-job');
    expect(String(submitted.stderr)).toContain(`${file}: 10 runs, 10 not stored yet in ${store}`);
    const args = (await readFile(path.join(work, 'aws-args'), 'utf8')).split('\0').slice(0, -1);
    const flag = (name: string) => args[args.indexOf(name) + 1];
    expect(args.slice(0, 2)).toEqual(['batch', 'submit-job']);
    expect(flag('--job-queue')).toBe('gpu-queue');
    expect(flag('--job-definition')).toBe('rigl-harness');
    expect(flag('--job-name')).toMatch(/^rigl-suite-\d{14}$/);
    expect(flag('--array-properties')).toBe('size=10');
    const parameters = JSON.parse(flag('--parameters')!) as Record<string, string>;
    expect(parameters).toEqual({ manifest: file, store });
    const overrides = JSON.parse(flag('--container-overrides')!) as { environment: { name: string; value: string }[] };
    expect(overrides.environment).toEqual([{ name: 'AWS_ENDPOINT_URL', value: s3.endpoint }]);

    // Child 3 as Batch starts it: the entrypoint with the definition's command (parameters
    // substituted), its environment plus the overrides, the array index, credentials from the role.
    const command = substitute(definition.containerProperties.command, { ...definition.parameters, ...parameters });
    const env = Object.fromEntries([...definition.containerProperties.environment, ...overrides.environment].map((e) => [e.name, e.value]));
    const child = await execa(process.execPath, [BIN, ...command], {
      cwd: ROOT,
      reject: false,
      env: { ...env, ...S3RVER_CREDENTIALS, AWS_BATCH_JOB_ARRAY_INDEX: '3', RIGL_HARNESS_FAKE_TRAINER: '1' },
    });
    expect(child.exitCode, String(child.stderr)).toBe(0);
    const verify = await execa(process.execPath, [BIN, 'verify', file, '--store', store, '--s3-endpoint', s3.endpoint, '--json'], {
      cwd: ROOT,
      reject: false,
      env: { ...s3Env(), RIGL_HARNESS_FAKE_TRAINER: '1' },
    });
    expect([0, 1, 5]).toContain(verify.exitCode);
    expect((JSON.parse(String(verify.stdout)) as { runs: { verified: { index: number }[] } }).runs.verified.map((r) => r.index)).toEqual([3]);
  });
});
