/**
 * The trainer images (Dockerfile: GPU, Dockerfile.cpu: CPU; issue #7). No Docker engine exists on
 * this project's machines, so the files are checked statically: parsed with dockerfile-ast, linted
 * with dockerfile-utils, and compared with package.json, the CLI entry point, the dataset search
 * path and what the trainer version hashes.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ignore } from '@balena/dockerignore';
import { DockerfileParser, type Dockerfile, type Instruction, type JSONInstruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { DATA_DIR_ENV } from '../trainers/datasets/locate.ts';

// A CommonJS module whose typings declare a default export: loaded with require, typed by its d.ts.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as (options?: { ignorecase?: boolean }) => Ignore;

const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  engines: { node: string };
  optionalDependencies: Record<string, string>;
};

interface Image {
  file: string;
  text: string;
  dockerfile: Dockerfile;
  /** The optional native binding this image is for, and the Node.js version it runs. */
  binding: string;
}

function load(file: string, binding: string): Image {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return { file, text, dockerfile: DockerfileParser.parse(text), binding };
}

const IMAGES: Image[] = [load('Dockerfile', '@tensorflow/tfjs-node-gpu'), load('Dockerfile.cpu', '@tensorflow/tfjs-node')];

/** Instructions of the last stage (the image that is run). */
function finalStage(image: Image): Instruction[] {
  const instructions = image.dockerfile.getInstructions();
  const lastFrom = instructions.map((i) => i.getKeyword()).lastIndexOf('FROM');
  return instructions.slice(lastFrom);
}

function jsonArgs(instruction: Instruction): string[] {
  return (instruction as JSONInstruction).getJSONStrings().map((s) => s.getJSONValue());
}

/** Shell commands of every RUN, continuation lines joined, split at `;` and `&&` outside quotes. */
function runCommands(image: Image): string[] {
  const commands: string[] = [];
  for (const run of image.dockerfile.getInstructions().filter((i) => i.getKeyword() === 'RUN')) {
    const body = (run.getArgumentsContent() ?? '').replace(/\\\r?\n/g, ' ');
    let current = '';
    let quote: string | null = null;
    for (let i = 0; i < body.length; i++) {
      const ch = body[i]!;
      if (quote !== null) {
        if (ch === quote) quote = null;
        current += ch;
      } else if (ch === '"' || ch === "'") {
        quote = ch;
        current += ch;
      } else if (ch === ';' || (ch === '&' && body[i + 1] === '&')) {
        if (ch === '&') i++;
        commands.push(current.trim().replace(/\s+/g, ' '));
        current = '';
      } else {
        current += ch;
      }
    }
    commands.push(current.trim().replace(/\s+/g, ' '));
  }
  return commands.filter((c) => c !== '');
}

