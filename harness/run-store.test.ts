import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../trainers/run-summary.ts';
import { ChecksumError, CorruptRunError, exitCodeOf } from './errors.ts';
import { canonicalJson, manifestIdentity, sha256Hex } from './manifest/canonical.ts';
import {
  RUN_FILE,
  formatSha256Sums,
  inspectRun,
  parseSha256Sums,
  readCompleteRun,
  runKey,
  sealRun,
  writeManifest,
  writeSummary,
} from './run-store.ts';
import { LocalStore } from './store/local.ts';
import type { RunManifest } from '../trainers/run-manifest.ts';

const manifest = { schemaVersion: 1, seed: 3 } as unknown as RunManifest;
const { manifestSha256, runId } = manifestIdentity(manifest);

function summary(): RunSummary {
  return { schemaVersion: 1, runId, manifestSha256, status: 'success', abortReason: null } as unknown as RunSummary;
}

let root: string;
let store: LocalStore;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rigl-run-store-'));
  store = new LocalStore(root);
});

async function completeRun(): Promise<void> {
  await writeManifest(store, runId, manifest);
  await store.append(runKey(runId, RUN_FILE.events), new TextEncoder().encode('{"timeMs":1,"type":"point","key":"run_start","value":null,"meta":{}}\n'));
  await writeSummary(store, summary());
  await sealRun(store, runId);
}

describe('SHA256SUMS', () => {
  it('is in sha256sum format and parses back', () => {
    const text = formatSha256Sums([{ name: 'manifest.json', sha256: sha256Hex('a') }, { name: 'events.jsonl', sha256: sha256Hex('b') }]);
    expect(text).toBe(`${sha256Hex('a')}  manifest.json\n${sha256Hex('b')}  events.jsonl\n`);
    expect(parseSha256Sums(text, 'x')).toEqual(new Map([['manifest.json', sha256Hex('a')], ['events.jsonl', sha256Hex('b')]]));
    expect(() => parseSha256Sums('nonsense\n', 'x')).toThrow(CorruptRunError);
  });

  it('covers the three run files; the manifest is stored canonical, so its hash is the manifestSha256', async () => {
    await completeRun();
    const sums = parseSha256Sums(new TextDecoder().decode((await store.get(runKey(runId, RUN_FILE.sums)))!), 'sums');
    expect([...sums.keys()]).toEqual(['manifest.json', 'events.jsonl', 'summary.json']);
    expect(sums.get('manifest.json')).toBe(manifestSha256);
    expect(new TextDecoder().decode((await store.get(runKey(runId, RUN_FILE.manifest)))!)).toBe(canonicalJson(manifest));
  });
});

describe('run states', () => {
  it('is missing, then unfinished, then complete', async () => {
    expect(await inspectRun(store, runId)).toEqual({ state: 'missing' });
    await writeManifest(store, runId, manifest);
    expect(await inspectRun(store, runId)).toEqual({ state: 'unfinished', hasCheckpoint: false, aborted: null });
    await store.append(runKey(runId, RUN_FILE.events), new TextEncoder().encode('{}\n'));
    await writeSummary(store, summary());
    await sealRun(store, runId);
    expect(await inspectRun(store, runId)).toMatchObject({ state: 'complete', summary: { runId } });
    const read = await readCompleteRun(store, runId);
    expect(read.manifest).toEqual(manifest);
  });

  it('reports an aborted summary of an unfinished run', async () => {
    await writeManifest(store, runId, manifest);
    await writeSummary(store, { ...summary(), status: 'aborted', abortReason: 'TrainingDivergedError: loss is NaN' });
    expect(await inspectRun(store, runId)).toMatchObject({ state: 'unfinished', aborted: { abortReason: 'TrainingDivergedError: loss is NaN' } });
  });
});

describe('tampering', () => {
  it('a changed byte in summary.json is a ChecksumError (exit 3) naming the file and both hashes', async () => {
    await completeRun();
    const path = join(root, 'runs', runId, 'summary.json');
    const tampered = JSON.stringify({ ...summary(), status: 'success', extra: 1 });
    await writeFile(path, tampered);
    const error = await readCompleteRun(store, runId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChecksumError);
    const e = error as ChecksumError;
    expect(e.file).toBe(`${store.uri}/runs/${runId}/summary.json`);
    expect(e.actualSha256).toBe(sha256Hex(tampered));
    expect(e.message).toContain(e.expectedSha256);
    expect(e.message).toContain(e.actualSha256);
    expect(exitCodeOf(e)).toBe(3);
  });

  it('a manifest swapped together with a recomputed SHA256SUMS is still caught: the run id is its hash', async () => {
    await completeRun();
    await writeFile(join(root, 'runs', runId, 'manifest.json'), canonicalJson({ schemaVersion: 1, seed: 4 }));
    await sealRun(store, runId);
    await expect(readCompleteRun(store, runId)).rejects.toThrow(/manifest\.json.*a hash starting with the run id/);
  });

  it('a file listed in SHA256SUMS but missing makes the run corrupt', async () => {
    await completeRun();
    await store.delete(runKey(runId, RUN_FILE.events));
    await expect(inspectRun(store, runId)).rejects.toThrow(CorruptRunError);
  });
});
