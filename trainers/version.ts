/**
 * The trainer's version: the package version plus a hash of the trainer's sources (trainers/,
 * tests excluded, and the native backend's C++ in native/src/ with its binding.gyp), so a stored
 * run made by different training code is recognised as stale
 * (design.md "Manifests": plan marks such runs).
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const trainersDir = dirname(fileURLToPath(import.meta.url));
const packageRoot = dirname(trainersDir);
const nativeDir = join(packageRoot, 'native');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|js|cc|cpp|c|h|gyp)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) out.push(path);
  }
  return out;
}

let cached: string | null = null;

/** Package version from package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** e.g. "0.1.0+3f2a9c1d0b4e": package version + first 12 hex digits of the sources' sha256. */
export function trainerVersion(): string {
  if (cached !== null) return cached;
  const hash = createHash('sha256');
  const nativeSources = [...sourceFiles(join(nativeDir, 'src')), join(nativeDir, 'binding.gyp')];
  for (const file of [...sourceFiles(trainersDir), ...nativeSources].sort()) {
    hash.update(relative(trainersDir, file).split('\\').join('/'));
    hash.update('\u0000');
    hash.update(readFileSync(file));
    hash.update('\u0000');
  }
  cached = `${packageVersion()}+${hash.digest('hex').slice(0, 12)}`;
  return cached;
}
