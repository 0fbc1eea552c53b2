import { readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DatasetError } from '../errors.ts';
import { datasetCatalogEntry, type DatasetCatalogEntry } from './catalog.ts';
import { downloadVerified } from './download.ts';
import { loadDatasetUncached } from './load.ts';
import { gzip, idxFixture, makeTempDir, writeIdxFixture } from './test-fixtures.ts';
import { sha256Hex } from './unpack.ts';

// A local HTTP server standing in for the dataset mirrors: path → bytes; anything else is a 404.
const served = new Map<string, Uint8Array>();
let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const body = served.get(req.url ?? '');
    if (body === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

let tmp: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  tmp = await makeTempDir('download');
  served.clear();
});
afterEach(() => tmp.cleanup());

const payload = new Uint8Array(100_000).map((_, i) => (i * 31) & 255);

describe('downloadVerified', () => {
  it('keeps a download whose size and sha256 match', async () => {
    served.set('/good.bin', payload);
    const dest = path.join(tmp.dir, 'cache');
    const lines: string[] = [];
    const file = await downloadVerified(
      { fileName: 'good.bin', urls: [`${base}/good.bin`], bytes: payload.length, sha256: sha256Hex(payload) },
      dest,
      { log: (m) => lines.push(m) },
    );
    expect(file).toBe(path.join(dest, 'good.bin'));
    expect(await readdir(dest)).toEqual(['good.bin']);
    expect(lines.some((l) => l.startsWith(`downloading ${base}/good.bin`))).toBe(true);
  });

  it('rejects a wrong sha256, names the file and both hashes, and keeps nothing', async () => {
    served.set('/bad.bin', payload);
    const dest = path.join(tmp.dir, 'cache');
    const expected = '0'.repeat(64);
    const err = (await downloadVerified(
      { fileName: 'bad.bin', urls: [`${base}/bad.bin`], bytes: payload.length, sha256: expected },
      dest,
    ).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toContain('download of bad.bin');
    expect(err.message).toContain(`sha256 ${expected}`);
    expect(err.message).toContain(`sha256 ${sha256Hex(payload)}`);
    expect(await readdir(dest)).toEqual([]);
  });

  it('rejects a download larger than expected without reading it all, and keeps nothing', async () => {
    served.set('/big.bin', payload);
    const dest = path.join(tmp.dir, 'cache');
    await expect(
      downloadVerified({ fileName: 'big.bin', urls: [`${base}/big.bin`], bytes: 1000, sha256: sha256Hex(payload) }, dest),
    ).rejects.toThrowError(/big\.bin .*more than the expected 1000 bytes/);
    expect(await readdir(dest)).toEqual([]);
  });

  it('tries the next mirror when one fails, and names every failure when all do', async () => {
    served.set('/mirror2/f.bin', payload);
    const dest = path.join(tmp.dir, 'cache');
    const source = {
      fileName: 'f.bin',
      urls: [`${base}/mirror1/f.bin`, `${base}/mirror2/f.bin`],
      bytes: payload.length,
      sha256: sha256Hex(payload),
    };
    expect(await downloadVerified(source, dest)).toBe(path.join(dest, 'f.bin'));
    served.clear();
    const err = (await downloadVerified(source, path.join(tmp.dir, 'c2')).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain(`${base}/mirror1/f.bin: HTTP 404`);
    expect(err.message).toContain(`${base}/mirror2/f.bin: HTTP 404`);
  });
});

describe('loadDataset with allowDownload', () => {
  async function setup(corruptOne: boolean) {
    const fx = idxFixture(6, 3);
    // The spec the loader verifies: written elsewhere, so the data folders hold nothing.
    const spec = await writeIdxFixture(path.join(tmp.dir, 'origin'), fx, { gz: true });
    const real = datasetCatalogEntry('mnist');
    const bytes: Record<string, Uint8Array> = {
      'train-images': gzip(fx.trainImages),
      'train-labels': gzip(fx.trainLabels),
      'test-images': gzip(fx.testImages),
      'test-labels': gzip(fx.testLabels),
    };
    const catalog: DatasetCatalogEntry = {
      ...real,
      files: real.files.map((f) => {
        const gzBytes = bytes[f.role]!;
        // The corrupt copy has the right size and one flipped byte.
        const corrupt = gzBytes.slice();
        corrupt[20] = corrupt[20]! ^ 1;
        served.set(`/mnist/${f.gz!.fileName}`, corruptOne && f.role === 'test-labels' ? corrupt : gzBytes);
        return { ...f, gz: { ...f.gz!, urls: [`${base}/mnist/${f.gz!.fileName}`], bytes: gzBytes.length, sha256: sha256Hex(gzBytes) } };
      }),
    };
    const home = path.join(tmp.dir, 'home');
    const cache = path.join(home, '.cache', 'rigl-harness', 'datasets', 'mnist');
    const load = (allowDownload: boolean) =>
      loadDatasetUncached(spec, { dataDirs: [], allowDownload }, { search: { dataDirs: [], env: {}, homeDir: home }, catalog });
    return { fx, load, cache };
  }

  it('downloads missing files into the cache, verified, and uses them', async () => {
    const { fx, load, cache } = await setup(false);
    await expect(load(false)).rejects.toThrowError(/not found.*\n[^]*downloading is off/);
    const ds = await load(true);
    expect(ds.train.count).toBe(6);
    expect(Array.from(ds.test.labels)).toEqual(fx.testLabelValues);
    expect(ds.provenance.files[0]!.path).toBe(path.join(cache, 'train-images-idx3-ubyte.gz'));
    expect((await readdir(cache)).sort()).toEqual(
      ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'],
    );
    // A second load finds them in the cache: the server is not needed.
    served.clear();
    expect((await load(false)).train.count).toBe(6);
  });

  it('refuses a download with the wrong hash and leaves it out of the cache', async () => {
    const { load, cache } = await setup(true);
    await expect(load(true)).rejects.toThrowError(/download of t10k-labels-idx1-ubyte\.gz .* failed verification: expected \d+ bytes with sha256 [0-9a-f]{64}, got \d+ bytes with sha256 [0-9a-f]{64}/);
    expect(await readdir(cache)).not.toContain('t10k-labels-idx1-ubyte.gz');
    expect((await readdir(cache)).filter((f) => f.includes('.part-'))).toEqual([]);
  });
});
