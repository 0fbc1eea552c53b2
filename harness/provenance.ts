/**
 * Provenance of a run (design.md "Results": tool version, git commit with a dirty flag, Node and
 * package versions, CPU/GPU model). The backend, dataset checksums and trainer version come from
 * the trainer's result; this module supplies what the harness knows about the machine and code.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { packageVersion } from '../trainers/version.ts';

const run = promisify(execFile);
const packageRoot = dirname(dirname(fileURLToPath(import.meta.url)));

/** Packages whose versions a summary records (those that can change a number or its check). */
export const RECORDED_PACKAGES = [
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-backend-cpu',
  '@tensorflow/tfjs-backend-wasm',
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  'ajv',
  'execa',
  'tsx',
] as const;

export interface MachineProvenance {
  toolVersion: string;
  gitCommit: string | null;
  gitDirty: boolean | null;
  nodeVersion: string;
  packages: Record<string, string>;
  cpuModel: string;
}

let cached: Promise<MachineProvenance> | null = null;

/** Collected once per process. */
export function machineProvenance(): Promise<MachineProvenance> {
  cached ??= collect();
  return cached;
}

async function collect(): Promise<MachineProvenance> {
  const [git, packages] = await Promise.all([gitState(packageRoot), installedPackages(RECORDED_PACKAGES)]);
  return {
    toolVersion: packageVersion(),
    gitCommit: git.commit,
    gitDirty: git.dirty,
    nodeVersion: process.version,
    packages,
    cpuModel: cpus()[0]?.model.trim() || 'unknown',
  };
}

/** HEAD and whether tracked or untracked (not ignored) files differ; nulls outside a git checkout. */
export async function gitState(dir: string): Promise<{ commit: string | null; dirty: boolean | null }> {
  try {
    const head = await run('git', ['rev-parse', 'HEAD'], { cwd: dir, timeout: 10_000 });
    const status = await run('git', ['status', '--porcelain'], { cwd: dir, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
    return { commit: head.stdout.trim(), dirty: status.stdout.trim().length > 0 };
  } catch {
    return { commit: null, dirty: null };
  }
}

/** name → version of each installed package (absent ones are left out). */
export async function installedPackages(names: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of names) {
    try {
      const pkg = JSON.parse(await readFile(join(packageRoot, 'node_modules', ...name.split('/'), 'package.json'), 'utf8')) as { version?: string };
      if (typeof pkg.version === 'string') out[name] = pkg.version;
    } catch {
      // not installed (the optional tfjs-node packages usually are not)
    }
  }
  return out;
}

/** The GPU's name from nvidia-smi when the run used the GPU backend; null otherwise or when unknown. */
export async function gpuModel(backendName: string): Promise<string | null> {
  if (backendName !== 'tfjs-node-gpu') return null;
  try {
    const { stdout } = await run('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { timeout: 10_000 });
    const names = stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    return names.length === 0 ? null : [...new Set(names)].join(', ');
  } catch {
    return null;
  }
}
