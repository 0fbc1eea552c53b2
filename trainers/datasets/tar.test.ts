import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError } from '../errors.ts';
import { readTar } from './tar.ts';
import { makeTempDir, writeBytes } from './test-fixtures.ts';
import { gunzip } from './unpack.ts';

// Archives made by the system's GNU tar in each of its formats, so the reader meets real headers.
const longDir = `cifar-10-batches-bin/${'d'.repeat(60)}/${'e'.repeat(60)}`;
const members: Record<string, Uint8Array> = {
  'cifar-10-batches-bin/data_batch_1.bin': new Uint8Array(3073 * 2).map((_, i) => (i * 13) & 255),
  'cifar-10-batches-bin/batches.meta.txt': new TextEncoder().encode('airplane\nautomobile\n'),
  'cifar-10-batches-bin/empty.bin': new Uint8Array(0),
  [`${longDir}/${'f'.repeat(90)}.bin`]: new Uint8Array(513).fill(9),
};

let root: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  root = await makeTempDir('tar');
  for (const [name, bytes] of Object.entries(members)) await writeBytes(path.join(root.dir, 'src', name), bytes);
});
afterAll(() => root.cleanup());

function makeArchive(format: string, gz: boolean): Uint8Array {
  const out = path.join(root.dir, `a-${format}.tar${gz ? '.gz' : ''}`);
  execFileSync('tar', [`--format=${format}`, gz ? '-czf' : '-cf', out, '-C', path.join(root.dir, 'src'), '.']);
  const bytes = new Uint8Array(readFileSync(out));
  return gz ? gunzip(bytes, out) : bytes;
}

describe('tar reader', () => {
  for (const format of ['gnu', 'ustar', 'pax']) {
    it(`reads every regular file of a ${format} archive, long names included`, () => {
      const files = readTar(makeArchive(format, true), 'a.tar.gz');
      expect([...files.keys()].sort()).toEqual(Object.keys(members).sort());
      for (const [name, bytes] of Object.entries(members)) expect(files.get(name)).toEqual(bytes);
    });
  }

  it('rejects a header whose checksum does not match', () => {
    const bytes = makeArchive('gnu', false).slice();
    bytes[0] = bytes[0]! ^ 0x20; // first entry's name
    expect(() => readTar(bytes, 'bad.tar')).toThrowError(DatasetError);
    expect(() => readTar(bytes, 'bad.tar')).toThrowError(/bad\.tar: corrupt tar header at byte 0: checksum \d+ recorded, \d+ computed/);
  });

  it('rejects an archive cut inside a member or inside a header', () => {
    const bytes = makeArchive('ustar', false);
    // Find where data_batch_1.bin's data start, then cut 100 bytes later.
    const files = readTar(bytes, 'x');
    const data = files.get('cifar-10-batches-bin/data_batch_1.bin')!;
    expect(() => readTar(bytes.subarray(0, data.byteOffset - bytes.byteOffset + 100), 'cut.tar')).toThrowError(
      /cut\.tar: truncated tar archive: entry "(\.\/)?cifar-10-batches-bin\/data_batch_1\.bin" needs 6146 bytes/,
    );
    expect(() => readTar(bytes.subarray(0, 700), 'cut.tar')).toThrowError(/truncated tar archive: 188 bytes at byte 512/);
  });
});
