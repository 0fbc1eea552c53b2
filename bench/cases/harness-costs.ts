/**
 * The harness's own costs, timed on the code the commands run:
 * - validate + hash N run manifests: `loadManifestText` of N run files (the committed quick
 *   manifest with seeds 0..N−1): JSON parse with positions, ajv schema, defaults resolved once
 *   (`resolveRunManifest`), meaning checks, canonical JSON and sha256 (`manifestIdentity`);
 * - load a suite of N runs: the same for one suite file whose grid has N seeds (expansion included);
 * - verify N stored runs: `evaluateStored` (what `verify` runs after loading its file) on a local
 *   store holding N complete runs written once beforehand by the run-store's own writers and
 *   sealed with `sealRun`, so every run's SHA256SUMS, manifest hash and run id are checked.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { evaluateStored } from '../../harness/commands/verify.ts';
import { loadManifestText, type LoadedManifest } from '../../harness/manifest/load.ts';
import type { RunFile, SuiteFile } from '../../harness/manifest/types.ts';
import { RUN_FILE, encodeText, runKey, sealRun, writeManifest, writeSummary } from '../../harness/run-store.ts';
import { expectedBackend } from '../../harness/runners/backends.ts';
import { LocalStore } from '../../harness/store/local.ts';
import { syntheticRun } from '../../harness/verify/testing/synthetic-runs.ts';
import type { HarnessCost } from '../catalogue.ts';
import { QUICK_MANIFEST_PATH } from '../recipe.ts';

/** One repeatable unit of harness work; `run` resolves to the number of items it handled. */
export interface HarnessCase {
  run(): Promise<number>;
  dispose(): Promise<void>;
}

/** The trainer version written into the synthetic summaries and expected by verify (none is stale). */
const SYNTHETIC_TRAINER_VERSION = '0.0.0+bench';

function requireCount(count: number, where: string): void {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`'count' passed to ${where} must be an integer >= 1 but got ${count}`);
}

async function quickRunFile(): Promise<RunFile> {
  return JSON.parse(await readFile(QUICK_MANIFEST_PATH, 'utf8')) as RunFile;
}

/** N run-manifest texts: the quick manifest with seeds 0..N−1, pretty-printed as people write them. */
export async function runManifestTexts(count: number): Promise<string[]> {
  requireCount(count, 'runManifestTexts()');
  const file = await quickRunFile();
  return Array.from({ length: count }, (_, seed) => JSON.stringify({ ...file, run: { ...file.run, seed } }, null, 2));
}

/** A suite of N runs: the quick manifest's run as base, one grid block of N seeds, its claim. */
export async function suiteText(count: number): Promise<string> {
  requireCount(count, 'suiteText()');
  const file = await quickRunFile();
  const suite: SuiteFile = {
    kind: 'suite',
    schemaVersion: 1,
    title: `bench: the quick run with ${count} seeds`,
    base: file.run,
    grid: [{ seed: Array.from({ length: count }, (_, seed) => seed) }],
    claims: file.claims,
  };
  return JSON.stringify(suite, null, 2);
}

export async function validateAndHashCase(count: number): Promise<HarnessCase> {
  const texts = await runManifestTexts(count);
  return {
    async run() {
      const ids = new Set<string>();
      texts.forEach((text, i) => {
        const loaded = loadManifestText(`bench-run-${i}.json`, text);
        ids.add(loaded.runs[0]!.runId);
      });
      if (ids.size !== count) throw new RangeError(`${count} manifests with distinct seeds gave ${ids.size} distinct run ids`);
      return ids.size;
    },
    async dispose() {},
  };
}

export async function expandSuiteCase(count: number): Promise<HarnessCase> {
  const text = await suiteText(count);
  return {
    async run() {
      const loaded = loadManifestText('bench-suite.json', text);
      if (loaded.runs.length !== count) throw new RangeError(`the bench suite expanded to ${loaded.runs.length} runs, not ${count}`);
      return loaded.runs.length;
    },
    async dispose() {},
  };
}

/** Writes one complete, sealed run per expanded run, `parallel` runs at a time. */
export async function writeSyntheticRuns(store: LocalStore, loaded: LoadedManifest, parallel = 16): Promise<void> {
  const backend = expectedBackend(loaded.runs[0]?.manifest.backend.preference ?? [], null) ?? 'wasm';
  const writeOne = async (index: number): Promise<void> => {
    const run = loaded.runs[index]!;
    // 20 epochs of events, as a finished fmnist-lenet300 run has; accuracies vary with the seed.
    const record = syntheticRun({ index, runId: run.runId, axes: run.axes, testAccuracy: 88 + (index % 7) * 0.1, epochs: 20 });
    const summary = {
      ...record.summary,
      manifestSha256: run.manifestSha256,
      provenance: { ...record.summary.provenance, trainerVersion: SYNTHETIC_TRAINER_VERSION, backend: { ...record.summary.provenance.backend, name: backend } },
    };
    await writeManifest(store, run.runId, run.manifest);
    await store.put(runKey(run.runId, RUN_FILE.events), encodeText(record.events.map((e) => `${JSON.stringify(e)}\n`).join('')));
    await writeSummary(store, summary);
    await sealRun(store, run.runId);
  };
  for (let start = 0; start < loaded.runs.length; start += parallel) {
    const end = Math.min(loaded.runs.length, start + parallel);
    await Promise.all(Array.from({ length: end - start }, (_, i) => writeOne(start + i)));
  }
}

/** The case also names its store's folder (removed by dispose). */
export async function verifyStoredRunsCase(count: number): Promise<HarnessCase & { storeRoot: string }> {
  const loaded = loadManifestText('bench-suite.json', await suiteText(count));
  const root = await mkdtemp(path.join(os.tmpdir(), 'rigl-bench-store-'));
  const store = new LocalStore(root);
  try {
    await writeSyntheticRuns(store, loaded);
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  return {
    storeRoot: root,
    async run() {
      const v = await evaluateStored(loaded, null, store, SYNTHETIC_TRAINER_VERSION);
      const { records, corrupt, absent, stale } = v.stored;
      if (records.length !== count || corrupt.length + absent.length + stale.length > 0 || v.exitCode !== 0) {
        throw new RangeError(
          `verify of the bench store: ${records.length} of ${count} runs verified, ${corrupt.length} corrupt, ${absent.length} absent, ${stale.length} stale, exit ${v.exitCode}`,
        );
      }
      return records.length;
    },
    async dispose() {
      await rm(root, { recursive: true, force: true });
    },
  };
}

export function createHarnessCase(cost: HarnessCost, count: number): Promise<HarnessCase> {
  switch (cost) {
    case 'validate-hash-manifests':
      return validateAndHashCase(count);
    case 'expand-suite':
      return expandSuiteCase(count);
    case 'verify-stored-runs':
      return verifyStoredRunsCase(count);
  }
}
