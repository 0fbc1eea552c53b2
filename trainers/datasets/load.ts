/**
 * loadDataset: from a manifest's DatasetSpec to verified, parsed, split pixels and labels.
 *
 * For every file of the spec: find it (locate.ts), or download its published form when allowed
 * (download.ts); unpack it; check its unpacked size and sha256 against the spec, or, where the spec
 * leaves the hash unpinned, check the published packed file's sha256 (catalog.ts explains pinning);
 * then parse (idx.ts, cifar-binary.ts) and split (split.ts). A file that fails any check is never
 * used: the DatasetError names the file and both hashes.
 */
import { readFile } from 'node:fs/promises';
import { DatasetError, InvalidRunConfigError } from '../errors.ts';
import type { DatasetFileSpec, DatasetSpec } from '../run-manifest.ts';
import type { DatasetProvenance } from '../run-summary.ts';
import {
  IDX_ROLES,
  datasetCatalogEntry,
  isPinnedSha256,
  type DatasetCatalogEntry,
  type PackedSource,
} from './catalog.ts';
import { parseCifarBinary } from './cifar-binary.ts';
import { downloadVerified } from './download.ts';
import { parseIdxImages, parseIdxLabels } from './idx.ts';
import {
  archiveMemberCandidates,
  checkDatasetFileName,
  datasetCacheDir,
  datasetSearchDirs,
  describeCandidate,
  findFirst,
  idxCandidates,
  processSearchContext,
  type FileCandidate,
  type SearchContext,
} from './locate.ts';
import { applySplit } from './split.ts';
import { readTar } from './tar.ts';
import type { ImageSplit, LoadedDataset } from './types.ts';
import { gunzip, isGzip, sha256Hex } from './unpack.ts';

export interface LoadDatasetOptions {
  /** Folders searched first (the CLI's --data-dir). */
  dataDirs: string[];
  /** Download missing files from their published URLs into the cache folder (verified before use). */
  allowDownload: boolean;
  /** Progress lines (downloads); optional. */
  log?: (message: string) => void;
}

/** What the loader reads from its surroundings; tests replace it. */
export interface LoaderEnvironment {
  search: SearchContext;
  catalog: DatasetCatalogEntry;
}

// ---------------------------------------------------------------------------------------------
// Verification

/** The published packed form a file was read from, for checking an unpinned file. */
interface PackedOrigin {
  path: string;
  /** sha256 of the packed bytes, computed on demand (hashing a 170 MB archive is not free). */
  sha256: () => string;
  published: PackedSource | null;
}

/**
 * Checks one file's unpacked bytes against its spec and returns their sha256. Pinned hash: must be
 * equal. Unpinned: the packed file it came from must be the published one (same sha256).
 */
