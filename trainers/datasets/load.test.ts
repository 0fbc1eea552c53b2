import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatasetError, InvalidRunConfigError } from '../errors.ts';
import type { DatasetSpec } from '../run-manifest.ts';
import { datasetCatalogEntry, pinDatasetSpec, type DatasetCatalogEntry } from './catalog.ts';
import { clearDatasetCache, loadDataset, loadDatasetUncached } from './load.ts';
import type { SearchContext } from './locate.ts';
import {
  cifarRecord,
  concatBytes,
  fileSpec,
  gzip,
  idxFixture,
  idxPixel,
  makeTempDir,
  writeBytes,
  writeIdxFixture,
} from './test-fixtures.ts';
import { sha256Hex } from './unpack.ts';

let tmp: { dir: string; cleanup: () => Promise<void> };
let search: SearchContext;
beforeEach(async () => {
  tmp = await makeTempDir('load');
  // An empty home and environment, so nothing outside the test's folders is found (except Debian's
  // /usr/share/datasets, which has no mnist or cifar).
  search = { dataDirs: [], env: {}, homeDir: path.join(tmp.dir, 'home') };
});
afterEach(() => tmp.cleanup());

const noDownload = { dataDirs: [], allowDownload: false };
function load(spec: DatasetSpec, dataDirs: string[], catalog?: DatasetCatalogEntry) {
  return loadDatasetUncached(spec, noDownload, { search: { ...search, dataDirs }, ...(catalog ? { catalog } : {}) });
}

