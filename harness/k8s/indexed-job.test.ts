import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CONTAINER_NAME,
  IMAGE_CLI,
  buildIndexedJob,
  defaultJobName,
  escapeKubernetesExpansion,
  maxJobNameLength,
  shellQuote,
  slugOfManifestPath,
  type IJob,
  type IndexedJobOptions,
} from './indexed-job.ts';
import { apiServerRuleViolations, validateJobSchema } from './test-checks.ts';

function options(overrides: Partial<IndexedJobOptions> = {}): IndexedJobOptions {
  return {
    name: null,
    namespace: null,
    image: 'registry.example.com/rigl-harness:0.1.0',
    manifestPath: 'manifests/examples/suite.json',
    manifestSha256: 'a'.repeat(64),
    storeUri: 's3://results-bucket/rigl',
    s3Endpoint: null,
    only: null,
    planIndices: [0, 1, 2, 3, 4],
    gpus: 1,
    parallelism: 4,
    backoffLimitPerIndex: 2,
    maxFailedIndexes: null,
    secretName: 'rigl-harness-s3',
    download: true,
    ...overrides,
  };
}

function containerOf(job: IJob) {
  const containers = job.spec!.template.spec!.containers;
  expect(containers).toHaveLength(1);
  return containers[0]!;
}

/**
 * Kubernetes' expansion of a container's command and args (documented for `command` and `args`:
 * `$(VAR)` becomes VAR's value when VAR is defined and stays as written otherwise; `$$` becomes `$`).
 */
function kubeletExpand(text: string, env: Record<string, string>): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '$') {
      out += '$';
      i++;
    } else if (text[i] === '$' && text[i + 1] === '(' && text.indexOf(')', i) > i) {
      const close = text.indexOf(')', i);
      const name = text.slice(i + 2, close);
      out += Object.hasOwn(env, name) ? env[name] : text.slice(i, close + 1);
      i = close;
    } else {
      out += text[i];
    }
  }
  return out;
}

/** A folder with a `node` that prints its arguments NUL-separated, to run a pod's script against. */
function argumentPrinter(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'k8s-node-'));
  writeFileSync(path.join(dir, 'node'), '#!/bin/sh\nfor a in "$@"; do printf \'%s\\0\' "$a"; done\n');
  chmodSync(path.join(dir, 'node'), 0o755);
  return dir;
}

/** What the pod with completion index `index` executes: kubelet expansion, then the shell if any. */
function podArgv(job: IJob, index: number, stubDir: string): { status: number | null; argv: string[]; stderr: string } {
  const c = containerOf(job);
  // The container's environment: the index the Job controller sets, and a variable from the Secret.
  const env = { JOB_COMPLETION_INDEX: String(index), AWS_REGION: 'eu-west-1' };
  if (c.command === undefined) return { status: 0, argv: [...IMAGE_CLI, ...(c.args ?? []).map((a) => kubeletExpand(a, env))], stderr: '' };
  const [program, ...rest] = c.command.map((a) => kubeletExpand(a, env));
  const r = spawnSync(program!, rest, { env: { PATH: `${stubDir}:/usr/bin:/bin`, ...env }, encoding: 'utf8' });
  return { status: r.status, argv: ['node', ...r.stdout.split('\0').slice(0, -1)], stderr: r.stderr };
}