export function verifyUnpacked(
  file: DatasetFileSpec,
  unpacked: Uint8Array,
  source: string,
  packed: PackedOrigin | null,
): string {
  const what = `dataset file ${file.fileName} (role "${file.role}") read from ${source}`;
  if (unpacked.length !== file.unpackedBytes) {
    throw new DatasetError(
      `size mismatch for ${what}: expected ${file.unpackedBytes} unpacked bytes, got ${unpacked.length}; ` +
        `the file was not used`,
    );
  }
  const actual = sha256Hex(unpacked);
  if (isPinnedSha256(file.unpackedSha256, `dataset.files["${file.role}"].unpackedSha256`)) {
    if (actual !== file.unpackedSha256) {
      throw new DatasetError(
        `checksum mismatch for ${what}: expected unpacked sha256 ${file.unpackedSha256}, ` +
          `got ${actual}; the file was not used`,
      );
    }
    return actual;
  }
  const pinHint =
    `If you trust this copy, pin its unpacked sha256 ${actual} in the manifest's dataset.files ` +
    `entry for role "${file.role}".`;
  if (packed?.published) {
    const packedActual = packed.sha256();
    if (packedActual === packed.published.sha256) return actual;
    throw new DatasetError(
      `checksum mismatch for ${what}: its unpacked sha256 is not pinned, so the packed file ` +
        `${packed.path} must be the published ${packed.published.fileName}: expected sha256 ` +
        `${packed.published.sha256}, got ${packedActual}; the file was not used. ${pinHint}`,
    );
  }
  throw new DatasetError(
    `cannot verify ${what}: its unpacked sha256 is not pinned in the manifest and it was not read ` +
      `from a published packed file whose sha256 is known; the file was not used. Put the published ` +
      `file in a data folder, or pin the hash. ${pinHint}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Reading files

interface VerifiedFile {
  role: string;
  /** Where it was read from (an archive member as "archive.tar.gz#member"). */
  path: string;
  unpacked: Uint8Array;
  unpackedSha256: string;
}

interface OpenedArchive {
  members: Map<string, Uint8Array>;
  sha256: () => string;
}

interface ReadContext {
  env: LoaderEnvironment;
  dirs: string[];
  allowDownload: boolean;
  log: ((message: string) => void) | undefined;
  archives: Map<string, Promise<OpenedArchive>>;
}

function lazySha256(bytes: Uint8Array): () => string {
  let digest: string | null = null;
  return () => (digest ??= sha256Hex(bytes));
}

async function readBytes(p: string): Promise<Uint8Array> {
  try {
    const buf = await readFile(p);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (cause) {
    throw new DatasetError(`cannot read dataset file ${p}: ${(cause as Error).message}`, { cause });
  }
}

function openArchive(p: string, ctx: ReadContext): Promise<OpenedArchive> {
  let opened = ctx.archives.get(p);
  if (opened === undefined) {
    opened = (async () => {
      const raw = await readBytes(p);
      const tarBytes = isGzip(raw) ? gunzip(raw, p) : raw;
      return { members: readTar(tarBytes, p), sha256: lazySha256(raw) };
    })();
    ctx.archives.set(p, opened);
  }
  return opened;
}

/** The packed form a missing file can be downloaded as, for this dataset's layout. */
function publishedSourceOf(file: DatasetFileSpec, entry: DatasetCatalogEntry): PackedSource | null {
  if (entry.layout.kind === 'cifar-binary') return entry.layout.archive;
  return entry.files.find((f) => f.role === file.role)?.gz ?? null;
}

function missingFileError(
  file: DatasetFileSpec,
  candidates: FileCandidate[],
  published: PackedSource | null,
  allowDownload: boolean,
): DatasetError {
  const looked = candidates.map((c) => `  ${describeCandidate(c)}`).join('\n');
  const download =
    published === null
      ? 'no download URL is known for it.'
      : `download URL: ${published.urls.join(' or ')}` +
        (allowDownload ? '' : ' (downloading is off; turn it on, or place the file in a data folder)');
  return new DatasetError(
    `dataset file ${file.fileName} (role "${file.role}") not found; looked in:\n${looked}\n${download}`,
  );
}

async function readVerified(file: DatasetFileSpec, ctx: ReadContext): Promise<VerifiedFile> {
  const { catalog, search } = ctx.env;
  const published = publishedSourceOf(file, catalog);
  const candidates =
    catalog.layout.kind === 'cifar-binary'
      ? archiveMemberCandidates(ctx.dirs, file.fileName, catalog.layout.archive.fileName)
      : idxCandidates(ctx.dirs, file.fileName);
  let found = await findFirst(candidates);
  if (found === null) {
    if (!ctx.allowDownload || published === null) {
      throw missingFileError(file, candidates, published, ctx.allowDownload);
    }
    const downloaded = await downloadVerified(published, datasetCacheDir(catalog.name, search), {
      ...(ctx.log ? { log: ctx.log } : {}),
    });
    found =
      catalog.layout.kind === 'cifar-binary'
        ? { kind: 'archive-member', path: downloaded, member: file.fileName }
        : { kind: 'file', path: downloaded };
  }

  if (found.kind === 'archive-member') {
    const archive = await openArchive(found.path, ctx);
    const member = archive.members.get(found.member);
    if (member === undefined) {
      throw new DatasetError(
        `archive ${found.path} has no member ${found.member} (its files: ` +
          `${[...archive.members.keys()].join(', ') || 'none'})`,
      );
    }
    const source = `${found.path}#${found.member}`;
    const sha = verifyUnpacked(file, member, source, {
      path: found.path,
      sha256: archive.sha256,
      published,
    });
    return { role: file.role, path: source, unpacked: member, unpackedSha256: sha };
  }

  const raw = await readBytes(found.path);
  const gz = isGzip(raw);
  const unpacked = gz ? gunzip(raw, found.path) : raw;
  // Only a .gz can be the published packed form of an idx file; CIFAR members come from the archive.
  const packed: PackedOrigin | null =
    gz && catalog.layout.kind === 'idx' ? { path: found.path, sha256: lazySha256(raw), published } : null;
  const sha = verifyUnpacked(file, unpacked, found.path, packed);
  return { role: file.role, path: found.path, unpacked, unpackedSha256: sha };
}

