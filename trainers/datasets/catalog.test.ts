import { describe, expect, it } from 'vitest';
import { InvalidRunConfigError } from '../errors.ts';
import {
  DATASET_NAMES,
  UNPINNED_SHA256,
  datasetCatalogEntry,
  defaultDatasetSpec,
  isPinnedSha256,
  pinDatasetSpec,
} from './catalog.ts';

describe('dataset catalogue (rigl-spec §7)', () => {
  it('pins Fashion-MNIST by the unpacked sizes and sha256 measured on the Debian files (env-measurements §1)', () => {
    const spec = defaultDatasetSpec('fashion-mnist');
    expect(spec.files).toEqual([
      { role: 'train-images', fileName: 'train-images-idx3-ubyte.gz', unpackedBytes: 47_040_016, unpackedSha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888' },
      { role: 'train-labels', fileName: 'train-labels-idx1-ubyte.gz', unpackedBytes: 60_008, unpackedSha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9' },
      { role: 'test-images', fileName: 't10k-images-idx3-ubyte.gz', unpackedBytes: 7_840_016, unpackedSha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b' },
      { role: 'test-labels', fileName: 't10k-labels-idx1-ubyte.gz', unpackedBytes: 10_008, unpackedSha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34' },
    ]);
    expect(spec).toMatchObject({
      name: 'fashion-mnist',
      split: { kind: 'official' },
      normalization: { mean: [0.286], std: [0.353] },
      augmentation: [],
    });
  });

  it('leaves MNIST and CIFAR member hashes unpinned, with the sizes of their formats', () => {
    const mnist = defaultDatasetSpec('mnist');
    expect(mnist.files.map((f) => f.unpackedBytes)).toEqual([47_040_016, 60_008, 7_840_016, 10_008]);
    expect(mnist.normalization).toEqual({ mean: [0.1307], std: [0.3081] });
    const c10 = defaultDatasetSpec('cifar10');
    expect(c10.files.map((f) => f.fileName)).toEqual([
      ...[1, 2, 3, 4, 5].map((i) => `cifar-10-batches-bin/data_batch_${i}.bin`),
      'cifar-10-batches-bin/test_batch.bin',
    ]);
    expect(c10.files.every((f) => f.unpackedBytes === 30_730_000)).toBe(true);
    expect(c10.normalization).toEqual({ mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] });
    expect(c10.augmentation).toEqual([{ kind: 'pad-crop', padPixels: 4, padMode: 'reflect' }, { kind: 'horizontal-flip' }]);
    const c100 = defaultDatasetSpec('cifar100');
    expect(c100.files.map((f) => [f.fileName, f.unpackedBytes])).toEqual([
      ['cifar-100-binary/train.bin', 153_700_000],
      ['cifar-100-binary/test.bin', 30_740_000],
    ]);
    expect(c100.normalization).toEqual({ mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] });
    expect(c100.augmentation[0]).toEqual({ kind: 'random-resized-crop', scaleMin: 0.08, scaleMax: 1, ratioMin: 0.75, ratioMax: 4 / 3 });
    for (const spec of [mnist, c10, c100]) expect(spec.files.every((f) => f.unpackedSha256 === UNPINNED_SHA256)).toBe(true);
  });

  it('knows the published packed files: MNIST .gz and CIFAR archives with size and sha256 (TFDS)', () => {
    const mnist = datasetCatalogEntry('mnist');
    expect(mnist.files[0]!.gz).toMatchObject({ bytes: 9_912_422, sha256: '440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609' });
    const c10 = datasetCatalogEntry('cifar10').layout;
    expect(c10.kind === 'cifar-binary' && c10.archive).toMatchObject({
      fileName: 'cifar-10-binary.tar.gz',
      bytes: 170_052_171,
      sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
    });
    const c100 = datasetCatalogEntry('cifar100').layout;
    expect(c100.kind === 'cifar-binary' && c100.labelBytes).toBe(2);
    // Sizes agree with the record layout: 10,000 records of 1 + 3,072 bytes per CIFAR-10 batch.
    for (const name of DATASET_NAMES) {
      const entry = datasetCatalogEntry(name);
      for (const f of entry.files) expect(f.gz === null || f.gz.urls.every((u) => u.endsWith(f.gz!.fileName))).toBe(true);
    }
  });

  it('gives fresh objects each call', () => {
    const a = defaultDatasetSpec('cifar10');
    a.files[0]!.unpackedSha256 = 'x';
    a.normalization.mean[0] = 9;
    (a.augmentation[0] as { padPixels: number }).padPixels = 9;
    expect(defaultDatasetSpec('cifar10')).toEqual(defaultDatasetSpec('cifar10'));
    expect(defaultDatasetSpec('cifar10').files[0]!.unpackedSha256).toBe(UNPINNED_SHA256);
    expect(defaultDatasetSpec('cifar10').normalization.mean[0]).toBe(0.4914);
  });

  it('names the known datasets when asked for an unknown one', () => {
    expect(() => datasetCatalogEntry('imagenet')).toThrowError(InvalidRunConfigError);
    expect(() => datasetCatalogEntry('imagenet')).toThrowError(/unknown dataset "imagenet"; known datasets: fashion-mnist, mnist, cifar10, cifar100/);
  });

  it('tells pinned from unpinned hashes and rejects anything else', () => {
    expect(isPinnedSha256('a'.repeat(64), 'w')).toBe(true);
    expect(isPinnedSha256(UNPINNED_SHA256, 'w')).toBe(false);
    expect(() => isPinnedSha256('A'.repeat(64), 'files[0].unpackedSha256')).toThrowError(/files\[0\].unpackedSha256 must be 64 lowercase hex digits/);
  });

  it('pinDatasetSpec fills unpinned hashes from provenance and checks roles and sizes', () => {
    const spec = defaultDatasetSpec('cifar100');
    const provenance = {
      files: [
        { role: 'train', path: 'a#train', unpackedBytes: 153_700_000, unpackedSha256: '1'.repeat(64) },
        { role: 'test', path: 'a#test', unpackedBytes: 30_740_000, unpackedSha256: '2'.repeat(64) },
      ],
    };
    expect(pinDatasetSpec(spec, provenance).files.map((f) => f.unpackedSha256)).toEqual(['1'.repeat(64), '2'.repeat(64)]);
    expect(() => pinDatasetSpec(spec, { files: provenance.files.slice(0, 1) })).toThrowError(/role "test": the provenance has no file with that role \(it has train\)/);
    expect(() => pinDatasetSpec(spec, { files: [provenance.files[0]!, { ...provenance.files[1]!, unpackedBytes: 5 }] })).toThrowError(
      /provenance records 5 bytes but the spec says 30740000/,
    );
    // A pinned hash is kept as it is.
    const fm = defaultDatasetSpec('fashion-mnist');
    expect(pinDatasetSpec(fm, { files: [] })).toEqual(fm);
  });
});