describe('buildIndexedJob', () => {
  it('is an Indexed Job with one completion index per run, valid against the Kubernetes schema and API rules', () => {
    const job = buildIndexedJob(options({ maxFailedIndexes: 3 }));
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.kind).toBe('Job');
    expect(job.spec.completionMode).toBe('Indexed');
    expect(job.spec.completions).toBe(5);
    expect(job.spec.parallelism).toBe(4);
    expect(job.spec.backoffLimitPerIndex).toBe(2);
    expect(job.spec.maxFailedIndexes).toBe(3);
    expect(job.spec.backoffLimit).toBeUndefined();
    expect(job.spec.template.spec!.restartPolicy).toBe('Never');
    expect(() => validateJobSchema(job)).not.toThrow();
    expect(apiServerRuleViolations(job)).toEqual([]);
    expect(buildIndexedJob(options()).spec.maxFailedIndexes).toBeUndefined();
  });

  it('fails an index without retry on exit 2 and 4, retries 3 up to backoffLimitPerIndex, ignores disruptions (design.md "Exit codes")', () => {
    const rules = buildIndexedJob(options()).spec.podFailurePolicy!.rules;
    expect(rules).toEqual([
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      { action: 'FailIndex', onExitCodes: { containerName: CONTAINER_NAME, operator: 'In', values: [2, 4] } },
      { action: 'Count', onExitCodes: { containerName: CONTAINER_NAME, operator: 'In', values: [3] } },
    ]);
    expect(containerOf(buildIndexedJob(options())).name).toBe(CONTAINER_NAME);
  });

  it('takes S3 credentials from the named Secret by reference and never as values', () => {
    const job = buildIndexedJob(options({ secretName: 'team-s3', s3Endpoint: 'https://minio.example.com:9000' }));
    const env = containerOf(job).env!;
    expect(env.map((e) => e.name)).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_ENDPOINT_URL']);
    for (const e of env.slice(0, 4)) {
      expect(e.value).toBeUndefined();
      expect(e.valueFrom).toEqual({ secretKeyRef: { name: 'team-s3', key: e.name, ...(['AWS_SESSION_TOKEN', 'AWS_REGION'].includes(e.name) ? { optional: true } : {}) } });
    }
    // The endpoint is the only literal value, and it is no secret.
    expect(env.filter((e) => e.value !== undefined)).toEqual([{ name: 'AWS_ENDPOINT_URL', value: 'https://minio.example.com:9000' }]);
    expect(containerOf(buildIndexedJob(options())).env!.some((e) => e.name === 'AWS_ENDPOINT_URL')).toBe(false);
    expect(containerOf(job).envFrom).toBeUndefined();
  });

  it('asks for N GPUs (and tolerates the GPU taint), or none with --gpus 0', () => {
    const two = buildIndexedJob(options({ gpus: 2 }));
    expect(containerOf(two).resources).toEqual({ limits: { 'nvidia.com/gpu': 2 } });
    expect(two.spec.template.spec!.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    const none = buildIndexedJob(options({ gpus: 0 }));
    expect(containerOf(none).resources).toBeUndefined();
    expect(none.spec.template.spec!.tolerations).toBeUndefined();
    expect(() => validateJobSchema(two)).not.toThrow();
    expect(apiServerRuleViolations(none)).toEqual([]);
  });

  it('runs `run FILE --store S3 --index $(JOB_COMPLETION_INDEX)` through the image entrypoint when index i is run i', () => {
    const job = buildIndexedJob(options());
    expect(containerOf(job).command).toBeUndefined();
    expect(containerOf(job).args).toEqual(['run', 'manifests/examples/suite.json', '--store', 's3://results-bucket/rigl', '--index', '$(JOB_COMPLETION_INDEX)', '--download']);
    expect(containerOf(buildIndexedJob(options({ download: false }))).args).not.toContain('--download');
    const stub = argumentPrinter();
    for (const i of [0, 4]) {
      expect(podArgv(job, i, stub).argv).toEqual([...IMAGE_CLI, 'run', 'manifests/examples/suite.json', '--store', 's3://results-bucket/rigl', '--index', String(i), '--download']);
    }
    // An --only selection that happens to be a prefix of plan order needs no mapping either.
    const prefix = buildIndexedJob(options({ only: 'method=dense', planIndices: [0, 1] }));
    expect(containerOf(prefix).args).toEqual(['run', 'manifests/examples/suite.json', '--store', 's3://results-bucket/rigl', '--only', 'method=dense', '--index', '$(JOB_COMPLETION_INDEX)', '--download']);
  });

  it('maps completion index i to the i-th selected plan index in a POSIX shell, passing --only on', () => {
    const planIndices = [2, 5, 9];
    const job = buildIndexedJob(options({ only: 'method=rigl,sparsity=0.9', planIndices }));
    expect(job.spec.completions).toBe(3);
    expect(containerOf(job).command?.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(containerOf(job).args).toBeUndefined();
    const stub = argumentPrinter();
    for (const [i, planIndex] of planIndices.entries()) {
      const pod = podArgv(job, i, stub);
      expect(pod.stderr).toBe('');
      expect(pod.status).toBe(0);
      expect(pod.argv).toEqual([...IMAGE_CLI, 'run', 'manifests/examples/suite.json', '--store', 's3://results-bucket/rigl', '--only', 'method=rigl,sparsity=0.9', '--index', String(planIndex), '--download']);
    }
    // An index past the list (impossible in a Job of 3 completions) fails with 2, which FailIndex catches.
    expect(podArgv(job, 3, stub).status).toBe(2);
  });

  it('passes values with shell and Kubernetes metacharacters through unchanged', () => {
    const only = "tag=it's $(whoami) $$ `x` \"q\"";
    // Unescaped, Kubernetes would put the Secret's AWS_REGION where "$(AWS_REGION)" is written.
    const storeUri = 's3://results-bucket/a$(AWS_REGION)/$$c';
    const stub = argumentPrinter();
    for (const planIndices of [[0, 1], [1, 3]]) {
      const job = buildIndexedJob(options({ only, storeUri, planIndices, manifestPath: 'manifests/my suite.json' }));
      const argv = podArgv(job, 1, stub).argv;
      expect(argv.slice(2)).toEqual(['run', 'manifests/my suite.json', '--store', storeUri, '--only', only, '--index', String(planIndices[1]), '--download']);
    }
  });

  it('names the Job after the manifest and a hash of the Job, short enough for every pod hostname', () => {
    const job = buildIndexedJob(options());
    expect(job.metadata.name).toMatch(/^rigl-examples-suite-[0-9a-f]{8}$/);
    expect(buildIndexedJob(options()).metadata.name).toBe(job.metadata.name);
    expect(buildIndexedJob(options({ image: 'registry.example.com/rigl-harness:0.2.0' })).metadata.name).not.toBe(job.metadata.name);
    expect(buildIndexedJob(options({ manifestSha256: 'b'.repeat(64) })).metadata.name).not.toBe(job.metadata.name);
    expect(buildIndexedJob(options({ name: 'mine' })).metadata.name).toBe('mine');
    // 63 − "-" − digits of the largest index: 93 runs → index 92 → 60; 1 run → 61; 100000 → 57.
    expect([maxJobNameLength(93), maxJobNameLength(1), maxJobNameLength(100_000)]).toEqual([60, 61, 57]);
    const long = defaultJobName(`manifests/${'very-long-name-'.repeat(8)}.json`, {}, 100_000);
    expect(long.length).toBeLessThanOrEqual(57);
    expect(long).toMatch(/^rigl-very-long-name-[a-z0-9-]*[a-z0-9]-[0-9a-f]{8}$/);
    expect(slugOfManifestPath('manifests/fmnist-lenet300/suite.json')).toBe('fmnist-lenet300-suite');
    expect(slugOfManifestPath('./manifests/rigl-report/CIFAR10_wrn22-2.json')).toBe('rigl-report-cifar10-wrn22-2');
  });

  it('records the manifest, its sha256, the filter and the store in annotations, and the namespace when given', () => {
    const job = buildIndexedJob(options({ only: 'seed=0', namespace: 'ml' }));
    expect(job.metadata.namespace).toBe('ml');
    expect(job.metadata.annotations).toEqual({
      'rigl-harness/manifest': 'manifests/examples/suite.json',
      'rigl-harness/manifest-sha256': 'a'.repeat(64),
      'rigl-harness/only': 'seed=0',
      'rigl-harness/store': 's3://results-bucket/rigl',
    });
    expect(buildIndexedJob(options()).metadata.namespace).toBeUndefined();
  });
});

describe('shell and Kubernetes quoting', () => {
  it('escapes only what Kubernetes would expand', () => {
    expect(escapeKubernetesExpansion('a$(B)c')).toBe('a$$(B)c');
    // The first $ of "$$" is doubled; the last, before nothing, stays: Kubernetes reads "$$$" as "$$".
    expect(escapeKubernetesExpansion('$$')).toBe('$$$');
    expect(escapeKubernetesExpansion('"$1" $JOB_COMPLETION_INDEX $')).toBe('"$1" $JOB_COMPLETION_INDEX $');
    for (const s of ['a$(B)c', '$$', '$$(X)', '$', 'x$', '$(', '$1', 'plain']) expect(kubeletExpand(escapeKubernetesExpansion(s), { B: 'expanded', X: 'x' })).toBe(s);
  });

  it('quotes words so that sh reads them back', () => {
    const words = ['plain', 'a b', "it's", '$(x)', '`x`', '"q"', 'a\nb', '', '*', 'method=rigl,sparsity=0.9'];
    const r = spawnSync('/bin/sh', ['-c', `printf '%s\\0' ${words.map(shellQuote).join(' ')}`], { encoding: 'utf8' });
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(words);
    expect(shellQuote('s3://bucket/prefix')).toBe('s3://bucket/prefix');
  });
});

describe('the checks themselves can fail', () => {
  it('the Kubernetes schema refuses a bad action, exit code type and restart policy', () => {
    const bad = (mutate: (job: IJob) => void) => {
      const job = structuredClone(buildIndexedJob(options())) as IJob;
      mutate(job);
      return () => validateJobSchema(job);
    };
    expect(bad((j) => (j.spec!.podFailurePolicy!.rules[1]!.action = 'Retry' as 'Count'))).toThrow(/action/);
    expect(bad((j) => ((j.spec!.podFailurePolicy!.rules[1]!.onExitCodes!.values as unknown[]) = ['2']))).toThrow(/values\/0 must be integer/);
    expect(bad((j) => (j.spec!.template.spec!.restartPolicy = 'Sometimes' as 'Never'))).toThrow(/restartPolicy/);
    expect(bad((j) => (j.spec!.completionMode = 'indexed' as 'Indexed'))).toThrow(/completionMode/);
  });

  it('the API rules refuse FailIndex without backoffLimitPerIndex, OnFailure, unsorted codes, a long name', () => {
    const violations = (mutate: (job: IJob) => void) => {
      const job = structuredClone(buildIndexedJob(options())) as IJob;
      mutate(job);
      return apiServerRuleViolations(job).join('\n');
    };
    expect(violations((j) => delete j.spec!.backoffLimitPerIndex)).toMatch(/FailIndex requires backoffLimitPerIndex/);
    expect(violations((j) => (j.spec!.template.spec!.restartPolicy = 'OnFailure'))).toMatch(/requires restartPolicy Never/);
    expect(violations((j) => (j.spec!.podFailurePolicy!.rules[1]!.onExitCodes!.values = [4, 2]))).toMatch(/ordered without duplicates/);
    expect(violations((j) => (j.spec!.podFailurePolicy!.rules[1]!.onExitCodes!.containerName = 'main'))).toMatch(/names no container/);
    expect(violations((j) => (j.metadata!.name = 'x'.repeat(62)))).toMatch(/hostname x+-4 is longer than 63/);
    expect(violations((j) => (j.spec!.maxFailedIndexes = 6))).toMatch(/maxFailedIndexes 6 exceeds completions 5/);
  });
});
