/**
 * The real Fashion-MNIST from Debian's dataset-fashion-mnist package, when installed
 * (`apt-get install -y dataset-fashion-mnist`): its re-compressed .gz files differ from upstream's,
 * its unpacked bytes match the catalogue's pins (rigl-spec §7.3, env-measurements §1).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetCatalogEntry, defaultDatasetSpec } from './catalog.ts';
import { loadDatasetUncached } from './load.ts';
import { DEBIAN_DATASETS_DIR } from './locate.ts';
import { sha256Hex } from './unpack.ts';

const debianDir = path.join(DEBIAN_DATASETS_DIR, 'fashion-mnist');

describe.skipIf(!existsSync(debianDir))('Fashion-MNIST from the Debian package', () => {
  it('verifies, loads 60,000 + 10,000 images with 6,000 + 1,000 per class and the known pixel statistics', async () => {
    const spec = defaultDatasetSpec('fashion-mnist');
    // Only Debian's folder: no data dirs, no environment, a home without a cache.
    const ds = await loadDatasetUncached(spec, { dataDirs: [], allowDownload: false }, {
      search: { dataDirs: [], env: {}, homeDir: '/nonexistent-home' },
    });
    expect(ds).toMatchObject({ height: 28, width: 28, channels: 1, numClasses: 10, validation: null });
    expect(ds.train.count).toBe(60_000);
    expect(ds.test.count).toBe(10_000);
    const histogram = (labels: Uint8Array) => {
      const h = new Array<number>(10).fill(0);
      for (const l of labels) h[l]!++;
      return h;
    };
    expect(histogram(ds.train.labels)).toEqual(new Array(10).fill(6_000));
    expect(histogram(ds.test.labels)).toEqual(new Array(10).fill(1_000));
    // env-measurements §1: unpacked sha256 of the four files.
    expect(ds.provenance.files.map((f) => [path.basename(f.path), f.unpackedBytes, f.unpackedSha256])).toEqual([
      ['train-images-idx3-ubyte.gz', 47_040_016, 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888'],
      ['train-labels-idx1-ubyte.gz', 60_008, 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9'],
      ['t10k-images-idx3-ubyte.gz', 7_840_016, '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b'],
      ['t10k-labels-idx1-ubyte.gz', 10_008, '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34'],
    ]);
    // rigl-spec §7.3 [LOCAL]: train pixels on [0, 1] have mean 0.286041 and std 0.353024.
    let sum = 0;
    let sumSq = 0;
    const pixels = ds.train.pixels;
    const n = pixels.length;
    for (let i = 0; i < n; i++) {
      const p = pixels[i]!;
      sum += p;
      sumSq += p * p;
    }
    const mean = sum / n / 255;
    expect(mean).toBeCloseTo(0.286041, 5);
    expect(Math.sqrt(sumSq / n / 255 ** 2 - mean ** 2)).toBeCloseTo(0.353024, 5);
  });

  it('the Debian .gz is not upstream\'s, which is why checksums are on the unpacked bytes', () => {
    const gz = readFileSync(path.join(debianDir, 't10k-labels-idx1-ubyte.gz'));
    const upstream = datasetCatalogEntry('fashion-mnist').files[3]!.gz!;
    expect(sha256Hex(gz)).toBe('8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05');
    expect(sha256Hex(gz)).not.toBe(upstream.sha256);
  });
});
