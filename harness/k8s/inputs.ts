/**
 * Checks of what `k8s` is given, at the door, so a mistake is a usage error (exit 2) naming the
 * flag, the value and the bound here, not a Job the API server rejects or a pod that fails later.
 * The name rules are Kubernetes' (DNS-1123 labels and subdomains); the image rule is the container
 * image reference grammar of github.com/distribution/reference; S3 URIs and endpoints are checked
 * by the S3 store's own parsers.
 */
import { UsageError } from '../errors.ts';
import { parseEndpoint, parseS3Uri, type S3Location } from '../store/s3.ts';

/** Kubernetes' int32 fields (completions, parallelism, backoffLimitPerIndex...) stop here. */
export const INT32_MAX = 2_147_483_647;

/** An integer flag within [min, max]; `fallback` when the flag is absent. */
export function integerFlag(flag: string, raw: string | undefined, bounds: { min: number; max: number }, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < bounds.min || value > bounds.max) {
    throw new UsageError(`${flag}: expected an integer from ${bounds.min} to ${bounds.max}, found ${JSON.stringify(raw)}`);
  }
  return value;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1123 label (namespaces, Job names): lowercase alphanumerics and '-', at most `maxLength`. */
export function checkDnsLabel(flag: string, value: string, maxLength = 63): string {
  if (!DNS_LABEL.test(value)) {
    throw new UsageError(`${flag}: expected a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit), found ${JSON.stringify(value)}`);
  }
  if (value.length > maxLength) throw new UsageError(`${flag}: ${JSON.stringify(value)} is ${value.length} characters long; at most ${maxLength} fit here`);
  return value;
}

/** A DNS-1123 subdomain (Secret names): dot-separated labels, at most 253 characters. */
export function checkDnsSubdomain(flag: string, value: string): string {
  if (value.length > 253 || !value.split('.').every((label) => DNS_LABEL.test(label))) {
    throw new UsageError(`${flag}: expected a DNS-1123 subdomain (at most 253 lowercase letters, digits, '-' and '.'), found ${JSON.stringify(value)}`);
  }
  return value;
}

// Container image references, after github.com/distribution/reference (regexp.go):
// [domain[:port]/]path-component(/path-component)*[:tag][@digest].
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}';
const IMAGE_REFERENCE = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`);

/** A container image reference such as ghcr.io/org/rigl-harness:0.1.0 or ...@sha256:<64 hex>. */
export function checkImageReference(flag: string, value: string): string {
  if (value.length > 255 + 128 + 72 || !IMAGE_REFERENCE.test(value)) {
    throw new UsageError(`${flag}: expected a container image reference such as registry.example.com/rigl-harness:0.1.0 (lowercase repository path, optional :tag and @sha256:digest), found ${JSON.stringify(value)}`);
  }
  return value;
}

export interface S3StoreUri extends S3Location {
  /** The URI as given, which the pods pass to `run --store`. */
  uri: string;
}

/**
 * The store of pods that meet only in S3: `s3://bucket[/prefix]`, checked by the S3 store's own
 * parser (harness/store/s3.ts) so `k8s` accepts exactly what the pods' `run` will. A local path or
 * file:// URL is refused, since a pod's disk is gone when the pod ends.
 */
export function parseS3StoreUri(flag: string, value: string | undefined): S3StoreUri {
  const why = 'the pods meet only in S3; a local path inside a pod is lost when the pod ends';
  if (value === undefined) throw new UsageError(`${flag} is required: the s3://bucket/prefix where the pods store their runs (${why})`);
  if (!/^s3:\/\//i.test(value)) throw new UsageError(`${flag}: expected an s3://bucket/prefix URI, found ${JSON.stringify(value)} (${why})`);
  return { uri: value, ...parseS3Uri(value) };
}

/** An http(s) endpoint URL without credentials (they belong in the Secret, not in the Job), as the pods' `run` checks it. */
export function checkS3Endpoint(flag: string, value: string): string {
  return parseEndpoint(value, flag);
}

/** Whether an endpoint names this machine, which a pod cannot reach under that name. */
export function isLoopbackEndpoint(value: string): boolean {
  const host = new URL(value).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1' || host === '0.0.0.0';
}

/**
 * The manifest's path inside the image: relative to the image's working directory or absolute,
 * '/'-separated, printable and without blanks, so it reads the same in the pod's command line.
 */
export function checkImageManifestPath(flag: string, value: string): string {
  if (value === '' || /[\s\x00-\x1f\x7f\\]/.test(value) || value.split('/').some((segment) => segment === '..')) {
    throw new UsageError(`${flag}: expected a '/'-separated path without blanks, backslashes or '..' segments, found ${JSON.stringify(value)}`);
  }
  return value;
}
