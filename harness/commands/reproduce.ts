/**
 * `reproduce RUNID`: retrain a stored run from its stored manifest.json and say, metric by metric,
 * whether the new result is identical (design.md "Backends and determinism": bit for bit on the
 * backends the README calls deterministic). The auditor's question "does this number come out of
 * this manifest?", answered by doing it again.
 *
 * 1. The original must be complete and verify against its SHA256SUMS (exit 3 otherwise).
 * 2. Its manifest.json is loaded as a run file, through the same schema and meaning checks as any
 *    manifest, and must resolve to the same run id (a stored manifest is data, never trusted).
 * 3. It trains in this process into a scratch store (a new temporary folder, removed when the
 *    result is identical and kept for inspection otherwise) or into `--out-store URI`, which must
 *    not hold the run complete already.
 * 4. Each number of summary.json is compared (compare-summaries.ts). Exit 0 identical, 1 a number
 *    differs, 3/4 when the original cannot be read or the retraining fails, 130 interrupted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ExitCode, StoreError, UsageError, type ExitCode as ExitCodeType } from '../errors.ts';
import { loadManifestText } from '../manifest/load.ts';
import { RUN_FILE, inspectRun, readCompleteRun, runKey, type CompleteRun } from '../run-store.ts';
import { runInProcess } from '../runners/in-process.ts';
import { activeTrainerVersion } from '../runners/trainer.ts';
import type { RunContext } from '../runners/types.ts';
import { LocalStore, openStore } from '../store/index.ts';
import type { Store } from '../store/types.ts';
import { compareSummaries, formatExact, type MetricComparison } from './compare-summaries.ts';
import { HELP_FLAG, JSON_FLAG, STORE_FLAGS, merged, openStoreFrom, stringValue } from './flags.ts';
import { DEFAULT_CHECKPOINT_EVERY_EPOCHS } from './run.ts';
import type { CommandSpec } from './types.ts';

const RUN_ID = /^[0-9a-f]{16}$/;

async function readOriginal(store: Store, runId: string): Promise<CompleteRun> {
  const state = await inspectRun(store, runId);
  if (state.state === 'missing') throw new StoreError(`run ${runId} is not in store ${store.uri} (nothing under ${runKey(runId, '')})`);
  if (state.state === 'unfinished') throw new StoreError(`run ${runId} in store ${store.uri} is not complete (no ${RUN_FILE.sums}): there is no result to reproduce`);
  return readCompleteRun(store, runId);
}

export const reproduceCommand: CommandSpec = {
  name: 'reproduce',
  summary: 'retrain a stored run from its stored manifest and compare the result metric by metric',
  synopsis: 'reproduce RUNID [--store URI] [--out-store URI] [--data-dir DIR]... [--download] [--s3-endpoint URL] [--json]',
  flags: [
    ...STORE_FLAGS.help,
    { flag: '--out-store URI', help: 'store the reproduction here (default: a new temporary folder, removed when the result is identical)' },
    { flag: '--data-dir DIR', help: 'look for dataset files in DIR first (repeatable)' },
    { flag: '--download', help: 'download missing dataset files from their official URLs (verified by size and sha256)' },
    JSON_FLAG.help,
    HELP_FLAG.help,
  ],
  options: merged(STORE_FLAGS.options, JSON_FLAG.options, HELP_FLAG.options, {
    'out-store': { type: 'string' },
    'data-dir': { type: 'string', multiple: true },
    download: { type: 'boolean' },
  }),
  positionals: { min: 1, max: 1, name: 'RUNID' },
  async run(args, ctx) {
    const runId = args.positionals[0]!;
    if (!RUN_ID.test(runId)) throw new UsageError(`RUNID: expected a run id of 16 lowercase hex digits (plan and run print them), found ${JSON.stringify(runId)}`);
    const { store } = openStoreFrom(args, ctx.env);
    const original = await readOriginal(store, runId);

    // The stored manifest goes through the same checks as a manifest file.
    const where = `${store.uri.replace(/\/$/, '')}/${runKey(runId, RUN_FILE.manifest)}`;
    const loaded = loadManifestText(where, JSON.stringify({ kind: 'run', schemaVersion: 1, title: `reproduce ${runId}`, run: original.manifest, claims: [] }));
    const run = loaded.runs[0]!;
    if (run.runId !== runId) {
      throw new StoreError(`${where} resolves to run id ${run.runId}, not ${runId}: it was stored by a version with other manifest defaults, so this version cannot retrain the same run`);
    }

    const outStoreUri = stringValue(args, 'out-store');
    const endpoint = stringValue(args, 's3-endpoint') ?? ctx.env.AWS_ENDPOINT_URL ?? null;
    let outStore: Store;
    let scratch: string | null = null;
    if (outStoreUri === undefined) {
      scratch = await mkdtemp(join(tmpdir(), `rigl-reproduce-${runId}-`));
      outStore = new LocalStore(scratch);
    } else {
      outStore = openStore(outStoreUri, { s3Endpoint: endpoint, s3EndpointSource: stringValue(args, 's3-endpoint') === undefined ? 'AWS_ENDPOINT_URL' : '--s3-endpoint' });
      if (outStore.uri === store.uri) throw new UsageError(`--out-store: ${JSON.stringify(outStoreUri)} is the store the original is in; give another store`);
      if ((await inspectRun(outStore, runId)).state === 'complete') {
        throw new UsageError(`--out-store: ${outStore.uri} already holds run ${runId} complete; give a store without it (or delete ${runKey(runId, '')} there)`);
      }
    }
    ctx.log(`reproduce ${runId}: original in ${store.uri}, retraining into ${outStore.uri}`);

    const runContext: RunContext = {
      store: outStore,
      storeUri: outStoreUri ?? scratch!,
      dataDirs: ((args.values['data-dir'] as string[] | undefined) ?? []).map((d) => resolve(d)),
      allowDownload: args.values.download === true,
      backendOverride: null,
      reuseStale: false,
      trainerVersion: activeTrainerVersion(ctx.env),
      signal: ctx.signal,
      log: ctx.log,
      checkpointEveryEpochs: DEFAULT_CHECKPOINT_EVERY_EPOCHS,
      s3Endpoint: stringValue(args, 's3-endpoint') ?? null,
    };
    const [outcome] = await runInProcess([run], runContext);
    const base = { command: 'reproduce', runId, store: store.uri, outStore: outStore.uri };
    if (outcome === undefined || outcome.exitCode !== ExitCode.Ok) {
      const exitCode: ExitCodeType = outcome?.exitCode ?? ExitCode.Internal;
      return { exitCode, json: { ...base, exitCode, identical: null, outcome: outcome ?? null, comparisons: [] }, text: `reproduce ${runId}: the retraining did not finish (${outcome?.status ?? 'no outcome'}, exit ${exitCode}): ${outcome?.message ?? ''}${scratch === null ? '' : `\nthe scratch store is kept in ${scratch}`}` };
    }

    const reproduced = await readCompleteRun(outStore, runId);
    const comparisons = compareSummaries(original.summary, reproduced.summary);
    const identical = comparisons.every((c) => c.identical);
    const notes = provenanceNotes(original, reproduced);
    if (identical && scratch !== null) await rm(scratch, { recursive: true, force: true });
    const exitCode: ExitCodeType = identical ? ExitCode.Ok : ExitCode.ClaimFailed;
    const kept = !identical && scratch !== null ? `the reproduction is kept in ${scratch}` : null;
    return {
      exitCode,
      json: {
        ...base,
        outStore: identical && scratch !== null ? null : outStore.uri,
        exitCode,
        identical,
        original: provenanceOf(original),
        reproduction: provenanceOf(reproduced),
        notes,
        comparisons,
      },
      text: renderComparison(runId, comparisons, notes, kept),
    };
  },
};

function provenanceOf(run: CompleteRun) {
  const p = run.summary.provenance;
  return { backend: p?.backend?.name ?? null, determinism: p?.backend?.determinism ?? null, threads: p?.backend?.threads ?? null, trainerVersion: p?.trainerVersion ?? null };
}

/** What differs about how the two were made (each can explain a difference in the numbers). */
function provenanceNotes(original: CompleteRun, reproduced: CompleteRun): string[] {
  const a = provenanceOf(original);
  const b = provenanceOf(reproduced);
  const notes: string[] = [];
  if (a.backend !== b.backend) notes.push(`backend differs: ${a.backend} (original) vs ${b.backend} (reproduction)`);
  if (a.trainerVersion !== b.trainerVersion) notes.push(`trainer version differs: ${a.trainerVersion} (original) vs ${b.trainerVersion} (reproduction)`);
  for (const [which, p] of [['original', a], ['reproduction', b]] as const) {
    if (p.determinism !== 'bit-exact') notes.push(`the ${which} ran on ${p.backend} with ${p.threads} thread(s), which is ${p.determinism ?? 'of unknown determinism'}: only a bit-exact backend promises identical numbers`);
  }
  return notes;
}

function renderComparison(runId: string, comparisons: readonly MetricComparison[], notes: readonly string[], kept: string | null): string {
  const header = ['metric', 'original', 'reproduced', ''];
  const rows = comparisons.map((c) => [c.metric, formatExact(c.original), formatExact(c.reproduced), c.identical ? 'identical' : 'DIFFERENT']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const differing = comparisons.filter((c) => !c.identical);
  const verdict =
    differing.length === 0
      ? `IDENTICAL: run ${runId} reproduced bit for bit (${comparisons.length} of ${comparisons.length} numbers)`
      : `DIFFERENT: ${differing.length} of ${comparisons.length} numbers of run ${runId} differ (${differing.map((c) => c.metric).join(', ')})`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '', ...notes.map((n) => `note: ${n}`), ...(kept === null ? [] : [kept]), verdict].join('\n');
}
