import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Ignore } from '@balena/dockerignore';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { IMAGE_CLI, type IJob } from '../k8s/indexed-job.ts';
import { apiServerRuleViolations, validateJobSchema } from '../k8s/test-checks.ts';
import { loadManifestFile, type LoadedManifest } from '../manifest/load.ts';
import { TOOL_ROOT, manifestPathInImage } from './k8s.ts';
import { main } from './main.ts';
import { parseOnly, selectRuns } from './selection.ts';

const EXAMPLES = 'manifests/examples/suite.json';
const IMAGE = 'registry.example.com/rigl-harness:0.1.0';
const STORE = 's3://results-bucket/rigl';

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, signal: new AbortController().signal });
  return { code, stdout, stderr };
}

const k8s = (...extra: string[]) => cli(['k8s', path.join(TOOL_ROOT, EXAMPLES), '--image', IMAGE, '--store', STORE, ...extra]);

function containerOf(job: IJob) {
  return job.spec!.template.spec!.containers[0]!;
}

let examples: LoadedManifest;
beforeAll(async () => {
  examples = await loadManifestFile(path.join(TOOL_ROOT, EXAMPLES));
});

describe('k8s command', () => {
  it('prints a valid Indexed Job as YAML on stdout (one index per expanded run) and how to use it on stderr', async () => {
    const r = await k8s();
    expect(r.code).toBe(0);
    const job = parse(r.stdout) as IJob;
    expect(job.spec!.completions).toBe(examples.runs.length);
    expect(examples.runs.length).toBe(10);
    expect(job.spec!.parallelism).toBe(8);
    expect(job.spec!.backoffLimitPerIndex).toBe(2);
    expect(containerOf(job).args).toEqual(['run', EXAMPLES, '--store', STORE, '--index', '$(JOB_COMPLETION_INDEX)', '--download']);
    expect(containerOf(job).image).toBe(IMAGE);
    expect(containerOf(job).resources).toEqual({ limits: { 'nvidia.com/gpu': 1 } });
    expect(containerOf(job).env!.filter((e) => e.valueFrom?.secretKeyRef !== undefined).map((e) => e.valueFrom!.secretKeyRef!.name)).toEqual(Array(4).fill('rigl-harness-s3'));
    expect(() => validateJobSchema(job)).not.toThrow();
    expect(apiServerRuleViolations(job)).toEqual([]);
    expect(r.stderr).toContain(`Indexed Job ${job.metadata!.name}: 10 indexes, 8 at a time, 1 GPU each`);
    expect(r.stderr).toContain(`verify: rigl-harness verify ${path.join(TOOL_ROOT, EXAMPLES)} --store ${STORE}`);
  });

  it('--json prints the same Job as one JSON document', async () => {
    const [yaml, json] = await Promise.all([k8s('--gpus', '0', '--namespace', 'ml'), k8s('--gpus', '0', '--namespace', 'ml', '--json')]);
    expect(json.code).toBe(0);
    const job = JSON.parse(json.stdout) as IJob;
    expect(job).toEqual(parse(yaml.stdout));
    expect(job.metadata!.namespace).toBe('ml');
    expect(containerOf(job).resources).toBeUndefined();
    expect(json.stderr).toContain('kubectl apply -n ml -f');
  });

  it('--only: one index per matching run, and each pod runs the same filtered selection', async () => {
    const only = 'method=rigl,distribution=erk';
    const r = await k8s('--only', only);
    expect(r.code).toBe(0);
    const job = parse(r.stdout) as IJob;
    const selected = selectRuns(examples.runs, { only: parseOnly(only, examples.axes), index: null });
    expect(selected.map((run) => run.index)).toEqual([6, 7]);
    expect(job.spec!.completions).toBe(2);
    expect(job.spec!.parallelism).toBe(2);
    const script = containerOf(job).command![2]!;
    expect(script).toContain('set -- 6 7\n');
    expect(script).toContain(`run ${EXAMPLES} --store ${STORE} --only ${only} --index "$1" --download`);
    expect(job.metadata!.annotations!['rigl-harness/only']).toBe(only);
    expect(apiServerRuleViolations(job)).toEqual([]);
    expect(r.stderr).toContain(`rigl-harness verify ${path.join(TOOL_ROOT, EXAMPLES)} --only ${only} --store ${STORE}`);
  });

  it('passes --secret, --s3-endpoint, --backoff-limit-per-index, --max-failed-indexes, --parallelism, --name and --no-download through', async () => {
    const r = await k8s('--secret', 'team-s3', '--s3-endpoint', 'https://minio.ml.svc:9000', '--backoff-limit-per-index', '0', '--max-failed-indexes', '3', '--parallelism', '20', '--name', 'fmnist-sweep', '--no-download', '--json');
    expect(r.code).toBe(0);
    const job = JSON.parse(r.stdout) as IJob;
    expect(job.metadata!.name).toBe('fmnist-sweep');
    expect(job.spec!.backoffLimitPerIndex).toBe(0);
    expect(job.spec!.maxFailedIndexes).toBe(3);
    expect(job.spec!.parallelism).toBe(20);
    expect(containerOf(job).args).not.toContain('--download');
    expect(containerOf(job).env!.find((e) => e.name === 'AWS_ENDPOINT_URL')).toEqual({ name: 'AWS_ENDPOINT_URL', value: 'https://minio.ml.svc:9000' });
    expect(new Set(containerOf(job).env!.flatMap((e) => (e.valueFrom?.secretKeyRef === undefined ? [] : [e.valueFrom.secretKeyRef.name])))).toEqual(new Set(['team-s3']));
    expect(() => validateJobSchema(job)).not.toThrow();
  });

  it('never writes credentials from its own environment into the Job', async () => {
    const env = { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', AWS_ENDPOINT_URL: 'https://local.example.com' };
    const r = await cli(['k8s', path.join(TOOL_ROOT, EXAMPLES), '--image', IMAGE, '--store', STORE], env);
    expect(r.code).toBe(0);
    for (const value of Object.values(env)) expect(r.stdout + r.stderr).not.toContain(value);
  });

  it('refuses bad input with exit 2, naming the flag, the value and the bound', async () => {
    const cases: [string[], string][] = [
      [['--store', STORE], '--image is required'],
      [['--image', IMAGE], '--store is required'],
      [['--image', IMAGE, '--store', './results'], '--store: expected an s3://bucket/prefix URI, found "./results" (the pods meet only in S3; a local path inside a pod is lost when the pod ends)'],
      [['--image', IMAGE, '--store', 'file:///tmp/r'], 'a local path inside a pod is lost'],
      [['--image', 'Not An Image', '--store', STORE], '--image: expected a container image reference'],
      [['--image', IMAGE, '--store', STORE, '--gpus=-1'], '--gpus: expected an integer from 0 to 2147483647, found "-1"'],
      [['--image', IMAGE, '--store', STORE, '--max-failed-indexes', '11'], '--max-failed-indexes: expected an integer from 0 to 10, found "11"'],
      [['--image', IMAGE, '--store', STORE, '--parallelism', '0'], '--parallelism: expected an integer from 1 to 100000, found "0"'],
      [['--image', IMAGE, '--store', STORE, '--name', 'x'.repeat(62)], `--name: "${'x'.repeat(62)}" is 62 characters long; at most 61 fit here`],
      [['--image', IMAGE, '--store', STORE, '--namespace', 'ML'], '--namespace: expected a DNS-1123 label'],
      [['--image', IMAGE, '--store', STORE, '--only', 'method=nope'], '--only method=nope matches none of the 10 runs'],
      [['--image', IMAGE, '--store', STORE, '--only', 'optimizer=sgd'], '--only: unknown axis "optimizer"'],
      [['--image', IMAGE, '--store', STORE, '--s3-endpoint', 'https://k:secretvalue@minio'], '--s3-endpoint: the endpoint URL must not carry credentials'],
    ];
    for (const [flags, message] of cases) {
      const r = await cli(['k8s', path.join(TOOL_ROOT, EXAMPLES), ...flags]);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(message);
      expect(r.stderr).not.toContain('secretvalue');
    }
    const missing = await cli(['k8s', 'no-such-file.json', '--image', IMAGE, '--store', STORE]);
    expect(missing.code).toBe(2);
  });

  it('warns when the endpoint names this machine, which a pod cannot reach', async () => {
    const r = await k8s('--s3-endpoint', 'http://localhost:4569');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: --s3-endpoint http://localhost:4569 names this machine');
  });

  it('a manifest outside the tool folder needs --image-manifest', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'k8s-outside-'));
    const file = path.join(dir, 'mine.json');
    await writeFile(file, readFileSync(path.join(TOOL_ROOT, EXAMPLES)));
    const refused = await cli(['k8s', file, '--image', IMAGE, '--store', STORE]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is outside the tool\'s folder');
    expect(refused.stderr).toContain('--image-manifest PATH');
    const given = await cli(['k8s', file, '--image', IMAGE, '--store', STORE, '--image-manifest', '/manifests/mine.json', '--json']);
    expect(given.code).toBe(0);
    expect(containerOf(JSON.parse(given.stdout) as IJob).args!.slice(0, 2)).toEqual(['run', '/manifests/mine.json']);
    expect(manifestPathInImage(path.join(TOOL_ROOT, 'manifests', 'a', 'b.json'))).toBe('manifests/a/b.json');
  });
});

