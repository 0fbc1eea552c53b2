/**
 * Small dataset files for the tests, built byte by byte from the format descriptions (rigl-spec
 * §7.1–§7.3), independently of the parsers under test.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { DatasetFileSpec, DatasetSpec } from '../run-manifest.ts';
import { sha256Hex } from './unpack.ts';

/** An idx file: big-endian magic and dimensions, then the bytes. */
export function idxBytes(magic: number, dims: number[], data: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(Array.from(data), 4 + 4 * dims.length);
  return out;
}

/** Pixel value of example n at (y, x) in the generated idx images: distinct enough to track. */
export function idxPixel(n: number, y: number, x: number): number {
  return (n * 7 + y * 28 + x) & 255;
}

export function idxImages(count: number, height = 28, width = 28): Uint8Array {
  const data = new Uint8Array(count * height * width);
  for (let n = 0; n < count; n++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) data[(n * height + y) * width + x] = idxPixel(n, y, x);
    }
  }
  return idxBytes(0x803, [count, height, width], data);
}

export function idxLabels(labels: number[]): Uint8Array {
  return idxBytes(0x801, [labels.length], labels);
}

/** One CIFAR record in CHW order: label byte(s), then plane R, G, B from `pixel(c, y, x)`. */
export function cifarRecord(labelBytes: number[], pixel: (c: number, y: number, x: number) => number): Uint8Array {
  const out = new Uint8Array(labelBytes.length + 3072);
  out.set(labelBytes, 0);
  let o = labelBytes.length;
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) out[o++] = pixel(c, y, x) & 255;
    }
  }
  return out;
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function gzip(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(bytes));
}

export async function makeTempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), `rigl-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function writeBytes(file: string, bytes: Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, bytes);
}

export function fileSpec(role: string, fileName: string, unpacked: Uint8Array, pinned = true): DatasetFileSpec {
  return {
    role,
    fileName,
    unpackedBytes: unpacked.length,
    unpackedSha256: pinned ? sha256Hex(unpacked) : 'unpinned',
  };
}

/** A small Fashion-MNIST-shaped dataset: labels n mod 10, pixels idxPixel. */
export interface IdxFixture {
  trainImages: Uint8Array;
  trainLabels: Uint8Array;
  testImages: Uint8Array;
  testLabels: Uint8Array;
  trainLabelValues: number[];
  testLabelValues: number[];
}

export function idxFixture(trainCount: number, testCount: number): IdxFixture {
  const trainLabelValues = Array.from({ length: trainCount }, (_, n) => n % 10);
  const testLabelValues = Array.from({ length: testCount }, (_, n) => (n * 3) % 10);
  return {
    trainImages: idxImages(trainCount),
    trainLabels: idxLabels(trainLabelValues),
    testImages: idxImages(testCount),
    testLabels: idxLabels(testLabelValues),
    trainLabelValues,
    testLabelValues,
  };
}

/** Writes the fixture's four files into `dir` (gzipped or plain) and returns a spec pinning them. */
export async function writeIdxFixture(
  dir: string,
  fixture: IdxFixture,
  options: { gz: boolean; pinned?: boolean; name?: DatasetSpec['name'] },
): Promise<DatasetSpec> {
  const files: [string, string, Uint8Array][] = [
    ['train-images', 'train-images-idx3-ubyte', fixture.trainImages],
    ['train-labels', 'train-labels-idx1-ubyte', fixture.trainLabels],
    ['test-images', 't10k-images-idx3-ubyte', fixture.testImages],
    ['test-labels', 't10k-labels-idx1-ubyte', fixture.testLabels],
  ];
  for (const [, name, bytes] of files) {
    await writeBytes(path.join(dir, options.gz ? `${name}.gz` : name), options.gz ? gzip(bytes) : bytes);
  }
  return {
    name: options.name ?? 'mnist',
    version: 'test',
    // The spec names the .gz, as the catalogue does; the loader accepts the unpacked name too.
    files: files.map(([role, name, bytes]) => fileSpec(role, `${name}.gz`, bytes, options.pinned ?? true)),
    split: { kind: 'official' },
    normalization: { mean: [0.5], std: [0.25] },
    augmentation: [],
  };
}
