import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { CheckpointError } from '../trainers/errors.ts';
import { StoreCheckpoints } from './run-checkpoints.ts';
import { LocalStore } from './store/local.ts';
import type { Store } from './store/types.ts';

const runId = '0123456789abcdef';
const b = (t: string) => new TextEncoder().encode(t);
const t = (x: Uint8Array | undefined) => (x === undefined ? undefined : new TextDecoder().decode(x));

let store: LocalStore;
beforeEach(async () => {
  store = new LocalStore(await mkdtemp(join(tmpdir(), 'rigl-ckpt-')));
});

/** A store that fails every put whose key matches, as a process dying there would. */
function failingOn(inner: Store, pattern: RegExp): Store {
  return {
    uri: inner.uri,
    get: (k) => inner.get(k),
    put: async (k, v) => {
      if (pattern.test(k)) throw new Error(`simulated crash writing ${k}`);
      return inner.put(k, v);
    },
    append: (k, v) => inner.append(k, v),
    list: (p) => inner.list(p),
    delete: (k) => inner.delete(k),
    deletePrefix: (p) => inner.deletePrefix(p),
  };
}

describe('StoreCheckpoints', () => {
  it('has nothing to load at first, then loads what was saved last', async () => {
    const io = new StoreCheckpoints(store, runId, async () => 42);
    expect(await io.load()).toBeNull();
    await io.save({ 'state.json': b('{"epoch":1}'), 'weights.bin': b('AAAA') });
    await io.save({ 'state.json': b('{"epoch":2}'), 'weights.bin': b('BBBB') });
    const loaded = await io.load();
    expect(t(loaded?.['state.json'])).toBe('{"epoch":2}');
    expect(t(loaded?.['weights.bin'])).toBe('BBBB');
    const marker = await io.marker();
    expect(marker).toMatchObject({ generation: 2, eventsBytes: 42 });
    // Only the current generation's files remain.
    expect(await store.list(`runs/${runId}/checkpoint/`)).toEqual([
      `runs/${runId}/checkpoint/COMPLETE`,
      `runs/${runId}/checkpoint/g2/state.json`,
      `runs/${runId}/checkpoint/g2/weights.bin`,
    ]);
  });

  it('leaves the previous checkpoint loadable when a save dies before its marker', async () => {
    await new StoreCheckpoints(store, runId).save({ 'state.json': b('{"epoch":1}') });
    const crashing = new StoreCheckpoints(failingOn(store, /COMPLETE$/), runId);
    await expect(crashing.save({ 'state.json': b('{"epoch":2}') })).rejects.toThrow(/simulated crash/);
    const loaded = await new StoreCheckpoints(store, runId).load();
    expect(t(loaded?.['state.json'])).toBe('{"epoch":1}');
    // The next successful save cleans up the orphaned generation.
    await new StoreCheckpoints(store, runId).save({ 'state.json': b('{"epoch":3}') });
    expect((await store.list(`runs/${runId}/checkpoint/`)).filter((k) => k.includes('/g'))).toEqual([`runs/${runId}/checkpoint/g3/state.json`]);
  });

  it('refuses a checkpoint file whose bytes do not match the marker (exit 3)', async () => {
    const io = new StoreCheckpoints(store, runId);
    await io.save({ 'state.json': b('{"epoch":1}') });
    await store.put(`runs/${runId}/checkpoint/g1/state.json`, b('{"epoch":9}'));
    const error = await io.load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as CheckpointError).exitCode).toBe(3);
    expect((error as Error).message).toMatch(/g1\/state\.json is corrupt: the marker records sha256 [0-9a-f]{64}/);
  });

  it('rejects checkpoint file names that would leave the run folder', async () => {
    await expect(new StoreCheckpoints(store, runId).save({ '../../escape': b('x') })).rejects.toThrow(/not allowed/);
  });

  it('clear removes the whole checkpoint', async () => {
    const io = new StoreCheckpoints(store, runId);
    await io.save({ 'state.json': b('{}') });
    await io.clear();
    expect(await io.load()).toBeNull();
    expect(await store.list(`runs/${runId}/`)).toEqual([]);
  });
});
