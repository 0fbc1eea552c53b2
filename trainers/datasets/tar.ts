/**
 * A reader for tar archives held in memory, enough for the CIFAR archives: POSIX ustar headers
 * (name + prefix), GNU long names (type 'L') and pax extended headers (type 'x', keys `path` and
 * `size`). Only regular files are returned; directories, links and other entries are skipped.
 * Every header's checksum is checked, so a corrupt or truncated archive fails with a DatasetError.
 */
import { DatasetError } from '../errors.ts';

const BLOCK = 512;

function cString(bytes: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && bytes[end] !== 0) end++;
  return new TextDecoder().decode(bytes.subarray(start, end));
}

/** A numeric header field: octal text (NUL/space padded) or GNU base-256 (high bit set). */
function numericField(bytes: Uint8Array, start: number, length: number, what: string, source: string): number {
  const first = bytes[start]!;
  if (first & 0x80) {
    let value = first & 0x7f;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + bytes[i]!;
    if (!Number.isSafeInteger(value)) {
      throw new DatasetError(`${source}: tar header ${what} field is too large (${value})`);
    }
    return value;
  }
  const text = cString(bytes, start, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) {
    throw new DatasetError(`${source}: tar header ${what} field is not octal: "${text}"`);
  }
  return parseInt(text, 8);
}

function isZeroBlock(bytes: Uint8Array, offset: number): boolean {
  for (let i = offset; i < offset + BLOCK; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** Reads `length=key=value\n` records of a pax extended header. */
function parsePax(data: Uint8Array, source: string): Map<string, string> {
  const text = new TextDecoder().decode(data);
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < text.length) {
    const space = text.indexOf(' ', pos);
    const length = space < 0 ? NaN : Number(text.slice(pos, space));
    if (!Number.isInteger(length) || length <= 0) {
      throw new DatasetError(`${source}: malformed pax header record at character ${pos}`);
    }
    const record = text.slice(space + 1, pos + length - 1); // without the trailing newline
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += length;
  }
  return out;
}

/**
 * The regular files of a tar archive, by path (a leading "./" removed). The data are views into
 * `bytes`, not copies.
 */
export function readTar(bytes: Uint8Array, source: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let offset = 0;
  let longName: string | null = null;
  let paxPath: string | null = null;
  let paxSize: number | null = null;
  for (;;) {
    if (offset >= bytes.length) break; // no end-of-archive marker: tolerated, as GNU tar does
    if (offset + BLOCK > bytes.length) {
      throw new DatasetError(
        `${source}: truncated tar archive: ${bytes.length - offset} bytes at byte ${offset}, ` +
          `less than a ${BLOCK}-byte header`,
      );
    }
    if (isZeroBlock(bytes, offset)) break; // end-of-archive marker
    const stored = numericField(bytes, offset + 148, 8, 'checksum', source);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) {
      sum += i >= 148 && i < 156 ? 0x20 : bytes[offset + i]!;
    }
    if (sum !== stored) {
      throw new DatasetError(
        `${source}: corrupt tar header at byte ${offset}: checksum ${stored} recorded, ${sum} computed`,
      );
    }
    const type = String.fromCharCode(bytes[offset + 156]!);
    let name = cString(bytes, offset, 100);
    const magic = cString(bytes, offset + 257, 6);
    if (magic.startsWith('ustar')) {
      const prefix = cString(bytes, offset + 345, 155);
      if (prefix !== '') name = `${prefix}/${name}`;
    }
    const size = paxSize ?? numericField(bytes, offset + 124, 12, 'size', source);
    const dataStart = offset + BLOCK;
    if (dataStart + size > bytes.length) {
      throw new DatasetError(
        `${source}: truncated tar archive: entry "${name}" needs ${size} bytes at byte ${dataStart} ` +
          `but the archive ends at byte ${bytes.length}`,
      );
    }
    const data = bytes.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;

    if (type === 'L') {
      longName = cString(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      const pax = parsePax(data, source);
      paxPath = pax.get('path') ?? null;
      const paxSizeText = pax.get('size');
      paxSize = paxSizeText === undefined ? null : Number(paxSizeText);
      continue;
    }
    if (type === 'g') continue; // global pax header: nothing we use
    const path = (paxPath ?? longName ?? name).replace(/^(\.\/)+/, '');
    longName = null;
    paxPath = null;
    paxSize = null;
    if (type === '0' || type === '\0' || type === '7') files.set(path, data);
  }
  return files;
}
