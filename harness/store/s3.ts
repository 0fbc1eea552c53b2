/**
 * The S3 store (design.md "Results", "Command line"): `s3://bucket/prefix` on AWS S3 or any
 * S3-compatible server (MinIO, Cloudflare R2, Ceph, s3rver), through @aws-sdk/client-s3.
 *
 * - Endpoint: `--s3-endpoint URL`, else AWS_ENDPOINT_URL, else AWS itself.
 * - Addressing: path-style (`https://endpoint/bucket/key`), which every S3-compatible server
 *   understands and which works with dotted bucket names over TLS.
 * - Credentials: the SDK's standard chain (environment, shared config/credentials files and
 *   profiles, SSO, web identity, container and instance metadata). Nothing here reads them.
 * - Region: the SDK's standard chain (AWS_REGION, the profile's region); us-east-1 when neither
 *   sets one (what S3-compatible servers expect). AWS buckets in other regions are followed.
 * - Checksums: the SDK's optional CRC headers are sent only when an operation requires them, so
 *   servers that predate them (older MinIO, s3rver) accept the requests.
 *
 * Keys map to objects `<prefix>/<key>`; checkKey confines them (no `..`, no absolute keys), and
 * keys a listing returns that could not have been written through this store are skipped.
 *
 * `put` is one PutObject: readers see the old object or the new one, never a part. S3 has no
 * append, so `append` reads the object and writes it back with the bytes added: it is not atomic
 * against a second writer, which is fine for events.jsonl (one run is written by one process),
 * and a crash between the two leaves the previous object intact.
 *
 * Every failure is a StoreError (exit 3) naming the operation, the bucket and the key, and the
 * server's error code; never a credential (the SDK's messages carry none, and the message is
 * built here from the code, the status and the first line of the message only).
 *
 * The SDK (about a second to import) is loaded on the first request, so commands that never touch
 * an s3:// store do not pay for it.
 */
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { StoreError, UsageError } from '../errors.ts';
import { checkKey, checkPrefix } from './keys.ts';
import type { Store } from './types.ts';

/** Region used when the standard chain yields none: S3-compatible servers accept it. */
export const DEFAULT_S3_REGION = 'us-east-1';

export interface S3Location {
  bucket: string;
  /** '' (bucket root) or '/'-separated segments without leading or trailing '/'. */
  prefix: string;
}

/**
 * Parse `s3://bucket[/prefix][/]`. The bucket follows S3's naming rules (3-63 characters of
 * a-z, 0-9, '.', '-', starting and ending with a letter or digit); the prefix is checked like a
 * store key (no '..', '.', empty segment, backslash or NUL). UsageError (exit 2) naming --store.
 */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/i.exec(uri);
  if (match === null) throw new UsageError(`--store: ${JSON.stringify(uri)} is not an s3://bucket/prefix URL`);
  const bucket = match[1]!;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')) {
    throw new UsageError(`--store: ${JSON.stringify(bucket)} in ${JSON.stringify(uri)} is not a valid bucket name (3-63 characters of a-z, 0-9, ".", "-", starting and ending with a letter or digit)`);
  }
  let prefix = match[2] ?? '';
  if (prefix.endsWith('/')) prefix = prefix.slice(0, -1);
  if (prefix !== '') {
    try {
      checkKey(prefix, 'prefix');
    } catch (error) {
      throw new UsageError(`--store: the prefix ${JSON.stringify(prefix)} of ${JSON.stringify(uri)} is not allowed: ${(error as Error).message.replace(/^store prefix "[^]*" is not allowed: /, '')}`);
    }
  }
  return { bucket, prefix };
}

