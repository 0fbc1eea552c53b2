/**
 * Opening a store from its URI (design.md "Command line"): the one place that dispatches on the
 * scheme. A plain path or `file://` URL is a local folder (default ./results); `s3://bucket/prefix`
 * is the S3 store (harness/store/s3.ts). A NUL character is refused in any store URI.
 */
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.ts';
import { LocalStore } from './local.ts';
import { S3Store, parseEndpoint } from './s3.ts';
import type { Store } from './types.ts';

export type { Store } from './types.ts';
export { LocalStore } from './local.ts';
export { S3Store } from './s3.ts';

/** The store `run`, `verify` and `report` use when no --store is given. */
export const DEFAULT_STORE_URI = './results';

export interface OpenStoreOptions {
  /** S3-compatible endpoint (`--s3-endpoint`, else AWS_ENDPOINT_URL); unused by local stores. */
  s3Endpoint?: string | null;
  /** Where s3Endpoint came from, for messages ("--s3-endpoint" or "AWS_ENDPOINT_URL"). */
  s3EndpointSource?: string;
}

export function openStore(uri: string = DEFAULT_STORE_URI, options: OpenStoreOptions = {}): Store {
  if (uri.trim() === '') throw new UsageError('--store: expected a path, file:// URL or s3:// URL, found an empty string');
  if (uri.includes('\u0000')) throw new UsageError(`--store: ${JSON.stringify(uri)} contains a NUL character`);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined) return new LocalStore(uri);
  switch (scheme) {
    case 'file':
      try {
        return new LocalStore(fileURLToPath(uri));
      } catch (error) {
        throw new UsageError(`--store: ${JSON.stringify(uri)} is not a valid file:// URL (${(error as Error).message})`, { cause: error });
      }
    case 's3': {
      const endpoint = options.s3Endpoint === undefined || options.s3Endpoint === null || options.s3Endpoint === '' ? null : parseEndpoint(options.s3Endpoint, options.s3EndpointSource ?? '--s3-endpoint');
      return new S3Store(uri, { endpoint });
    }
    default:
      throw new UsageError(`--store: unknown store scheme "${scheme}://" in ${JSON.stringify(uri)}; expected a path, file:// or s3://`);
  }
}
