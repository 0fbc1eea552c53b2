/**
 * Store keys: '/'-separated paths relative to the store root (harness/store/types.ts). One check,
 * shared by every store, so no key can leave its root (design.md "Security").
 */
import { StoreError } from '../errors.ts';

/** Throws StoreError unless `key` is a relative '/'-separated path with no empty, '.' or '..' part. */
export function checkKey(key: string, what = 'key'): string {
  const reason = keyProblem(key);
  if (reason !== null) throw new StoreError(`store ${what} ${JSON.stringify(key)} is not allowed: ${reason}`);
  return key;
}

/** Like checkKey for a prefix: '' (everything) or a key, optionally ending in '/'. */
export function checkPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  checkKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix, 'prefix');
  return prefix;
}

function keyProblem(key: string): string | null {
  if (key.length === 0) return 'it is empty';
  if (key.includes('\u0000')) return 'it contains a NUL character';
  if (key.includes('\\')) return 'it contains a backslash';
  if (key.startsWith('/') || /^[A-Za-z]:/.test(key)) return 'it is absolute';
  for (const part of key.split('/')) {
    if (part === '..') return 'it contains a ".." segment';
    if (part === '.') return 'it contains a "." segment';
    if (part === '') return 'it contains an empty segment';
  }
  return null;
}
