/**
 * The local folder store (design.md "Results"): objects are files under the root. Writes go to a
 * temporary file in the same folder and are renamed into place, so a reader sees the old bytes or
 * the new ones, never a part. Every key is confined to the root: `..`, absolute paths, backslashes
 * and NUL are rejected by checkKey, and a symbolic link inside the root that points outside it is
 * refused when a read or write would pass through it.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, lstat, mkdir, readFile, readdir, realpath, rename, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StoreError } from '../errors.ts';
import { checkKey, checkPrefix } from './keys.ts';
import type { Store } from './types.ts';

export class LocalStore implements Store {
  readonly uri: string;
  private readonly root: string;
  private realRoot: string | null = null;

  constructor(root: string) {
    this.root = resolve(root);
    this.uri = pathToFileURL(this.root).href;
  }

  /** The folder that holds the objects (absolute). */
  get rootPath(): string {
    return this.root;
  }

  async get(key: string): Promise<Uint8Array | null> {
    const path = await this.confined(checkKey(key));
    try {
      return new Uint8Array(await readFile(path));
    } catch (error) {
      if (isCode(error, 'ENOENT')) return null;
      throw this.ioError(`read ${key}`, error);
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const path = await this.confined(checkKey(key), true);
    const temp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
    try {
      await writeFile(temp, bytes, { flag: 'wx' });
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw this.ioError(`write ${key}`, error);
    }
  }

  async append(key: string, bytes: Uint8Array): Promise<void> {
    const path = await this.confined(checkKey(key), true);
    try {
      await appendFile(path, bytes);
    } catch (error) {
      throw this.ioError(`append to ${key}`, error);
    }
  }

  async list(prefix: string): Promise<string[]> {
    checkPrefix(prefix);
    // List the deepest folder the prefix names, then filter by the full prefix.
    const folderKey = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const folder = folderKey === '' ? this.root : await this.confined(folderKey);
    const out: string[] = [];
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return;
        throw this.ioError(`list ${keyPrefix || '(root)'}`, error);
      }
      for (const entry of entries) {
        const key = `${keyPrefix}${entry.name}`;
        if (entry.name.includes('.tmp-')) continue; // an interrupted put
        if (entry.isDirectory()) await walk(join(dir, entry.name), `${key}/`);
        else if (entry.isFile() && key.startsWith(prefix)) out.push(key);
      }
    };
    await walk(folder, folderKey === '' ? '' : `${folderKey}/`);
    return out.sort();
  }

  async delete(key: string): Promise<void> {
    const path = await this.confined(checkKey(key));
    try {
      await unlink(path);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return;
      throw this.ioError(`delete ${key}`, error);
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    checkPrefix(prefix);
    if (prefix === '') throw new StoreError('refusing to delete the whole store (empty prefix)');
    const keys = await this.list(prefix);
    for (const key of keys) await this.delete(key);
    // Remove folders the prefix emptied (a prefix ending in '/' names a folder).
    if (prefix.endsWith('/')) {
      const folder = await this.confined(prefix.slice(0, -1));
      await removeEmptyFolders(folder);
    }
  }

  /**
   * The absolute path for a key, after checking that no existing part of it resolves (through
   * symbolic links) outside the root. With `forWrite`, creates the parent folders.
   */
  private async confined(key: string, forWrite = false): Promise<string> {
    const path = join(this.root, ...key.split('/'));
    if (forWrite) {
      try {
        await mkdir(dirname(path), { recursive: true });
      } catch (error) {
        throw this.ioError(`create the folder for ${key}`, error);
      }
    }
    const realRoot = await this.resolvedRoot();
    // The deepest existing ancestor (or the path itself) must resolve inside the root.
    let existing = path;
    for (;;) {
      try {
        const real = await realpath(existing);
        if (real !== realRoot && !real.startsWith(realRoot + sep)) {
          throw new StoreError(`store key ${JSON.stringify(key)} resolves outside the store root ${this.root} (through a symbolic link to ${real})`);
        }
        break;
      } catch (error) {
        if (error instanceof StoreError) throw error;
        if (!isCode(error, 'ENOENT') && !isCode(error, 'ENOTDIR')) throw this.ioError(`resolve ${key}`, error);
        if (existing === this.root) break;
        existing = dirname(existing);
      }
    }
    // A dangling symbolic link at the path itself would let a write create a file elsewhere.
    try {
      const stat = await lstat(path);
      if (stat.isSymbolicLink()) throw new StoreError(`store key ${JSON.stringify(key)} is a symbolic link; refusing to follow it`);
    } catch (error) {
      if (error instanceof StoreError) throw error;
    }
    return path;
  }

  private async resolvedRoot(): Promise<string> {
    if (this.realRoot !== null) return this.realRoot;
    try {
      this.realRoot = await realpath(this.root);
    } catch (error) {
      if (!isCode(error, 'ENOENT')) throw this.ioError('resolve the store root', error);
      return this.root; // nothing exists yet, so nothing can point outside it
    }
    return this.realRoot;
  }

  private ioError(action: string, error: unknown): StoreError {
    const code = (error as NodeJS.ErrnoException).code;
    return new StoreError(`cannot ${action} in store ${this.uri}${code ? ` (${code})` : ''}: ${(error as Error).message}`, { cause: error });
  }
}

async function removeEmptyFolders(folder: string): Promise<void> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) if (entry.isDirectory()) await removeEmptyFolders(join(folder, entry.name));
  try {
    await rmdir(folder);
  } catch {
    // not empty (or already gone): leave it
  }
}

function isCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === code;
}
