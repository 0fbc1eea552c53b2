/**
 * Opening a store from its URI (design.md "Command line"): the one place that dispatches on the
 * scheme. A plain path or `file://` URL is a local folder (default ./results); `s3://bucket/prefix`
 * is the S3 store (issue #5, not built yet).
 */
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.ts';
import { LocalStore } from './local.ts';
import type { Store } from './types.ts';

export type { Store } from './types.ts';
export { LocalStore } from './local.ts';

/** The store `run`, `verify` and `report` use when no --store is given. */
export const DEFAULT_STORE_URI = './results';

export interface OpenStoreOptions {
  /** S3-compatible endpoint (`--s3-endpoint`, else AWS_ENDPOINT_URL); unused by local stores. */
  s3Endpoint?: string | null;
}

export function openStore(uri: string = DEFAULT_STORE_URI, options: OpenStoreOptions = {}): Store {
  void options;
  if (uri.trim() === '') throw new UsageError('--store: expected a path, file:// URL or s3:// URL, found an empty string');
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined) return new LocalStore(uri);
  switch (scheme) {
    case 'file':
      try {
        return new LocalStore(fileURLToPath(uri));
      } catch (error) {
        throw new UsageError(`--store: ${JSON.stringify(uri)} is not a valid file:// URL (${(error as Error).message})`, { cause: error });
      }
    case 's3':
      throw new UsageError(`--store ${uri}: s3:// stores are not available yet (issue #5); use a local folder or file:// URL`);
    default:
      throw new UsageError(`--store: unknown store scheme "${scheme}://" in ${JSON.stringify(uri)}; expected a path, file:// or s3://`);
  }
}