describe.each(IMAGES)('$file', (image) => {
  it('parses and lints without a problem (dockerfile-utils)', () => {
    expect(validate(image.text).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
    expect(image.dockerfile.getFROMs().length).toBeGreaterThanOrEqual(2);
  });

  it('runs the CLI as its entrypoint, as an unprivileged user, with results and data as volumes', () => {
    const stage = finalStage(image);
    const keyword = (k: string) => stage.filter((i) => i.getKeyword() === k);

    const workdir = keyword('WORKDIR').at(-1)!.getArgumentsContent();
    expect(workdir).toBe('/opt/rigl-harness');
    const entrypoint = keyword('ENTRYPOINT');
    expect(entrypoint).toHaveLength(1);
    // Exec form, the package's bin (package.json "bin") under the workdir.
    expect(jsonArgs(entrypoint[0]!)).toEqual(['node', path.posix.join(workdir!, pkg.bin['rigl-harness']!)]);

    const users = keyword('USER');
    expect(users.length).toBeGreaterThan(0);
    const [user, group] = users.at(-1)!.getArgumentsContent()!.split(':');
    for (const id of [user, group]) expect(['root', '0', undefined, '']).not.toContain(id);
    // The user exists: created in this stage with that uid.
    expect(stage.some((i) => i.getKeyword() === 'RUN' && (i.getArgumentsContent() ?? '').includes(`useradd --uid ${user}`))).toBe(true);
    // Nothing runs as root after USER, and the entrypoint comes after it.
    expect(stage.indexOf(users.at(-1)!)).toBeLessThan(stage.indexOf(entrypoint[0]!));
    expect(stage.slice(stage.indexOf(users.at(-1)!)).some((i) => i.getKeyword() === 'RUN')).toBe(false);

    const volumes = keyword('VOLUME').flatMap(jsonArgs);
    expect(volumes).toEqual(expect.arrayContaining([`${workdir}/results`, '/data']));
    const env = Object.fromEntries(
      image.dockerfile.getENVs().flatMap((e) => e.getProperties().map((p) => [p.getName(), p.getValue()])),
    );
    // The trainer looks for datasets in $RIGL_DATA_DIR (trainers/datasets/locate.ts).
    expect(env[DATA_DIR_ENV]).toBe('/data');
    expect(volumes).toContain(env.XDG_CACHE_HOME);
    // The volumes the user writes to belong to that user.
    expect(runCommands(image)).toContain(`chown rigl:rigl ${workdir}/results /data /cache`);
  });

  it("installs from the lockfile with npm ci and builds exactly its own one of package.json's optional bindings", () => {
    const optional = Object.keys(pkg.optionalDependencies).sort();
    expect(optional).toEqual(['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']);
    const commands = runCommands(image);
    const ci = commands.filter((c) => c.startsWith('npm ci'));
    expect(ci).toEqual(['npm ci --omit=dev --ignore-scripts --no-audit --no-fund']);
    const rebuild = commands.filter((c) => c.startsWith('npm rebuild')).map((c) => c.split(' ').slice(2));
    expect(rebuild).toEqual([['esbuild', image.binding]]);
    const removed = commands.filter((c) => c.startsWith('rm -rf node_modules/')).map((c) => c.slice('rm -rf node_modules/'.length));
    expect(removed).toEqual(optional.filter((name) => name !== image.binding));
    // The build checks the installed version against package.json's pin, then loads the binding.
    const check = commands.find((c) => c.startsWith('node -e'));
    expect(check).toContain(`require('./package.json').optionalDependencies['${image.binding}']`);
    expect(check).toContain(`require('${image.binding}/package.json').version`);
    expect(check).toContain(`require('${image.binding}');`);
    // Dependencies are installed before the sources are copied, so a source change reuses the layer.
    const copies = image.dockerfile.getCOPYs().map((c) => c.getArgumentsContent());
    expect(copies.indexOf('package.json package-lock.json ./')).toBeLessThan(copies.indexOf('. .'));
  });
});

describe('the base images', () => {
  const [gpu, cpu] = IMAGES as [Image, Image];

  it('GPU: CUDA 11.2 and cuDNN 8.1 on Ubuntu 20.04, what tfjs-node-gpu 4.22 (libtensorflow 2.9.1) needs', () => {
    expect(pkg.optionalDependencies['@tensorflow/tfjs-node-gpu']).toBe('4.22.0');
    const froms = gpu.dockerfile.getFROMs();
    expect(froms[0]!.getImage()).toBe('nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04');
    // Every later stage builds on an earlier stage, never on another image.
    const stages = froms.map((f) => f.getBuildStage());
    froms.slice(1).forEach((f, i) => expect(stages.slice(0, i + 1)).toContain(f.getImage()));
  });

  it('GPU: Node.js 20 from the official tarball, its sha256 checked against the signed SHASUMS256.txt', () => {
    const version = gpu.dockerfile.getInitialARGs().find((a) => a.getProperty()?.getName() === 'NODE_VERSION')?.getProperty()?.getValue();
    expect(version).toMatch(/^20\.\d+\.\d+$/);
    const commands = runCommands(gpu);
    expect(commands).toContain('curl -fsSLO "https://nodejs.org/dist/v${NODE_VERSION}/${tarball}"');
    expect(commands).toContain('gpg --batch --decrypt --output SHASUMS256.txt SHASUMS256.txt.asc');
    expect(commands).toContain('grep " ${tarball}\\$" SHASUMS256.txt | sha256sum -c -');
    // The release keys are pinned by full fingerprint.
    const keys = gpu.text.match(/^\s+([0-9A-F]{40}) \\$/gm) ?? [];
    expect(keys.length).toBeGreaterThanOrEqual(4);
    // Checked before it is unpacked.
    const check = commands.findIndex((c) => c.includes('sha256sum -c'));
    expect(check).toBeLessThan(commands.findIndex((c) => c.startsWith('tar -xJf')));
  });

  it('CPU: node:<the GPU image\'s Node version>-bookworm-slim, a Node 20 that satisfies package.json engines', () => {
    const gpuVersion = gpu.dockerfile.getInitialARGs()[0]!.getProperty()!.getValue()!;
    const images = cpu.dockerfile.getFROMs().map((f) => f.getImage());
    expect(new Set(images)).toEqual(new Set([`node:${gpuVersion}-bookworm-slim`]));
    const [major, minor] = gpuVersion.split('.').map(Number) as [number, number];
    const [wantMajor, wantMinor] = pkg.engines.node.replace('>=', '').split('.').map(Number) as [number, number];
    expect(major).toBe(20);
    expect(major > wantMajor || (major === wantMajor && minor >= wantMinor)).toBe(true);
  });
});

describe('.dockerignore', () => {
  const rules = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const ignore = dockerignore({ ignorecase: false }).add(rules);
  const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter((f) => f !== '');

  it('keeps out installed modules, results, git and the tests', () => {
    for (const f of ['node_modules/ajv/package.json', 'results/runs/x/summary.json', '.git/HEAD', 'test/cli.e2e.test.ts', 'harness/cli.test.ts', 'tmp/x']) {
      expect(ignore.ignores(f), f).toBe(true);
    }
  });

  it('sends every file the tool runs from, and every trainer source the trainer version hashes', () => {
    const needed = tracked.filter(
      (f) =>
        ['package.json', 'package-lock.json', 'tsconfig.json'].includes(f) ||
        /^(bin|harness|manifests)\//.test(f) && !f.endsWith('.test.ts') ||
        // trainers/version.ts hashes every .ts/.js/.cc/.cpp/.c/.h/.gyp under trainers/ but *.test.ts.
        (/^trainers\/.*\.(ts|js|cc|cpp|c|h|gyp)$/.test(f) && !f.endsWith('.test.ts')),
    );
    expect(needed.length).toBeGreaterThan(100);
    expect(needed.filter((f) => ignore.ignores(f))).toEqual([]);
    expect(needed).toContain(pkg.bin['rigl-harness']);
  });
});

describe.each(IMAGES)('$file: native kernels', (image) => {
  it('builds the native CPU kernels from the copied sources, strictly, and never copies a prebuilt addon in', () => {
    const build = image.dockerfile.getInstructions().filter((i) => i.getKeyword() === 'RUN' && (i.getArgumentsContent() ?? '').includes('native/build.mjs'));
    expect(build.map((i) => i.getArgumentsContent())).toEqual(['node native/build.mjs --strict']);
    const copyAll = image.dockerfile.getCOPYs().find((c) => c.getArgumentsContent() === '. .')!;
    const all = image.dockerfile.getInstructions();
    expect(all.indexOf(copyAll)).toBeLessThan(all.indexOf(build[0]!));
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    expect(ignored).toContain('native/build');
  });
});

