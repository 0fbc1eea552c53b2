/**
 * The install-time build (native/build.mjs), run from a scratch copy so that the real native/build/
 * is untouched: a build that cannot happen leaves the install successful, says why on stderr and in
 * build/status.json (which the loader quotes), and fails only with --strict.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../trainers/backends/native/addon.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const scratch: string[] = [];

function scratchCopy(bindingGyp: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rigl-native-build-'));
  scratch.push(dir);
  fs.copyFileSync(path.join(here, 'build.mjs'), path.join(dir, 'build.mjs'));
  fs.writeFileSync(path.join(dir, 'binding.gyp'), bindingGyp);
  return dir;
}

function build(dir: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [path.join(dir, 'build.mjs'), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
}

function status(dir: string): { ok: boolean; reason?: string; log?: string } {
  return JSON.parse(fs.readFileSync(path.join(dir, 'build', 'status.json'), 'utf8'));
}

afterEach(() => {
  for (const dir of scratch.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('native/build.mjs', () => {
  it('does not fail the install when the build is skipped, and records why', () => {
    const dir = scratchCopy('{}');
    const result = build(dir, [], { RIGL_NATIVE_SKIP_BUILD: '1' });
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('the native CPU kernels were not built (RIGL_NATIVE_SKIP_BUILD=1); training will use the next backend (wasm)');
    expect(status(dir)).toMatchObject({ ok: false, reason: 'RIGL_NATIVE_SKIP_BUILD=1' });
  });

  it('fails with --strict', () => {
    const dir = scratchCopy('{}');
    expect(build(dir, ['--strict'], { RIGL_NATIVE_SKIP_BUILD: '1' }).status).toBe(1);
  });

  it("reports the compiler's first error when the sources do not compile", () => {
    const dir = scratchCopy(JSON.stringify({ targets: [{ target_name: 'broken', sources: ['broken.cc'] }] }));
    fs.writeFileSync(path.join(dir, 'broken.cc'), 'int main( { return 0; }\n');
    const result = build(dir, []);
    expect(result.status).toBe(0);
    const s = status(dir);
    expect(s.ok).toBe(false);
    expect(s.reason).toMatch(/^node-gyp exited with 1: .*broken\.cc.*error/);
    expect(s.log).toContain('broken.cc');
  }, 120_000);
});

describe('loadNativeAddon', () => {
  it('says how to build when the addon file is missing', () => {
    const result = loadNativeAddon(path.join(os.tmpdir(), 'no-such-dir', 'rigl_native.node'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/not built .*rigl_native\.node is missing; run `npm run build:native`|did not build at install/);
  });

  it('reports a file that is not a loadable addon', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rigl-native-bad-'));
    scratch.push(dir);
    const file = path.join(dir, 'rigl_native.node');
    fs.writeFileSync(file, 'not an ELF file');
    const result = loadNativeAddon(file);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/^the native addon failed to load: /);
  });

  it('loads the built addon, which reports its ISA and thread pool', () => {
    const built = loadNativeAddon();
    if (!built.ok) {
      if (process.env.RIGL_NATIVE_REQUIRED === '1') throw new Error(built.reason);
      return;
    }
    const info = built.addon.info();
    expect(['avx512', 'avx2', 'generic']).toContain(info.isa);
    expect(built.addon.setThreads(2)).toBe(2);
    expect(built.addon.setThreads(1)).toBe(1);
    expect(() => built.addon.setThreads(0)).toThrow(/setThreads\(\) argument 0 must be an integer >= 1/);
  });
});