describe('the image the Job runs', () => {
  const dockerfiles = ['Dockerfile', 'Dockerfile.cpu'].map((name) => [name, readFileSync(path.join(TOOL_ROOT, name), 'utf8')] as const);

  it.each(dockerfiles)('%s: its ENTRYPOINT is IMAGE_CLI and its working directory holds the tool, as the Job assumes', (_name, text) => {
    const lines = text.split('\n');
    const entrypoint = lines.filter((l) => l.startsWith('ENTRYPOINT ')).at(-1)!;
    expect(JSON.parse(entrypoint.slice('ENTRYPOINT '.length))).toEqual([...IMAGE_CLI]);
    const workdir = lines.filter((l) => l.startsWith('WORKDIR ')).at(-1)!.slice('WORKDIR '.length).trim();
    expect(`${workdir}/bin/rigl-harness.js`).toBe(IMAGE_CLI[1]);
  });

  it('.dockerignore keeps the committed manifests in the image, at the paths the Job names', () => {
    const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as (options?: { ignorecase?: boolean }) => Ignore;
    const ignore = dockerignore({ ignorecase: false }).add(readFileSync(path.join(TOOL_ROOT, '.dockerignore'), 'utf8'));
    for (const file of ['manifests/examples/suite.json', 'manifests/fmnist-lenet300/suite.json', 'manifests/fmnist-lenet300/quick.json', 'bin/rigl-harness.js']) {
      expect(ignore.ignores(file), file).toBe(false);
    }
  });
});
