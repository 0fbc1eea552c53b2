/**
 * Hashing and gzip: the two byte-level operations every dataset file goes through.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from '../errors.ts';

/** sha256 of `bytes`, lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** True when `bytes` start with the gzip magic 0x1f 0x8b (RFC 1952 §2.3.1). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompresses gzip bytes; a corrupt or truncated stream is a DatasetError naming `source`. */
export function gunzip(bytes: Uint8Array, source: string): Uint8Array {
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (cause) {
    throw new DatasetError(`${source}: cannot decompress gzip data: ${(cause as Error).message}`, { cause });
  }
}
