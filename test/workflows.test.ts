/**
 * The GitHub Actions workflows users copy (ci/github/, issue #7): valid against the workflow schema
 * (@action-validator/core, offline), every rigl-harness invocation a real command with real flags
 * (checked against the CLI's own --help), and the full suite's matrix built from the real
 * `plan --json` output: the plan step's script runs here on a store where one run already exists.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateWorkflow } from '@action-validator/core';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = path.join(ROOT, 'bin', 'rigl-harness.js');
const FILES = ['ci/github/pr-check.yml', 'ci/github/full-suite.yml'] as const;

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  'runs-on': string;
  outputs?: Record<string, string>;
  strategy?: { matrix: Record<string, unknown>; 'fail-fast'?: boolean };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflows = Object.fromEntries(FILES.map((f) => [f, readFileSync(path.join(ROOT, f), 'utf8')])) as Record<(typeof FILES)[number], string>;
const parsed = (f: (typeof FILES)[number]) => parse(workflows[f]) as Workflow;

/** Shell words of a script: quotes removed, `${{ … }}` kept whole, continuation lines joined. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (line.startsWith('${{', i)) {
      const end = line.indexOf('}}', i);
      if (end < 0) throw new Error(`unclosed \${{ in: ${line}`);
      current += line.slice(i, end + 2);
      started = true;
      i = end + 1;
    } else if (ch === '"' || ch === "'") {
      const end = line.indexOf(ch, i + 1);
      if (end < 0) throw new Error(`unclosed ${ch} in: ${line}`);
      current += line.slice(i + 1, end);
      started = true;
      i = end;
    } else if (/\s/.test(ch)) {
      if (started) words.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (started) words.push(current);
  return words;
}

/** Every `node bin/rigl-harness.js …` in a workflow: its words up to a redirection or pipe. */
function harnessInvocations(workflow: Workflow): string[][] {
  const out: string[][] = [];
  for (const job of Object.values(workflow.jobs)) {
    for (const step of job.steps) {
      for (const line of (step.run ?? '').replace(/\\\n/g, ' ').split('\n')) {
        if (!line.includes('bin/rigl-harness.js')) continue;
        const words = shellWords(line);
        const at = words.findIndex((w, i) => w === 'node' && words[i + 1] === 'bin/rigl-harness.js');
        if (at < 0) continue;
        const rest = words.slice(at + 2);
        const stop = rest.findIndex((w) => ['>', '|', '&&', ';', '2>&1'].includes(w));
        out.push(stop < 0 ? rest : rest.slice(0, stop));
      }
    }
  }
  return out;
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = await execa(process.execPath, [BIN, ...args], { cwd: ROOT, reject: false, env });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** `rigl-harness [COMMAND] --help`, each asked once per test file. */
const helps = new Map<string, Promise<{ exitCode: number | undefined; stdout: string }>>();
function help(command: string | null): Promise<{ exitCode: number | undefined; stdout: string }> {
  const key = command ?? '';
  if (!helps.has(key)) helps.set(key, cli(command === null ? ['--help'] : [command, '--help']));
  return helps.get(key)!;
}

/** The CLI starts take seconds each on a busy 2-core machine; allow for a very busy one. */
const SLOW_MS = 300_000;

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'rigl-workflows-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe.each(FILES)('%s', (file) => {
  it('is a valid GitHub Actions workflow (@action-validator/core)', () => {
    expect(validateWorkflow(workflows[file]).errors).toEqual([]);
  });

  it('runs only real rigl-harness commands and flags (each checked against its --help)', async () => {
    const invocations = harnessInvocations(parsed(file));
    expect(invocations.length).toBeGreaterThanOrEqual(2);
    const top = await help(null);
    expect(top.exitCode).toBe(0);
    const commands = new Set([...top.stdout.matchAll(/^ {2}([a-z0-9]+) {2,}/gm)].map((m) => m[1]!));
    expect([...commands]).toEqual(expect.arrayContaining(['validate', 'plan', 'run', 'verify', 'report']));
    for (const [command] of invocations) expect(commands, `${file}: unknown command ${command}`).toContain(command);
    const used = [...new Set(invocations.map(([command]) => command!))];
    const helpOf = new Map(await Promise.all(used.map(async (c) => [c, await help(c)] as const)));
    for (const [command, ...args] of invocations) {
      expect(helpOf.get(command!)!.exitCode).toBe(0);
      for (const flag of args.filter((a) => a.startsWith('--'))) {
        expect(helpOf.get(command!)!.stdout, `${file}: ${command} has no flag ${flag}`).toMatch(new RegExp(`^\\s+${flag}\\b`, 'm'));
      }
      // The manifest argument is a file of this repository, or the workflow's SUITE variable.
      const manifest = args[0]!;
      expect(manifest === '$SUITE' || existsSync(path.join(ROOT, manifest)), `${file}: ${manifest}`).toBe(true);
    }
  }, SLOW_MS);
});