/** Parse `--s3-endpoint` (or AWS_ENDPOINT_URL): an http(s) URL; UsageError naming the flag. */
export function parseEndpoint(endpoint: string, source: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch (error) {
    throw new UsageError(`${source}: ${JSON.stringify(redactUrl(endpoint))} is not a URL (expected http://host:port or https://host)`, { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${source}: expected an http:// or https:// URL, found ${JSON.stringify(redactUrl(endpoint))}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new UsageError(`${source}: the endpoint URL must not carry credentials (use the AWS credential chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, ...)`);
  }
  return url.href.replace(/\/$/, '');
}

function redactUrl(text: string): string {
  return text.replace(/\/\/[^/@]*@/, '//***@');
}

type S3Sdk = typeof import('@aws-sdk/client-s3');

export interface S3StoreOptions {
  /** Endpoint URL (already checked by parseEndpoint); null for AWS S3 itself. */
  endpoint: string | null;
  /** Extra client settings (tests: retry counts). */
  clientConfig?: Partial<S3ClientConfig>;
}

/** Page size of DeleteObjects (the S3 maximum). */
const DELETE_BATCH = 1000;

export class S3Store implements Store {
  readonly uri: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly endpoint: string | null;
  private readonly clientConfig: Partial<S3ClientConfig>;
  private clientPromise: Promise<{ sdk: S3Sdk; client: S3Client }> | null = null;

  constructor(uri: string, options: S3StoreOptions) {
    const { bucket, prefix } = parseS3Uri(uri);
    this.bucket = bucket;
    this.prefix = prefix;
    this.endpoint = options.endpoint;
    this.clientConfig = options.clientConfig ?? {};
    this.uri = `s3://${bucket}${prefix === '' ? '' : `/${prefix}`}`;
  }

  async get(key: string): Promise<Uint8Array | null> {
    const objectKey = this.objectKey(checkKey(key));
    const { sdk, client } = await this.client();
    try {
      const response = await client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      if (response.Body === undefined) return new Uint8Array();
      return await response.Body.transformToByteArray();
    } catch (error) {
      if (isNotFound(error)) return null;
      throw this.failure('read', objectKey, error);
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const objectKey = this.objectKey(checkKey(key));
    const { sdk, client } = await this.client();
    try {
      await client.send(new sdk.PutObjectCommand({ Bucket: this.bucket, Key: objectKey, Body: bytes, ContentLength: bytes.length }));
    } catch (error) {
      throw this.failure('write', objectKey, error);
    }
  }

  /** Read + rewrite (S3 has no append); see the module comment. */
  async append(key: string, bytes: Uint8Array): Promise<void> {
    const existing = await this.get(key);
    if (existing === null || existing.length === 0) return this.put(key, bytes);
    const joined = new Uint8Array(existing.length + bytes.length);
    joined.set(existing, 0);
    joined.set(bytes, existing.length);
    await this.put(key, joined);
  }

  async list(prefix: string): Promise<string[]> {
    checkPrefix(prefix);
    const root = this.prefix === '' ? '' : `${this.prefix}/`;
    const { sdk, client } = await this.client();
    const out: string[] = [];
    let token: string | undefined;
    do {
      let page;
      try {
        page = await client.send(new sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${root}${prefix}`, ...(token === undefined ? {} : { ContinuationToken: token }) }));
      } catch (error) {
        throw this.failure('list', `${root}${prefix}`, error);
      }
      for (const object of page.Contents ?? []) {
        const key = object.Key?.slice(root.length);
        // A store key is never trusted as a path: objects this store could not have written
        // (`a/../b`, `//x`) are not part of it.
        if (key !== undefined && object.Key!.startsWith(root) && isAllowedKey(key)) out.push(key);
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out.sort();
  }

  async delete(key: string): Promise<void> {
    const objectKey = this.objectKey(checkKey(key));
    const { sdk, client } = await this.client();
    try {
      await client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey }));
    } catch (error) {
      if (isNotFound(error)) return;
      throw this.failure('delete', objectKey, error);
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    checkPrefix(prefix);
    if (prefix === '') throw new StoreError('refusing to delete the whole store (empty prefix)');
    const keys = await this.list(prefix);
    const { sdk, client } = await this.client();
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH).map((k) => ({ Key: this.objectKey(k) }));
      let response;
      try {
        response = await client.send(new sdk.DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch, Quiet: true } }));
      } catch (error) {
        throw this.failure('delete objects under', this.objectKey(prefix), error);
      }
      const failed = response.Errors?.[0];
      if (failed !== undefined) {
        throw new StoreError(`cannot delete s3://${this.bucket}/${failed.Key ?? '(unknown key)'}: ${failed.Code ?? 'error'}: ${firstLine(failed.Message ?? '')}`);
      }
    }
  }

  /** The client, created once. The region comes from the SDK's chain, else us-east-1. */
  private client(): Promise<{ sdk: S3Sdk; client: S3Client }> {
    this.clientPromise ??= (async () => {
      // The SDK warns on Node < 22 about its releases after January 2027 (package.json pins this
      // one); the warning would follow every command on stderr. A user's own setting wins.
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
      const sdk = await import('@aws-sdk/client-s3');
      const common: S3ClientConfig = {
        forcePathStyle: true,
        followRegionRedirects: true,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        ...(this.endpoint === null ? {} : { endpoint: this.endpoint }),
        ...this.clientConfig,
      };
      if (common.region !== undefined) return { sdk, client: new sdk.S3Client(common) };
      const standard = new sdk.S3Client(common);
      try {
        await standard.config.region();
        return { sdk, client: standard };
      } catch {
        standard.destroy();
        return { sdk, client: new sdk.S3Client({ ...common, region: DEFAULT_S3_REGION }) };
      }
    })();
    return this.clientPromise;
  }

  private objectKey(key: string): string {
    return this.prefix === '' ? key : `${this.prefix}/${key}`;
  }

  /** A StoreError naming the operation, bucket and key, the server's code and HTTP status. */
  private failure(action: string, objectKey: string, error: unknown): StoreError {
    return new StoreError(`cannot ${action} s3://${this.bucket}/${objectKey}${this.endpoint === null ? '' : ` at ${this.endpoint}`}: ${describeS3Error(error)}`);
  }
}

function isAllowedKey(key: string): boolean {
  try {
    checkKey(key);
    return true;
  } catch {
    return false;
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.Code === 'NoSuchKey' || (e?.$metadata?.httpStatusCode === 404 && e?.name !== 'NoSuchBucket');
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 300);
}

/**
 * "<code>: <message> (HTTP <status>)" for a service error, "<code>: <message>" for a network
 * error (ECONNREFUSED ...). Built from those fields only, so nothing else the SDK attached (the
 * request, its headers) can reach a message.
 */
export function describeS3Error(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const e = error as Error & { Code?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const code = e.Code ?? e.code ?? e.name;
  const status = e.$metadata?.httpStatusCode;
  const message = firstLine(e.message) || '(no message)';
  const hint =
    code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch' || code === 'AccessDenied' || status === 403
      ? ' (check the credentials the AWS chain finds: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, ...)'
      : code === 'NoSuchBucket'
        ? ' (create the bucket first)'
        : code === 'CredentialsProviderError'
          ? ' (no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)'
          : '';
  return `${code}: ${message}${status === undefined ? '' : ` (HTTP ${status})`}${hint}`;
}
