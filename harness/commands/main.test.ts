import { describe, expect, it } from 'vitest';
import { COMMANDS, commandHelp, main } from './main.ts';

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, signal: new AbortController().signal });
  return { code, stdout, stderr };
}

describe('command line', () => {
  it('without a command prints usage and exits 2; --help exits 0', async () => {
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^usage: rigl-harness <command>/);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const c of COMMANDS) expect(help.stdout).toContain(`  ${c.name}`);
  });

  it('rejects unknown commands and flags with exit 2 and the usage', async () => {
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const flag = await cli(['validate', 'x.json', '--frob']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("Unknown option '--frob'");
    expect(flag.stderr).toContain('usage: rigl-harness validate FILE...');
    const missing = await cli(['plan']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing FILE');
    const extra = await cli(['plan', 'a.json', 'b.json']);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('unexpected argument "b.json"');
  });

  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s --help lists exactly the flags the command accepts', async (name, spec) => {
    const help = await cli([name, '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe(`${commandHelp(spec)}\n`);
    const listed = spec.flags.flatMap((f) => [...f.flag.matchAll(/--([a-z0-9-]+)/g)].map((m) => m[1]!));
    expect(new Set(listed)).toEqual(new Set(Object.keys(spec.options)));
    for (const flag of Object.keys(spec.options)) expect(spec.synopsis.includes(`--${flag}`) || flag === 'help').toBe(true);
  });

  it('--json prints exactly one JSON document on stdout, also for errors', async () => {
    const result = await cli(['validate', 'does-not-exist.json', '--json']);
    expect(result.code).toBe(2);
    const doc = JSON.parse(result.stdout) as { valid: boolean; files: { issues: { expected: string }[] }[] };
    expect(doc.valid).toBe(false);
    expect(doc.files[0]!.issues[0]!.expected).toBe('a readable manifest file');
    const usage = await cli(['run', 'x.json', '--jobs', 'two', '--json']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toMatchObject({ command: 'run', exitCode: 2, error: { name: 'UsageError', message: '--jobs: expected an integer ≥ 1, found "two"' } });
  });

  it('never prints a secret from the environment', async () => {
    const env = { AWS_SECRET_ACCESS_KEY: 'SuperSecretValue123' };
    const result = await cli(['validate', 'SuperSecretValue123.json', '--json'], env);
    expect(result.code).toBe(2);
    expect(result.stdout + result.stderr).not.toContain('SuperSecretValue123');
    expect(result.stdout).toContain('***.json');
  });

  it('rejects incomplete runner settings and conflicting flags with exit 2', async () => {
    const docker = await cli(['run', 'x.json', '--runner', 'docker']);
    expect(docker.code).toBe(2);
    expect(docker.stderr).toContain('--runner docker needs --image IMAGE');
    expect((await cli(['run', 'x.json', '--runner', 'in-process', '--jobs', '2'])).stderr).toContain('--jobs 2 needs --runner child');
    expect((await cli(['run', 'x.json', '--backend', 'webgpu'])).stderr).toContain('--backend: expected one of tfjs-node-gpu, tfjs-node, native, wasm, cpu, found "webgpu"');
    expect((await cli(['report', 'x.json'])).stderr).toContain('--out DIR is required');
  });
});
