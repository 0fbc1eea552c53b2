/**
 * Where dataset files are looked for, in this order:
 *   1. each folder passed in (the CLI's --data-dir), then that folder's `<name>/` subfolder;
 *   2. each folder in the environment variable RIGL_DATA_DIR (path-delimiter separated), likewise;
 *   3. the download cache, `$XDG_CACHE_HOME/rigl-harness/datasets/<name>` (default `~/.cache/...`);
 *   4. Debian's dataset packages, `/usr/share/datasets/<name>` (dataset-fashion-mnist).
 * In each folder an idx file is accepted under its .gz name or its unpacked name, and a CIFAR member
 * as an extracted file (under its archive path or its bare name) or inside the published archive.
 */
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { InvalidRunConfigError } from '../errors.ts';
import type { DatasetName } from '../run-manifest.ts';

export const DATA_DIR_ENV = 'RIGL_DATA_DIR';
export const DEBIAN_DATASETS_DIR = '/usr/share/datasets';

export interface SearchContext {
  /** Folders from the command line, searched first. */
  dataDirs: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  homeDir: string;
}

/** The search context of this process: its environment and home folder. */
export function processSearchContext(dataDirs: readonly string[]): SearchContext {
  return { dataDirs, env: process.env, homeDir: homedir() };
}

/** The folder downloads of `name` go to. */
export function datasetCacheDir(name: DatasetName, ctx: SearchContext): string {
  const xdg = ctx.env['XDG_CACHE_HOME'];
  const cacheRoot = xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(ctx.homeDir, '.cache');
  return path.join(cacheRoot, 'rigl-harness', 'datasets', name);
}

/** The folders searched for `name`, in order, absolute and without repeats. */
export function datasetSearchDirs(name: DatasetName, ctx: SearchContext): string[] {
  const userDirs = [
    ...ctx.dataDirs,
    ...(ctx.env[DATA_DIR_ENV] ?? '').split(path.delimiter).filter((d) => d !== ''),
  ];
  const dirs: string[] = [];
  for (const dir of userDirs) dirs.push(path.resolve(dir), path.resolve(dir, name));
  dirs.push(datasetCacheDir(name, ctx), path.join(DEBIAN_DATASETS_DIR, name));
  return [...new Set(dirs)];
}

/**
 * A manifest's file name must stay inside the data folder: relative, "/"-separated, no "." or ".."
 * segments (design.md "Security").
 */
export function checkDatasetFileName(fileName: string, where: string): void {
  const segments = fileName.split('/');
  if (
    fileName === '' ||
    fileName.includes('\\') ||
    fileName.includes('\0') ||
    path.isAbsolute(fileName) ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new InvalidRunConfigError(
      `${where} must be a relative path inside the data folder ("/"-separated, no "." or ".." ` +
        `segments) but got "${fileName}"`,
    );
  }
}

export type FileCandidate =
  /** A file on disk holding the content, plain or gzip (told apart by its magic bytes). */
  | { kind: 'file'; path: string }
  /** A member of a .tar.gz archive on disk. */
  | { kind: 'archive-member'; path: string; member: string };

/** The other accepted name of an idx file: with ".gz" removed, or added. */
function otherIdxName(fileName: string): string {
  return fileName.endsWith('.gz') ? fileName.slice(0, -3) : `${fileName}.gz`;
}

/** Where an idx file may be, in search order. */
export function idxCandidates(dirs: readonly string[], fileName: string): FileCandidate[] {
  return dirs.flatMap((dir) => [
    { kind: 'file' as const, path: path.join(dir, fileName) },
    { kind: 'file' as const, path: path.join(dir, otherIdxName(fileName)) },
  ]);
}

/**
 * Where an archive member (e.g. "cifar-10-batches-bin/data_batch_1.bin") may be, in search order:
 * per folder, extracted under its archive path, extracted under its bare name (a data folder that
 * is the extracted folder itself), then inside the archive.
 */
export function archiveMemberCandidates(
  dirs: readonly string[],
  member: string,
  archiveFileName: string,
): FileCandidate[] {
  const bare = path.posix.basename(member);
  return dirs.flatMap((dir) => {
    const out: FileCandidate[] = [{ kind: 'file', path: path.join(dir, member) }];
    if (bare !== member) out.push({ kind: 'file', path: path.join(dir, bare) });
    out.push({ kind: 'archive-member', path: path.join(dir, archiveFileName), member });
    return out;
  });
}

/** Human-readable form of a candidate, for error messages and provenance. */
export function describeCandidate(candidate: FileCandidate): string {
  return candidate.kind === 'file' ? candidate.path : `${candidate.path} (member ${candidate.member})`;
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** The first candidate whose file exists, or null. */
export async function findFirst(candidates: readonly FileCandidate[]): Promise<FileCandidate | null> {
  for (const candidate of candidates) {
    if (await isFile(candidate.path)) return candidate;
  }
  return null;
}