// ---------------------------------------------------------------------------------------------
// Checking the spec against the catalogue

/** The roles each layout needs, in the order they are read. */
function requiredRoles(entry: DatasetCatalogEntry): string[] {
  const layout = entry.layout;
  return layout.kind === 'idx'
    ? [IDX_ROLES.trainImages, IDX_ROLES.trainLabels, IDX_ROLES.testImages, IDX_ROLES.testLabels]
    : [...layout.trainRoles, ...layout.testRoles];
}

function filesByRole(spec: DatasetSpec, entry: DatasetCatalogEntry): Map<string, DatasetFileSpec> {
  const required = requiredRoles(entry);
  const byRole = new Map<string, DatasetFileSpec>();
  spec.files.forEach((file, i) => {
    const where = `dataset.files[${i}]`;
    if (byRole.has(file.role)) {
      throw new InvalidRunConfigError(`${where}.role "${file.role}" appears more than once`);
    }
    if (!required.includes(file.role)) {
      throw new InvalidRunConfigError(
        `${where}.role "${file.role}" is not a file of ${spec.name}; its roles are ${required.join(', ')}`,
      );
    }
    checkDatasetFileName(file.fileName, `${where}.fileName`);
    if (!Number.isSafeInteger(file.unpackedBytes) || file.unpackedBytes <= 0) {
      throw new InvalidRunConfigError(
        `${where}.unpackedBytes must be a positive integer but got ${file.unpackedBytes}`,
      );
    }
    isPinnedSha256(file.unpackedSha256, `${where}.unpackedSha256`);
    byRole.set(file.role, file);
  });
  const missing = required.filter((role) => !byRole.has(role));
  if (missing.length > 0) {
    throw new InvalidRunConfigError(`dataset.files lacks role(s) ${missing.join(', ')} of ${spec.name}`);
  }
  return byRole;
}

// ---------------------------------------------------------------------------------------------
// Parsing

interface ParsedImages {
  height: number;
  width: number;
  channels: number;
  train: ImageSplit;
  test: ImageSplit;
}

function parseIdxDataset(files: Map<string, VerifiedFile>, entry: DatasetCatalogEntry): ParsedImages {
  const part = (imagesRole: string, labelsRole: string) => {
    const imageFile = files.get(imagesRole)!;
    const labelFile = files.get(labelsRole)!;
    const images = parseIdxImages(imageFile.unpacked, imageFile.path);
    const labels = parseIdxLabels(labelFile.unpacked, entry.numClasses, labelFile.path);
    if (labels.length !== images.count) {
      throw new DatasetError(
        `${labelFile.path} has ${labels.length} labels but ${imageFile.path} has ${images.count} images`,
      );
    }
    return images.count === 0 ? null : { images, split: { count: images.count, pixels: images.pixels, labels } };
  };
  const train = part(IDX_ROLES.trainImages, IDX_ROLES.trainLabels);
  const test = part(IDX_ROLES.testImages, IDX_ROLES.testLabels);
  if (train === null || test === null) {
    throw new DatasetError(`${entry.name}: the ${train === null ? 'training' : 'test'} set is empty`);
  }
  if (train.images.height !== test.images.height || train.images.width !== test.images.width) {
    throw new DatasetError(
      `${entry.name}: training images are ${train.images.height}×${train.images.width} but test ` +
        `images are ${test.images.height}×${test.images.width}`,
    );
  }
  return { height: train.images.height, width: train.images.width, channels: 1, train: train.split, test: test.split };
}