describe('loadDataset: idx files', () => {
  for (const gz of [true, false]) {
    it(`loads ${gz ? 'gzipped' : 'plain'} idx files, verifies them and records provenance`, async () => {
      const fx = idxFixture(12, 5);
      const spec = await writeIdxFixture(tmp.dir, fx, { gz });
      const ds = await load(spec, [tmp.dir]);
      expect(ds).toMatchObject({ height: 28, width: 28, channels: 1, numClasses: 10, validation: null });
      expect(ds.train.count).toBe(12);
      expect(ds.test.count).toBe(5);
      expect(Array.from(ds.train.labels)).toEqual(fx.trainLabelValues);
      expect(Array.from(ds.test.labels)).toEqual(fx.testLabelValues);
      expect(ds.train.pixels[11 * 784 + 27 * 28 + 3]).toBe(idxPixel(11, 27, 3));
      const name = gz ? 'train-images-idx3-ubyte.gz' : 'train-images-idx3-ubyte';
      expect(ds.provenance.files[0]).toEqual({
        role: 'train-images',
        path: path.join(tmp.dir, name),
        unpackedSha256: sha256Hex(fx.trainImages),
        unpackedBytes: fx.trainImages.length,
      });
      expect(ds.provenance.files.map((f) => f.role)).toEqual(spec.files.map((f) => f.role));
    });
  }

  it('refuses a file whose unpacked sha256 differs from the pinned one, naming the file and both hashes', async () => {
    const fx = idxFixture(4, 2);
    const spec = await writeIdxFixture(tmp.dir, fx, { gz: true });
    const wrong = 'ab'.repeat(32);
    spec.files[1]!.unpackedSha256 = wrong;
    const err = await load(spec, [tmp.dir]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    const message = (err as Error).message;
    expect(message).toContain('checksum mismatch');
    expect(message).toContain(path.join(tmp.dir, 'train-labels-idx1-ubyte.gz'));
    expect(message).toContain(`expected unpacked sha256 ${wrong}`);
    expect(message).toContain(`got ${sha256Hex(fx.trainLabels)}`);
  });

  it('refuses a file whose unpacked size differs from the spec', async () => {
    const fx = idxFixture(4, 2);
    const spec = await writeIdxFixture(tmp.dir, fx, { gz: false });
    spec.files[2]!.unpackedBytes += 784;
    await expect(load(spec, [tmp.dir])).rejects.toThrowError(
      new RegExp(`size mismatch for dataset file t10k-images-idx3-ubyte.gz .* expected ${16 + 3 * 784} unpacked bytes, got ${16 + 2 * 784}`),
    );
  });

  it('fails with a parse error on a corrupt file that matches its (wrong) pin', async () => {
    const fx = idxFixture(4, 2);
    const spec = await writeIdxFixture(tmp.dir, fx, { gz: false });
    const cut = fx.testLabels.subarray(0, fx.testLabels.length - 1);
    await writeBytes(path.join(tmp.dir, 't10k-labels-idx1-ubyte'), cut);
    spec.files[3] = fileSpec('test-labels', 't10k-labels-idx1-ubyte.gz', cut);
    await expect(load(spec, [tmp.dir])).rejects.toThrowError(/t10k-labels-idx1-ubyte: idx file truncated/);
  });

  it('an unpinned plain file cannot be verified: the error gives the hash to pin', async () => {
    const fx = idxFixture(4, 2);
    const spec = await writeIdxFixture(tmp.dir, fx, { gz: false, pinned: false });
    await expect(load(spec, [tmp.dir])).rejects.toThrowError(
      new RegExp(`cannot verify dataset file train-images-idx3-ubyte.gz .*pin its unpacked sha256 ${sha256Hex(fx.trainImages)}`),
    );
  });

  it('an unpinned .gz is accepted when it is the published .gz, and refused otherwise with both hashes', async () => {
    const fx = idxFixture(4, 2);
    const spec = await writeIdxFixture(tmp.dir, fx, { gz: true, pinned: false });
    const published = (role: string, bytes: Uint8Array) => {
      const gzBytes = gzip(bytes);
      return { fileName: `${role}.gz`, urls: [], bytes: gzBytes.length, sha256: sha256Hex(gzBytes) };
    };
    const real = datasetCatalogEntry('mnist');
    const byRole: Record<string, Uint8Array> = {
      'train-images': fx.trainImages,
      'train-labels': fx.trainLabels,
      'test-images': fx.testImages,
      'test-labels': fx.testLabels,
    };
    const catalog: DatasetCatalogEntry = {
      ...real,
      files: real.files.map((f) => ({ ...f, gz: published(f.role, byRole[f.role]!) })),
    };
    const ds = await load(spec, [tmp.dir], catalog);
    expect(ds.train.count).toBe(4);
    // With the real catalogue the fixture's .gz files are not MNIST's published ones.
    const err = (await load(spec, [tmp.dir]).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(DatasetError);
    const gzPath = path.join(tmp.dir, 'train-images-idx3-ubyte.gz');
    expect(err.message).toContain(`packed file ${gzPath} must be the published train-images-idx3-ubyte.gz`);
    expect(err.message).toContain(`expected sha256 ${real.files[0]!.gz!.sha256}`);
    expect(err.message).toContain(`got ${sha256Hex(gzip(fx.trainImages))}`);
  });

  it('pinDatasetSpec pins the hashes a verified load recorded', async () => {
    const fx = idxFixture(4, 2);
    const spec = await writeIdxFixture(tmp.dir, fx, { gz: false, pinned: false });
    const pinned = pinDatasetSpec(spec, {
      files: spec.files.map((f) => ({ role: f.role, path: 'p', unpackedBytes: f.unpackedBytes, unpackedSha256: 'c'.repeat(64) })),
    });
    expect(pinned.files.every((f) => f.unpackedSha256 === 'c'.repeat(64))).toBe(true);
    expect(spec.files[0]!.unpackedSha256).toBe('unpinned');
  });
});

describe('loadDataset: split (rigl-spec §6.1)', () => {
  it("'holdout-tail' makes the last N training examples, in file order, the validation set", async () => {
    const fx = idxFixture(10, 3);
    const spec = { ...(await writeIdxFixture(tmp.dir, fx, { gz: false })), split: { kind: 'holdout-tail' as const, validationCount: 3 } };
    const ds = await load(spec, [tmp.dir]);
    expect(ds.train.count).toBe(7);
    expect(ds.validation!.count).toBe(3);
    expect(Array.from(ds.train.labels)).toEqual(fx.trainLabelValues.slice(0, 7));
    expect(Array.from(ds.validation!.labels)).toEqual(fx.trainLabelValues.slice(7));
    expect(ds.train.pixels.length).toBe(7 * 784);
    // The first validation image is training example 7.
    expect(ds.validation!.pixels[0 * 784 + 2 * 28 + 5]).toBe(idxPixel(7, 2, 5));
    expect(ds.test.count).toBe(3);
  });

  it('rejects a validation count that leaves no training data, naming the bound', async () => {
    const fx = idxFixture(10, 3);
    const base = await writeIdxFixture(tmp.dir, fx, { gz: false });
    for (const validationCount of [10, 0, 2.5]) {
      await expect(load({ ...base, split: { kind: 'holdout-tail', validationCount } }, [tmp.dir])).rejects.toThrowError(
        new RegExp(`validationCount must be an integer in \\[1, 9\\].* but got ${validationCount}`),
      );
    }
  });
});

describe('loadDataset: lookup', () => {
  it('looks in --data-dir first, then <dir>/<name>, then RIGL_DATA_DIR, then the cache', async () => {
    const fx = idxFixture(4, 2);
    const good = path.join(tmp.dir, 'good');
    const spec = await writeIdxFixture(good, fx, { gz: true });
    // A second copy with other content everywhere later in the order: using it would fail its pin.
    const other = idxFixture(5, 2);
    const cache = path.join(search.homeDir, '.cache', 'rigl-harness', 'datasets', 'mnist');
    await writeIdxFixture(cache, other, { gz: true });
    const envDir = path.join(tmp.dir, 'env');
    await writeIdxFixture(envDir, other, { gz: true });

    // Only the cache: its (different) copy is found and refused.
    await expect(load(spec, [])).rejects.toThrowError(new RegExp(`read from ${cache}`));
    // RIGL_DATA_DIR before the cache.
    search.env = { RIGL_DATA_DIR: envDir };
    await expect(load(spec, [])).rejects.toThrowError(new RegExp(`read from ${envDir}`));
    // A data dir's <name>/ subfolder before RIGL_DATA_DIR.
    const parent = path.join(tmp.dir, 'parent');
    await writeIdxFixture(path.join(parent, 'mnist'), fx, { gz: false });
    const ds1 = await load(spec, [parent]);
    expect(ds1.provenance.files[0]!.path).toBe(path.join(parent, 'mnist', 'train-images-idx3-ubyte'));
    // The data dir itself before its subfolder.
    await writeIdxFixture(parent, fx, { gz: true });
    const ds2 = await load(spec, [parent]);
    expect(ds2.provenance.files[0]!.path).toBe(path.join(parent, 'train-images-idx3-ubyte.gz'));
    // In one folder, the spec's own name (.gz) before the other one (unpacked).
    await writeIdxFixture(good, fx, { gz: false });
    const ds3 = await load(spec, [good]);
    expect(ds3.provenance.files[0]!.path).toBe(path.join(good, 'train-images-idx3-ubyte.gz'));
  });

  it('a missing file is an error that lists every place looked in and the download URL', async () => {
    const fx = idxFixture(4, 2);
    const spec = await writeIdxFixture(path.join(tmp.dir, 'elsewhere'), fx, { gz: true });
    const dataDir = path.join(tmp.dir, 'data');
    search.env = { RIGL_DATA_DIR: path.join(tmp.dir, 'env') };
    const err = (await load(spec, [dataDir]).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(DatasetError);
    const looked = [
      path.join(dataDir, 'train-images-idx3-ubyte.gz'),
      path.join(dataDir, 'train-images-idx3-ubyte'),
      path.join(dataDir, 'mnist', 'train-images-idx3-ubyte.gz'),
      path.join(tmp.dir, 'env', 'train-images-idx3-ubyte.gz'),
      path.join(tmp.dir, 'env', 'mnist', 'train-images-idx3-ubyte'),
      path.join(search.homeDir, '.cache', 'rigl-harness', 'datasets', 'mnist', 'train-images-idx3-ubyte.gz'),
      '/usr/share/datasets/mnist/train-images-idx3-ubyte.gz',
    ];
    for (const p of looked) expect(err.message).toContain(`\n  ${p}\n`);
    expect(err.message).toContain('https://storage.googleapis.com/cvdf-datasets/mnist/train-images-idx3-ubyte.gz');
    expect(err.message).toContain('downloading is off');
  });
});

describe('loadDataset: spec checks', () => {
  it('rejects unknown, repeated and missing roles and paths leaving the data folder', async () => {
    const fx = idxFixture(4, 2);
    const spec = await writeIdxFixture(tmp.dir, fx, { gz: true });
    const withFiles = (files: DatasetSpec['files']) => load({ ...spec, files }, [tmp.dir]);
    await expect(withFiles([...spec.files, { ...spec.files[0]!, role: 'extra' }])).rejects.toThrowError(
      /dataset.files\[4\].role "extra" is not a file of mnist; its roles are train-images, train-labels, test-images, test-labels/,
    );
    await expect(withFiles([...spec.files, spec.files[0]!])).rejects.toThrowError(/appears more than once/);
    await expect(withFiles(spec.files.slice(1))).rejects.toThrowError(/lacks role\(s\) train-images/);
    for (const bad of ['../x.gz', '/etc/passwd', 'a/./b', 'a\\b', '']) {
      await expect(withFiles([{ ...spec.files[0]!, fileName: bad }, ...spec.files.slice(1)])).rejects.toThrowError(
        InvalidRunConfigError,
      );
    }
    await expect(withFiles([{ ...spec.files[0]!, unpackedSha256: 'ABC' }, ...spec.files.slice(1)])).rejects.toThrowError(
      /unpackedSha256 must be 64 lowercase hex digits or "unpinned" but got "ABC"/,
    );
  });
});

describe('loadDataset: CIFAR binary', () => {
  /** Two records per file; labels and pixels identify file and record. */
  function cifar10Files(): Record<string, Uint8Array> {
    const roles = ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch'];
    return Object.fromEntries(
      roles.map((role, f) => [
        role,
        concatBytes([0, 1].map((r) => cifarRecord([(f * 2 + r) % 10], (c, y, x) => f * 40 + r * 20 + c * 7 + y + x))),
      ]),
    );
  }
  function cifar10Spec(files: Record<string, Uint8Array>, pinned: boolean): DatasetSpec {
    return {
      name: 'cifar10',
      version: 'test',
      files: Object.entries(files).map(([role, bytes]) => fileSpec(role, `cifar-10-batches-bin/${role}.bin`, bytes, pinned)),
      split: { kind: 'holdout-tail', validationCount: 2 },
      normalization: { mean: [0, 0, 0], std: [1, 1, 1] },
      augmentation: [],
    };
  }
  async function writeExtracted(dir: string, files: Record<string, Uint8Array>) {
    for (const [role, bytes] of Object.entries(files)) await writeBytes(path.join(dir, 'cifar-10-batches-bin', `${role}.bin`), bytes);
  }
  async function writeArchive(dir: string, files: Record<string, Uint8Array>): Promise<Uint8Array> {
    const { execFileSync } = await import('node:child_process');
    const { readFile } = await import('node:fs/promises');
    const src = path.join(tmp.dir, 'archive-src');
    await writeExtracted(src, files);
    await writeBytes(path.join(dir, '.keep'), new Uint8Array(0));
    const archive = path.join(dir, 'cifar-10-binary.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', src, 'cifar-10-batches-bin']);
    await rm(src, { recursive: true });
    return new Uint8Array(await readFile(archive));
  }

  it('loads an extracted cifar-10-batches-bin folder with pinned members, in batch order, split 45k/5k-style', async () => {
    const files = cifar10Files();
    await writeExtracted(tmp.dir, files);
    const ds = await load(cifar10Spec(files, true), [tmp.dir]);
    expect(ds).toMatchObject({ height: 32, width: 32, channels: 3, numClasses: 10 });
    expect(ds.train.count).toBe(8);
    expect(ds.validation!.count).toBe(2); // the two records of data_batch_5
    expect(Array.from(ds.validation!.labels)).toEqual([8, 9]);
    expect(Array.from(ds.train.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(ds.test.labels)).toEqual([0, 1]);
    // data_batch_2 record 1 = training example 3: pixel (y=4, x=6, c=2).
    expect(ds.train.pixels[((3 * 32 + 4) * 32 + 6) * 3 + 2]).toBe(1 * 40 + 20 + 14 + 4 + 6);
    expect(ds.provenance.files[0]!.path).toBe(path.join(tmp.dir, 'cifar-10-batches-bin', 'data_batch_1.bin'));
  });

  it('reads members from the .tar.gz archive; unpinned members need the published archive', async () => {
    const files = cifar10Files();
    const archiveBytes = await writeArchive(tmp.dir, files);
    const archivePath = path.join(tmp.dir, 'cifar-10-binary.tar.gz');
    // Pinned members: any archive holding them will do.
    const ds = await load(cifar10Spec(files, true), [tmp.dir]);
    expect(ds.provenance.files[5]).toEqual({
      role: 'test_batch',
      path: `${archivePath}#cifar-10-batches-bin/test_batch.bin`,
      unpackedSha256: sha256Hex(files['test_batch']!),
      unpackedBytes: 2 * 3073,
    });
    // Unpinned members from an archive that is not the published one: refused, both hashes named.
    const real = datasetCatalogEntry('cifar10');
    const err = (await load(cifar10Spec(files, false), [tmp.dir]).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toContain(`packed file ${archivePath} must be the published cifar-10-binary.tar.gz`);
    expect(err.message).toContain(`expected sha256 ${real.layout.kind === 'cifar-binary' ? real.layout.archive.sha256 : ''}`);
    expect(err.message).toContain(`got ${sha256Hex(archiveBytes)}`);
    // ... and accepted when the archive is the published one (a catalogue naming this archive).
    if (real.layout.kind !== 'cifar-binary') throw new Error('cifar10 layout');
    const catalog: DatasetCatalogEntry = {
      ...real,
      layout: { ...real.layout, archive: { ...real.layout.archive, bytes: archiveBytes.length, sha256: sha256Hex(archiveBytes) } },
    };
    const ok = await load(cifar10Spec(files, false), [tmp.dir], catalog);
    expect(ok.train.count).toBe(8);
    expect(ok.provenance.files.map((f) => f.unpackedSha256)).toEqual(Object.values(files).map(sha256Hex));
  });

  it('an unpinned extracted member cannot be verified', async () => {
    const files = cifar10Files();
    await writeExtracted(tmp.dir, files);
    await expect(load(cifar10Spec(files, false), [tmp.dir])).rejects.toThrowError(
      /cannot verify dataset file cifar-10-batches-bin\/data_batch_1.bin/,
    );
  });

  it('loads CIFAR-100 (two label bytes: the fine label is the class) from a folder that is the extracted one', async () => {
    const train = concatBytes([cifarRecord([3, 77], () => 1), cifarRecord([19, 99], () => 2), cifarRecord([0, 5], () => 3)]);
    const test = cifarRecord([1, 42], () => 4);
    const dir = path.join(tmp.dir, 'cifar-100-binary');
    await writeBytes(path.join(dir, 'train.bin'), train);
    await writeBytes(path.join(dir, 'test.bin'), test);
    const spec: DatasetSpec = {
      name: 'cifar100',
      version: 'test',
      files: [fileSpec('train', 'cifar-100-binary/train.bin', train), fileSpec('test', 'cifar-100-binary/test.bin', test)],
      split: { kind: 'official' },
      normalization: { mean: [0, 0, 0], std: [1, 1, 1] },
      augmentation: [],
    };
    const ds = await load(spec, [dir]);
    expect(ds.numClasses).toBe(100);
    expect(Array.from(ds.train.labels)).toEqual([77, 99, 5]);
    expect(Array.from(ds.test.labels)).toEqual([42]);
    expect(ds.train.pixels[3072 * 2]).toBe(3);
  });
});

describe('loadDataset: in-process cache', () => {
  it('returns the same dataset for the same spec without reading again, and forgets failures', async () => {
    clearDatasetCache();
    const fx = idxFixture(4, 2);
    const spec = await writeIdxFixture(tmp.dir, fx, { gz: true });
    const options = { dataDirs: [tmp.dir], allowDownload: false };
    const first = await loadDataset(spec, options);
    await rm(path.join(tmp.dir, 'train-images-idx3-ubyte.gz'));
    expect(await loadDataset(structuredClone(spec), options)).toBe(first);
    // Another split is another dataset; its files are read (and now one is missing).
    const other = { ...spec, split: { kind: 'holdout-tail' as const, validationCount: 1 } };
    await expect(loadDataset(other, options)).rejects.toThrowError(/not found/);
    clearDatasetCache();
    await expect(loadDataset(spec, options)).rejects.toThrowError(/not found/);
    clearDatasetCache();
  });
});
