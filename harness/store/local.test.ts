import { mkdtemp, readdir, readFile, symlink, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { StoreError, UsageError } from '../errors.ts';
import { LocalStore, openStore } from './index.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

let dir: string;
let store: LocalStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rigl-store-'));
  store = new LocalStore(join(dir, 'results'));
});

describe('LocalStore', () => {
  it('puts, gets, appends, lists (sorted, by prefix) and deletes', async () => {
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
    await store.delete('runs/a/x.json');
    await store.delete('runs/a/x.json'); // absent is fine
    await store.deletePrefix('runs/a/');
    expect(await store.list('')).toEqual(['runs/b/summary.json']);
    await expect(readdir(join(dir, 'results', 'runs'))).resolves.toEqual(['b']);
  });

  it('replaces a file whole and leaves no temporary file behind', async () => {
    await store.put('k/v', bytes('old'));
    await store.put('k/v', bytes('new bytes'));
    expect(await readFile(join(dir, 'results', 'k', 'v'), 'utf8')).toBe('new bytes');
    expect(await readdir(join(dir, 'results', 'k'))).toEqual(['v']);
  });

  it.each([
    ['../outside', /"\.\." segment/],
    ['runs/../../outside', /"\.\." segment/],
    ['/etc/passwd', /absolute/],
    ['C:/x', /absolute/],
    ['runs\\x', /backslash/],
    ['runs/\u0000x', /NUL/],
    ['runs//x', /empty segment/],
    ['runs/./x', /"\." segment/],
    ['', /empty/],
  ])('rejects the key %j', async (key, why) => {
    await expect(store.put(key, bytes('x'))).rejects.toThrow(why);
    await expect(store.get(key)).rejects.toThrow(StoreError);
  });

  it('refuses symbolic links that lead outside the root, for reads and writes', async () => {
    const outside = join(dir, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'secret'), 'secret');
    await mkdir(join(dir, 'results'), { recursive: true });
    await symlink(outside, join(dir, 'results', 'escape'));
    await expect(store.get('escape/secret')).rejects.toThrow(/resolves outside the store root/);
    await expect(store.put('escape/new', bytes('x'))).rejects.toThrow(/resolves outside the store root/);
    await symlink(join(outside, 'nowhere'), join(dir, 'results', 'dangling'));
    await expect(store.put('dangling', bytes('x'))).rejects.toThrow(/symbolic link/);
    await expect(readdir(outside)).resolves.toEqual(['secret']);
  });

  it('follows symbolic links that stay inside the root', async () => {
    await store.put('real/file', bytes('inside'));
    await symlink(join(dir, 'results', 'real'), join(dir, 'results', 'alias'));
    expect(text(await store.get('alias/file'))).toBe('inside');
  });
});

describe('openStore', () => {
  it('opens paths and file:// URLs as local stores', () => {
    expect(openStore(join(dir, 'a')).uri).toBe(pathToFileURL(join(dir, 'a')).href);
    expect(openStore(pathToFileURL(join(dir, 'b')).href)).toBeInstanceOf(LocalStore);
    expect((openStore(pathToFileURL(join(dir, 'b')).href) as LocalStore).rootPath).toBe(join(dir, 'b'));
    expect((openStore() as LocalStore).rootPath).toBe(join(process.cwd(), 'results'));
  });

  it('opens s3:// as the S3 store (harness/store/s3.test.ts) and rejects unknown schemes (usage errors)', () => {
    expect(openStore('s3://bucket/prefix').uri).toBe('s3://bucket/prefix');
    expect(() => openStore('ftp://host/x')).toThrow(UsageError);
    expect(() => openStore('ftp://host/x')).toThrow(/unknown store scheme "ftp:\/\/"/);
  });
});