function concatCifar(
  roles: string[],
  files: Map<string, VerifiedFile>,
  labelBytes: 1 | 2,
  numClasses: number,
): ImageSplit {
  const parts = roles.map((role) => {
    const f = files.get(role)!;
    return parseCifarBinary(f.unpacked, labelBytes, numClasses, f.path);
  });
  if (parts.length === 1) return parts[0]!;
  const count = parts.reduce((sum, p) => sum + p.count, 0);
  const pixels = new Uint8Array(parts.reduce((sum, p) => sum + p.pixels.length, 0));
  const labels = new Uint8Array(count);
  let n = 0;
  let o = 0;
  for (const p of parts) {
    pixels.set(p.pixels, o);
    labels.set(p.labels, n);
    o += p.pixels.length;
    n += p.count;
  }
  return { count, pixels, labels };
}

// ---------------------------------------------------------------------------------------------
// Entry points

/** Loads, verifies, parses and splits `spec`, without the in-process cache. */
export async function loadDatasetUncached(
  spec: DatasetSpec,
  options: LoadDatasetOptions,
  environment: Partial<LoaderEnvironment> = {},
): Promise<LoadedDataset> {
  const env: LoaderEnvironment = {
    search: environment.search ?? processSearchContext(options.dataDirs),
    catalog: environment.catalog ?? datasetCatalogEntry(spec.name),
  };
  const byRole = filesByRole(spec, env.catalog);
  const ctx: ReadContext = {
    env,
    dirs: datasetSearchDirs(spec.name, env.search),
    allowDownload: options.allowDownload,
    log: options.log,
    archives: new Map(),
  };
  const verified = new Map<string, VerifiedFile>();
  for (const role of requiredRoles(env.catalog)) {
    verified.set(role, await readVerified(byRole.get(role)!, ctx));
  }

  const layout = env.catalog.layout;
  const parsed: ParsedImages =
    layout.kind === 'idx'
      ? parseIdxDataset(verified, env.catalog)
      : {
          height: 32,
          width: 32,
          channels: 3,
          train: concatCifar(layout.trainRoles, verified, layout.labelBytes, env.catalog.numClasses),
          test: concatCifar(layout.testRoles, verified, layout.labelBytes, env.catalog.numClasses),
        };
  const { train, validation } = applySplit(
    parsed.train,
    spec.split,
    parsed.height * parsed.width * parsed.channels,
  );
  const provenance: DatasetProvenance = {
    files: spec.files.map((f) => {
      const v = verified.get(f.role)!;
      return { role: v.role, path: v.path, unpackedSha256: v.unpackedSha256, unpackedBytes: v.unpacked.length };
    }),
  };
  return {
    height: parsed.height,
    width: parsed.width,
    channels: parsed.channels,
    numClasses: env.catalog.numClasses,
    train,
    validation,
    test: parsed.test,
    provenance,
  };
}

const loaded = new Map<string, Promise<LoadedDataset>>();

/** The cache key: what determines the loaded data (the files' pinned content and the split). */
function cacheKey(spec: DatasetSpec): string {
  return JSON.stringify([spec.name, spec.version, spec.files, spec.split]);
}

/**
 * Loads `spec` (see the module comment), once per process: a second call with the same name,
 * version, files and split returns the same LoadedDataset, whose arrays callers must not modify.
 * Its provenance names the paths of the first load. A failed load is not cached.
 */
export function loadDataset(spec: DatasetSpec, options: LoadDatasetOptions): Promise<LoadedDataset> {
  const key = cacheKey(spec);
  let pending = loaded.get(key);
  if (pending === undefined) {
    pending = loadDatasetUncached(spec, options);
    loaded.set(key, pending);
    const settled = pending;
    settled.catch(() => {
      if (loaded.get(key) === settled) loaded.delete(key);
    });
  }
  return pending;
}

/** Forgets every dataset loaded in this process (tests; freeing memory between runs). */
export function clearDatasetCache(): void {
  loaded.clear();
}