describe('pr-check.yml', () => {
  const wf = parsed('ci/github/pr-check.yml');
  const steps = wf.jobs.quick!.steps;

  it('runs on pull requests: Node 20, the Debian dataset, npm ci, the quick manifest with --verify, the report as an artifact', () => {
    expect(Object.keys(wf.on)).toEqual(['pull_request']);
    expect(steps.find((s) => s.uses?.startsWith('actions/setup-node@'))?.with?.['node-version']).toBe(20);
    const runs = steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toMatch(/apt-get install -y --no-install-recommends dataset-fashion-mnist/);
    expect(runs).toMatch(/^npm ci\b/m);
    const invocations = harnessInvocations(wf);
    expect(invocations[0]!.slice(0, 2)).toEqual(['run', 'manifests/fmnist-lenet300/quick.json']);
    expect(invocations[0]).toContain('--verify');
    expect(invocations[1]!.slice(0, 2)).toEqual(['report', 'manifests/fmnist-lenet300/quick.json']);
    const out = invocations[1]![invocations[1]!.indexOf('--out') + 1];
    expect(out).toBe('report');
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(String(upload?.with?.path)).toContain(`${out}/`);
    // The report is written and uploaded even when a claim fails.
    expect(steps.filter((s) => s.run?.includes(' report ') || s.uses?.startsWith('actions/upload-artifact@')).map((s) => s.if)).toEqual([
      '${{ !cancelled() }}',
      '${{ !cancelled() }}',
    ]);
  });
});

describe('full-suite.yml', () => {
  const wf = parsed('ci/github/full-suite.yml');

  it('is scheduled and manual; credentials come from secrets and the endpoint from a variable', () => {
    expect(Object.keys(wf.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect(wf.env).toMatchObject({
      AWS_ACCESS_KEY_ID: '${{ secrets.AWS_ACCESS_KEY_ID }}',
      AWS_SECRET_ACCESS_KEY: '${{ secrets.AWS_SECRET_ACCESS_KEY }}',
      AWS_ENDPOINT_URL: '${{ vars.AWS_ENDPOINT_URL }}',
      RIGL_STORE: '${{ vars.RIGL_STORE }}',
    });
    expect(existsSync(path.join(ROOT, 'manifests/fmnist-lenet300/suite.json'))).toBe(true);
    expect(wf.env?.SUITE).toContain("'manifests/fmnist-lenet300/suite.json'");
  });

  it('plan → one train job per run index (from the plan job\'s output) → verify and report over the store', () => {
    const { plan, train, verify } = wf.jobs as Record<'plan' | 'train' | 'verify', Job>;
    expect(plan.outputs?.indices).toBe('${{ steps.indices.outputs.indices }}');
    expect(train.needs).toBe('plan');
    expect(train.strategy?.matrix.index).toBe('${{ fromJSON(needs.plan.outputs.indices) }}');
    expect(train.strategy?.['fail-fast']).toBe(false);
    expect(train.if).toBe("${{ needs.plan.outputs.count != '0' }}");
    const trainRun = harnessInvocations({ ...wf, jobs: { train } });
    expect(trainRun).toEqual([['run', '$SUITE', '--index', '${{ matrix.index }}', '--store', '$RIGL_STORE', '--download']]);
    expect(verify.needs).toEqual(['plan', 'train']);
    expect(harnessInvocations({ ...wf, jobs: { verify } }).map((w) => w.slice(0, 4))).toEqual([
      ['verify', '$SUITE', '--store', '$RIGL_STORE'],
      ['report', '$SUITE', '--store', '$RIGL_STORE'],
    ]);
    expect(harnessInvocations({ ...wf, jobs: { plan } })).toEqual([['plan', '$SUITE', '--store', '$RIGL_STORE', '--json']]);
  });

  it("the plan step's script turns the real `plan --json` into the matrix: the indices of the runs not stored yet", async () => {
    const suite = 'manifests/fmnist-lenet300/suite.json';
    const store = path.join(tmp, 'store');
    // Store run 5 with the harness's deterministic fake trainer (milliseconds), then plan.
    const fake = { RIGL_HARNESS_FAKE_TRAINER: '1' };
    const trained = await cli(['run', suite, '--index', '5', '--store', store], fake);
    expect(trained.exitCode, trained.stderr).toBe(0);
    const plan = await cli(['plan', suite, '--store', store, '--json'], fake);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const work = await mkdtemp(path.join(tmp, 'job-'));
    await writeFile(path.join(work, 'plan.json'), plan.stdout);
    const output = path.join(work, 'github-output');
    await writeFile(output, '');

    const step = wf.jobs.plan!.steps.find((s) => s.id === 'indices')!;
    expect(step.shell).toBe('bash');
    const r = await execa('bash', ['-e', '-c', step.run!], { cwd: work, reject: false, env: { GITHUB_OUTPUT: output } });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const lines = (await readFile(output, 'utf8')).trim().split('\n');
    const expected = Array.from({ length: 93 }, (_, i) => i).filter((i) => i !== 5);
    expect(lines).toEqual([`indices=${JSON.stringify(expected)}`, 'count=92']);

    // More than GitHub's 256 jobs per matrix: the step fails and says why.
    const big = { runs: Array.from({ length: 300 }, (_, index) => ({ index, willTrain: true })) };
    await writeFile(path.join(work, 'plan.json'), JSON.stringify(big));
    const tooMany = await execa('bash', ['-e', '-c', step.run!], { cwd: work, reject: false, env: { GITHUB_OUTPUT: output } });
    expect(tooMany.exitCode).toBe(1);
    expect(String(tooMany.stderr)).toContain('300 runs to train, more than the 256 jobs GitHub allows in one matrix');
  }, SLOW_MS);
});
