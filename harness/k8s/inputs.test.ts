import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import {
  checkDnsLabel,
  checkDnsSubdomain,
  checkImageManifestPath,
  checkImageReference,
  checkS3Endpoint,
  integerFlag,
  isLoopbackEndpoint,
  parseS3StoreUri,
} from './inputs.ts';

function usageError(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('--store', () => {
  it('takes s3://bucket[/prefix]', () => {
    expect(parseS3StoreUri('--store', 's3://results-bucket/rigl/fmnist/')).toEqual({ uri: 's3://results-bucket/rigl/fmnist/', bucket: 'results-bucket', prefix: 'rigl/fmnist' });
    expect(parseS3StoreUri('--store', 's3://my.bucket.v2')).toEqual({ uri: 's3://my.bucket.v2', bucket: 'my.bucket.v2', prefix: '' });
  });

  it('refuses a local store, saying why, and a missing one', () => {
    for (const local of ['./results', '/data/results', 'file:///tmp/results']) {
      const message = usageError(() => parseS3StoreUri('--store', local));
      expect(message).toContain(`--store: expected an s3://bucket/prefix URI, found ${JSON.stringify(local)}`);
      expect(message).toContain('a local path inside a pod is lost when the pod ends');
    }
    expect(usageError(() => parseS3StoreUri('--store', undefined))).toMatch(/^--store is required: the s3:\/\/bucket\/prefix/);
  });

  it('refuses what S3 does not take as a bucket name or a clean prefix', () => {
    for (const bad of ['s3://', 's3://ab', 's3://Results', 's3://under_score', 's3://-dash', 's3://a..b', `s3://${'a'.repeat(64)}`]) {
      expect(usageError(() => parseS3StoreUri('--store', bad))).toMatch(/is not a valid bucket name/);
    }
    for (const bad of ['s3://bucket//x', 's3://bucket/a/../b', 's3://bucket/./a']) {
      expect(usageError(() => parseS3StoreUri('--store', bad))).toMatch(/--store: the prefix .* is not allowed: it (is absolute|contains an? (empty|"\.\."|"\.") segment)/);
    }
  });
});

describe('--image', () => {
  it('takes image references with registry, port, tag and digest', () => {
    for (const ok of [
      'rigl-harness',
      'rigl-harness:gpu',
      'ghcr.io/org/rigl-harness:0.1.0',
      'localhost:5000/rigl-harness:cpu',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/rigl_harness:2025-01-01',
      `registry.example.com/rigl-harness@sha256:${'0123456789abcdef'.repeat(4)}`,
      `registry.example.com/rigl-harness:0.1.0@sha256:${'f'.repeat(64)}`,
    ]) {
      expect(checkImageReference('--image', ok)).toBe(ok);
    }
  });

  it('refuses what is not one, quoting it', () => {
    for (const bad of ['', 'org/Rigl-Harness', 'UPPER', 'a b', 'x:', 'x@sha256:abc', 'x:-tag', '--store', 'x//y']) {
      expect(usageError(() => checkImageReference('--image', bad))).toContain(`found ${JSON.stringify(bad)}`);
    }
  });
});

describe('names, numbers and paths', () => {
  it('DNS labels and subdomains as Kubernetes defines them', () => {
    expect(checkDnsLabel('--namespace', 'ml-team')).toBe('ml-team');
    for (const bad of ['ML', 'a_b', '-a', 'a-', 'a.b', '']) expect(usageError(() => checkDnsLabel('--namespace', bad))).toContain('expected a DNS-1123 label');
    expect(usageError(() => checkDnsLabel('--name', 'a'.repeat(61), 60))).toBe(`--name: "${'a'.repeat(61)}" is 61 characters long; at most 60 fit here`);
    expect(checkDnsSubdomain('--secret', 'rigl.s3-creds')).toBe('rigl.s3-creds');
    for (const bad of ['S3', 'a..b', 'a_b', `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`]) {
      expect(usageError(() => checkDnsSubdomain('--secret', bad))).toContain('expected a DNS-1123 subdomain');
    }
  });

  it('integers within bounds, naming the flag, the bounds and the value', () => {
    expect(integerFlag('--gpus', undefined, { min: 0, max: 8 }, 1)).toBe(1);
    expect(integerFlag('--gpus', '0', { min: 0, max: 8 }, 1)).toBe(0);
    expect(integerFlag('--gpus', '8', { min: 0, max: 8 }, 1)).toBe(8);
    for (const bad of ['9', '-1', '1.5', 'two', '', '1e3']) {
      expect(usageError(() => integerFlag('--gpus', bad, { min: 0, max: 8 }, 1))).toBe(`--gpus: expected an integer from 0 to 8, found ${JSON.stringify(bad)}`);
    }
  });

  it('endpoints: http(s) only, never with credentials; loopback ones are recognised', () => {
    expect(checkS3Endpoint('--s3-endpoint', 'https://minio.example.com:9000')).toBe('https://minio.example.com:9000');
    expect(usageError(() => checkS3Endpoint('--s3-endpoint', 'ftp://x'))).toContain('expected an http:// or https:// URL');
    expect(usageError(() => checkS3Endpoint('--s3-endpoint', 'not a url'))).toContain('is not a URL');
    const withCredentials = usageError(() => checkS3Endpoint('--s3-endpoint', 'https://AKIA:s3cr3t@minio.example.com'));
    expect(withCredentials).toContain('must not carry credentials');
    expect(withCredentials).not.toContain('s3cr3t');
    expect(['http://localhost:4569', 'http://127.0.0.1:9000', 'http://[::1]:9000', 'http://0.0.0.0'].map(isLoopbackEndpoint)).toEqual([true, true, true, true]);
    expect(['http://minio.ml.svc:9000', 'https://s3.eu-west-1.amazonaws.com'].map(isLoopbackEndpoint)).toEqual([false, false]);
  });

  it('image manifest paths: relative or absolute, without blanks or ..', () => {
    expect(checkImageManifestPath('--image-manifest', '/manifests/mine.json')).toBe('/manifests/mine.json');
    for (const bad of ['', 'a b.json', '../x.json', 'a\\b.json', 'x\n.json']) expect(usageError(() => checkImageManifestPath('--image-manifest', bad))).toContain('--image-manifest: expected');
  });
});
