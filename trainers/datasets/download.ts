/**
 * Verified download of a published dataset file into the cache folder: the bytes go to a temporary
 * file next to the destination while being hashed, the size and sha256 are checked against the
 * catalogue, and only then is the file renamed into place. On any failure nothing is kept
 * (design.md "Security": downloads are verified by size and sha256 before use).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { DatasetError } from '../errors.ts';
import type { PackedSource } from './catalog.ts';

export interface DownloadOptions {
  /** Called with one line per event (start, done) for progress output; optional. */
  log?: (message: string) => void;
}

class SizeExceededError extends Error {}

/** An error's message with its cause's (fetch reports "fetch failed" and puts the reason in `cause`). */
function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof Error ? `${message} (${cause.message})` : message;
}

/** Streams `url` into `tmpPath`, returning the byte count and sha256; stops past `maxBytes`. */
async function fetchToFile(
  url: string,
  tmpPath: string,
  maxBytes: number,
): Promise<{ bytes: number; sha256: string }> {
  const response = await fetch(url);
  if (!response.ok || response.body === null) {
    throw new Error(`HTTP ${response.status} ${response.statusText}`);
  }
  const hash = createHash('sha256');
  let bytes = 0;
  const file = await open(tmpPath, 'wx');
  try {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > maxBytes) {
        await reader.cancel();
        throw new SizeExceededError(`more than the expected ${maxBytes} bytes`);
      }
      hash.update(value);
      await file.write(value);
    }
  } finally {
    await file.close();
  }
  return { bytes, sha256: hash.digest('hex') };
}

/**
 * Downloads `source` into `destDir/source.fileName`, trying its mirrors in order until one answers,
 * and returns the final path. A wrong size or sha256 is a DatasetError naming the file and both
 * values, and leaves nothing behind; when no mirror answers, the error names every URL and why.
 */
export async function downloadVerified(
  source: PackedSource,
  destDir: string,
  options: DownloadOptions = {},
): Promise<string> {
  await mkdir(destDir, { recursive: true });
  const destPath = path.join(destDir, source.fileName);
  const failures: string[] = [];
  for (const url of source.urls) {
    const tmpPath = `${destPath}.part-${process.pid}-${randomUUID()}`;
    options.log?.(`downloading ${url} (${source.bytes} bytes) to ${destPath}`);
    let got: { bytes: number; sha256: string };
    try {
      got = await fetchToFile(url, tmpPath, source.bytes);
    } catch (cause) {
      await rm(tmpPath, { force: true });
      if (cause instanceof SizeExceededError) {
        throw new DatasetError(
          `download of ${source.fileName} from ${url} rejected: it sent ${cause.message}; nothing was kept`,
        );
      }
      failures.push(`${url}: ${describeError(cause)}`);
      continue;
    }
    if (got.bytes !== source.bytes || got.sha256 !== source.sha256) {
      await rm(tmpPath, { force: true });
      throw new DatasetError(
        `download of ${source.fileName} from ${url} failed verification: expected ${source.bytes} bytes ` +
          `with sha256 ${source.sha256}, got ${got.bytes} bytes with sha256 ${got.sha256}; nothing was kept`,
      );
    }
    try {
      await rename(tmpPath, destPath);
    } catch (cause) {
      await rm(tmpPath, { force: true });
      throw new DatasetError(`cannot move the verified download to ${destPath}: ${describeError(cause)}`, {
        cause,
      });
    }
    options.log?.(`verified ${destPath} (sha256 ${got.sha256})`);
    return destPath;
  }
  throw new DatasetError(`could not download ${source.fileName}: ${failures.join('; ')}`);
}
