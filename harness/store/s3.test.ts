/**
 * The S3 store against a real S3-compatible server (s3rver on 127.0.0.1, started here), and its
 * URI and endpoint parsing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError, UsageError } from '../errors.ts';
import { openStore } from './index.ts';
import { S3Store, describeS3Error, parseEndpoint, parseS3Uri } from './s3.ts';
import { S3RVER_CREDENTIALS, startS3Server, type S3TestServer } from './testing/s3-server.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

let dir: string;
let server: S3TestServer;
const savedEnv = { ...process.env };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rigl-s3-store-'));
  server = await startS3Server({ directory: join(dir, 's3'), bucket: 'unit-bucket' });
  // The SDK's standard chain reads these; no region is set, so the store falls back to us-east-1.
  Object.assign(process.env, S3RVER_CREDENTIALS);
  delete process.env.AWS_REGION;
  delete process.env.AWS_PROFILE;
});

afterAll(async () => {
  await server.stop();
  process.env = savedEnv;
  await rm(dir, { recursive: true, force: true });
});

describe('parseS3Uri', () => {
  it('splits bucket and prefix; a trailing slash and no prefix are fine', () => {
    expect(parseS3Uri('s3://my-bucket/a/b')).toEqual({ bucket: 'my-bucket', prefix: 'a/b' });
    expect(parseS3Uri('s3://my-bucket/a/b/')).toEqual({ bucket: 'my-bucket', prefix: 'a/b' });
    expect(parseS3Uri('s3://my.bucket')).toEqual({ bucket: 'my.bucket', prefix: '' });
    expect(parseS3Uri('s3://abc/')).toEqual({ bucket: 'abc', prefix: '' });
  });

  it.each([
    ['s3://', /not a valid bucket name/],
    ['s3://ab/x', /"ab" .* not a valid bucket name \(3-63 characters/],
    ['s3://Upper/x', /not a valid bucket name/],
    ['s3://a..b/x', /not a valid bucket name/],
    ['s3://bucket/../etc', /prefix "\.\.\/etc" .* not allowed: it contains a "\.\." segment/],
    ['s3://bucket/a/../../b', /not allowed: it contains a "\.\." segment/],
    ['s3://bucket//a', /not allowed: it is absolute/],
    ['s3://bucket/a//b', /not allowed: it contains an empty segment/],
    ['s3://bucket/a/./b', /not allowed: it contains a "\." segment/],
    ['s3://bucket/a\\b', /not allowed: it contains a backslash/],
  ])('refuses %s with a usage error naming --store', (uri, message) => {
    let caught: unknown;
    try {
      parseS3Uri(uri);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as Error).message).toMatch(/^--store: /);
    expect((caught as Error).message).toMatch(message);
  });
});

describe('parseEndpoint', () => {
  it('takes http and https URLs and drops a trailing slash', () => {
    expect(parseEndpoint('http://127.0.0.1:9000/', '--s3-endpoint')).toBe('http://127.0.0.1:9000');
    expect(parseEndpoint('https://acc.r2.cloudflarestorage.com', 'AWS_ENDPOINT_URL')).toBe('https://acc.r2.cloudflarestorage.com');
  });

  it('refuses other schemes, non-URLs and URLs with credentials, never echoing the password', () => {
    expect(() => parseEndpoint('ftp://host', '--s3-endpoint')).toThrow(/--s3-endpoint: expected an http:\/\/ or https:\/\/ URL/);
    expect(() => parseEndpoint('not a url', 'AWS_ENDPOINT_URL')).toThrow(/^AWS_ENDPOINT_URL: "not a url" is not a URL/);
    let message = '';
    try {
      parseEndpoint('http://user:hunter2secret@host:9000', '--s3-endpoint');
    } catch (error) {
      message = (error as Error).message;
      expect(error).toBeInstanceOf(UsageError);
    }
    expect(message).toMatch(/must not carry credentials/);
    expect(message).not.toContain('hunter2secret');
  });
});

describe('openStore with s3://', () => {
  it('opens an S3Store whose uri has no endpoint or credentials in it', () => {
    const store = openStore('s3://unit-bucket/some/prefix/', { s3Endpoint: server.endpoint });
    expect(store).toBeInstanceOf(S3Store);
    expect(store.uri).toBe('s3://unit-bucket/some/prefix');
  });

  it('names the source of a bad endpoint', () => {
    expect(() => openStore('s3://unit-bucket/p', { s3Endpoint: 'gopher://x', s3EndpointSource: 'AWS_ENDPOINT_URL' })).toThrow(/^AWS_ENDPOINT_URL: /);
  });
});

describe('S3Store on s3rver', () => {
  it('puts, gets, appends (read + rewrite), lists sorted by prefix, deletes', async () => {
    const store = new S3Store('s3://unit-bucket/crud', { endpoint: server.endpoint });
    expect(await store.get('runs/a/x.json')).toBeNull();
    await store.put('runs/b/summary.json', bytes('{}'));
    await store.put('runs/a/x.json', bytes('one'));
    await store.append('runs/a/events.jsonl', bytes('1\n'));
    await store.append('runs/a/events.jsonl', bytes('2\n'));
    expect(text(await store.get('runs/a/events.jsonl'))).toBe('1\n2\n');
    expect(await store.list('runs/')).toEqual(['runs/a/events.jsonl', 'runs/a/x.json', 'runs/b/summary.json']);
    expect(await store.list('runs/a/')).toEqual(['runs/a/events.jsonl', 'runs/a/x.json']);
    expect(await store.list('runs/a/e')).toEqual(['runs/a/events.jsonl']);
    expect(await store.list('nothing/')).toEqual([]);
    await store.put('runs/a/x.json', bytes('replaced whole'));
    expect(text(await store.get('runs/a/x.json'))).toBe('replaced whole');
    await store.delete('runs/a/x.json');
    await store.delete('runs/a/x.json'); // absent is fine
    await store.deletePrefix('runs/a/');
    expect(await store.list('')).toEqual(['runs/b/summary.json']);
    await expect(store.deletePrefix('')).rejects.toThrow(StoreError);
  });

  it('keeps each store inside its prefix: a sibling prefix is not listed', async () => {
    const one = new S3Store('s3://unit-bucket/scope/one', { endpoint: server.endpoint });
    const oneMore = new S3Store('s3://unit-bucket/scope/one-more', { endpoint: server.endpoint });
    await one.put('k', bytes('1'));
    await oneMore.put('k', bytes('2'));
    expect(await one.list('')).toEqual(['k']);
    expect(text(await one.get('k'))).toBe('1');
    const objects = server.writes.filter((w) => w.key.startsWith('scope/')).map((w) => w.key);
    expect(objects).toEqual(['scope/one/k', 'scope/one-more/k']);
  });

  it.each(['../escape', 'runs/../../x', '/abs', 'a\\b', 'a//b', ''])('refuses the key %j before any request', async (key) => {
    const store = new S3Store('s3://unit-bucket/confined', { endpoint: server.endpoint });
    const before = server.writes.length;
    await expect(store.put(key, bytes('x'))).rejects.toThrow(StoreError);
    await expect(store.get(key)).rejects.toThrow(/is not allowed/);
    expect(server.writes.length).toBe(before);
  });

  it('never trusts a key from the bucket: an object this store could not have written is not listed', async () => {
    const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const raw = new S3Client({ endpoint: server.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    for (const key of ['hostile/runs/ok', 'hostile/runs/a\\..\\..\\b']) await raw.send(new PutObjectCommand({ Bucket: 'unit-bucket', Key: key, Body: 'x' }));
    raw.destroy();
    const store = new S3Store('s3://unit-bucket/hostile', { endpoint: server.endpoint });
    expect(await store.list('')).toEqual(['runs/ok']);
    expect(server.writes.map((w) => w.key)).toContain('hostile/runs/a\\..\\..\\b');
  });

  it('a missing bucket and bad credentials are StoreErrors naming the bucket and key, without the secret', async () => {
    const missing = new S3Store('s3://no-such-bucket/p', { endpoint: server.endpoint });
    await expect(missing.put('runs/x', bytes('x'))).rejects.toThrow(/cannot write s3:\/\/no-such-bucket\/p\/runs\/x at http:\/\/127\.0\.0\.1:\d+: NoSuchBucket: .*\(HTTP 404\) \(create the bucket first\)/);

    // s3rver checks the access key id (it does not recompute SigV4 signatures): an unknown id is
    // refused as AWS refuses it.
    const secret = 'wrongSecretValue-9f8e7d';
    const wrong = new S3Store('s3://unit-bucket/p', { endpoint: server.endpoint, clientConfig: { credentials: { accessKeyId: 'AKIAUNKNOWN0000', secretAccessKey: secret } } });
    let caught: unknown;
    try {
      await wrong.get('runs/y');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StoreError);
    const message = (caught as Error).message;
    expect(message).toMatch(/cannot read s3:\/\/unit-bucket\/p\/runs\/y .*InvalidAccessKeyId: .*\(HTTP 403\) \(check the credentials/);
    expect(message).not.toContain(secret);
    expect(message).not.toContain('AKIAUNKNOWN0000');
    expect(JSON.stringify(caught)).not.toContain(secret);
  });

  it('a server that is gone is a StoreError (exit 3) naming the endpoint', async () => {
    const gone = new S3Store('s3://unit-bucket/p', { endpoint: 'http://127.0.0.1:9', clientConfig: { maxAttempts: 1 } });
    await expect(gone.get('runs/z')).rejects.toThrow(/cannot read s3:\/\/unit-bucket\/p\/runs\/z at http:\/\/127\.0\.0\.1:9: ECONNREFUSED/);
  });
});

describe('describeS3Error', () => {
  it('keeps the code, the first line of the message and the status only', () => {
    const error = Object.assign(new Error('Access Denied\nRequestId: 123'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 }, $response: { headers: { authorization: 'AWS4-HMAC-SHA256 Credential=hidden-credential-42' } } });
    const described = describeS3Error(error);
    expect(described).toMatch(/^AccessDenied: Access Denied \(HTTP 403\) \(check the credentials/);
    expect(described).not.toContain('hidden-credential-42');
    expect(described).not.toContain('RequestId');
  });
});
