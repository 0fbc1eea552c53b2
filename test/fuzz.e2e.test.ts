/**
 * Issue #5, hostile input: `validate` and `plan` (and `report --out`, `plan --store`) on 1,200
 * seeded hostile manifests (test/fuzz/hostile-manifests.ts). Each must exit 2 with a message that
 * names the field (its JSON pointer, or the flag); none may crash (exit 70) or pass.
 *
 * Most cases call the command entry `main(argv, io)` in this process (a Node start per case would
 * take over a second); a sample of them goes through the real CLI (`validate` takes many files in
 * one process). A failure prints the case number, what was done and the output; rerun one case
 * with FUZZ_CASE=<number> (and FUZZ_SEED=<seed> if the seed was changed).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../harness/commands/main.ts';
import { baseDocuments, hostileCase, type HostileCase } from './fuzz/hostile-manifests.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const BIN = join(ROOT, 'bin', 'rigl-harness.js');
const SEED = Number(process.env.FUZZ_SEED ?? 20240605);
const CASES = 1200;
const ONLY = process.env.FUZZ_CASE === undefined ? null : Number(process.env.FUZZ_CASE);

let dir: string;

async function inProcess(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const exitCode = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: { ...process.env, RIGL_HARNESS_FAKE_TRAINER: '1' }, signal: new AbortController().signal });
  return { exitCode, output: stdout + stderr };
}

async function writeCase(c: HostileCase): Promise<string> {
  const file = join(dir, `case-${c.id}.json`);
  await writeFile(file, c.text);
  return file;
}

function argvOf(c: HostileCase, file: string): string[] {
  const store = c.args.includes('--store') ? [] : c.command === 'validate' ? [] : ['--store', join(dir, 'store')];
  const out = c.command === 'report' && !c.args.includes('--out') ? ['--out', join(dir, 'report')] : [];
  return [c.command, file, ...store, ...out, ...c.args];
}

/** Whether `output` names what the case says it must. */
function namesTheField(c: HostileCase, output: string): boolean {
  if ('flag' in c.names) return output.includes(`${c.names.flag}:`) || output.includes(`${c.names.flag} `);
  const { pointer, alsoKey } = c.names;
  if (pointer === '') return output.includes('(document)');
  if (output.includes(`${pointer}:`) || output.includes(`${pointer}/`)) return true;
  if (alsoKey !== undefined) {
    const parent = pointer.slice(0, pointer.lastIndexOf('/'));
    return output.includes(`${parent === '' ? '(document)' : parent}: expected required property ${JSON.stringify(alsoKey)}`);
  }
  return false;
}

function describeFailure(c: HostileCase, exitCode: number, output: string, why: string): string {
  return [`case ${c.id} (seed ${SEED}, ${c.kind}): ${why}`, `  ${c.description}`, `  ${c.command} exited ${exitCode}`, `  must name: ${JSON.stringify(c.names)}`, ...output.split('\n').slice(0, 12).map((l) => `  | ${l}`)].join('\n');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rigl-fuzz-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hostile manifests', () => {
  it('the unmutated bases are valid (so every failure below comes from its defect)', async () => {
    const { run, suite } = baseDocuments();
    for (const [name, doc] of [['run', run], ['suite', suite]] as const) {
      const file = join(dir, `base-${name}.json`);
      await writeFile(file, JSON.stringify(doc));
      const validate = await inProcess(['validate', file]);
      expect(validate.exitCode, validate.output).toBe(0);
      const plan = await inProcess(['plan', file, '--store', join(dir, 'store')]);
      expect(plan.exitCode, plan.output).toBe(0);
    }
  });

  it('the generator is deterministic: a case is the same manifest every time', () => {
    for (const id of [0, 1, 500, 1199]) expect(hostileCase(SEED, id)).toEqual(hostileCase(SEED, id));
    expect(hostileCase(SEED, 7).text).not.toBe(hostileCase(SEED + 1, 7).text);
  });

  it(`${CASES} hostile manifests through main(): exit 2 naming the field, never 70`, async () => {
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    const ids = ONLY === null ? Array.from({ length: CASES }, (_, i) => i) : [ONLY];
    for (const id of ids) {
      const c = hostileCase(SEED, id);
      kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
      const file = await writeCase(c);
      const { exitCode, output } = await inProcess(argvOf(c, file));
      if (exitCode === 70 || /internal error/.test(output)) failures.push(describeFailure(c, exitCode, output, 'crashed'));
      else if (exitCode !== 2) failures.push(describeFailure(c, exitCode, output, `exit ${exitCode}, expected 2`));
      else if (!namesTheField(c, output)) failures.push(describeFailure(c, exitCode, output, 'the message does not name the field'));
    }
    if (failures.length > 0) console.error(`${failures.length} failing cases; the first ones:\n\n${failures.slice(0, 15).join('\n\n')}`);
    expect(failures.length, failures[0]).toBe(0);
    // Every kind of defect was drawn a fair number of times.
    if (ONLY === null) for (const [kind, count] of kinds) expect(count, kind).toBeGreaterThanOrEqual(50);
  });

  it('a sample through the real CLI: validate with 10 hostile files in one process, and plan twice', async () => {
    const sample = Array.from({ length: 10 }, (_, i) => hostileCase(SEED, 3 + i * 97)).filter((c) => !('flag' in c.names));
    const files = await Promise.all(sample.map(writeCase));
    const r = await execa(process.execPath, [BIN, 'validate', ...files, '--json'], { cwd: ROOT, reject: false });
    expect(r.exitCode, String(r.stderr)).toBe(2);
    const doc = JSON.parse(String(r.stdout)) as { files: { file: string; valid: boolean; issues: { pointer: string; expected: string; found: string }[] }[] };
    expect(doc.files).toHaveLength(sample.length);
    sample.forEach((c, i) => {
      const result = doc.files[i]!;
      expect(result.valid, c.description).toBe(false);
      const text = result.issues.map((issue) => `${issue.pointer === '' ? '(document)' : issue.pointer}: expected ${issue.expected}, found ${issue.found}`).join('\n');
      expect(namesTheField(c, text), describeFailure(c, 2, text, 'the message does not name the field')).toBe(true);
    });

    const traversal = hostileCase(SEED, Array.from({ length: CASES }, (_, i) => i).find((i) => hostileCase(SEED, i).kind === 'path-traversal' && hostileCase(SEED, i).description.startsWith('run file'))!);
    const plan = await execa(process.execPath, [BIN, 'plan', await writeCase(traversal), '--store', join(dir, 'store')], { cwd: ROOT, reject: false });
    expect(plan.exitCode).toBe(2);
    expect(namesTheField(traversal, String(plan.stderr)), String(plan.stderr)).toBe(true);
    const badStore = await execa(process.execPath, [BIN, 'plan', join(dir, `case-${sample[0]!.id}.json`).replace(/case-\d+/, 'base-run'), '--store', 's3://bucket/../../etc'], { cwd: ROOT, reject: false });
    expect(badStore.exitCode).toBe(2);
    expect(String(badStore.stderr)).toMatch(/--store: the prefix "\.\.\/\.\.\/etc" of "s3:\/\/bucket\/\.\.\/\.\.\/etc" is not allowed: it contains a "\.\." segment/);
  });
});
