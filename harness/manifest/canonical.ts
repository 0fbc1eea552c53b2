/**
 * Canonical JSON and the run id (design.md "Manifests"): keys sorted by UTF-16 code unit, no
 * whitespace, numbers as JavaScript prints them (JSON.stringify), `undefined` members left out.
 * The sha256 of the canonical resolved manifest is `manifestSha256`; its first 16 hex digits are
 * the run id.
 */
import { createHash } from 'node:crypto';
import { InternalError } from '../errors.ts';

export function canonicalJson(value: unknown): string {
  return write(value, '');
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new InternalError(`canonicalJson: ${path || '(root)'} is ${value}, which JSON cannot hold`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item, i) => write(item, `${path}/${i}`)).join(',')}]`;
      const entries = Object.keys(value)
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .sort()
        .map((key) => `${JSON.stringify(key)}:${write((value as Record<string, unknown>)[key], `${path}/${key}`)}`);
      return `{${entries.join(',')}}`;
    }
    default:
      throw new InternalError(`canonicalJson: ${path || '(root)'} is a ${typeof value}, which JSON cannot hold`);
  }
}

export function sha256Hex(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export const RUN_ID_HEX_DIGITS = 16;

export function manifestIdentity(manifest: unknown): { manifestSha256: string; runId: string } {
  const manifestSha256 = sha256Hex(canonicalJson(manifest));
  return { manifestSha256, runId: manifestSha256.slice(0, RUN_ID_HEX_DIGITS) };
}
