/**
 * A run's files in a store (design.md "Results (store layout)"):
 *
 *   runs/<runId>/manifest.json   the resolved manifest as canonical JSON, so sha256(manifest.json)
 *                                is the manifestSha256 and its first 16 hex digits the run id
 *   runs/<runId>/events.jsonl    one JSON event per line, appended as training goes
 *   runs/<runId>/summary.json    final metrics and provenance (also written, with status
 *                                "aborted", for a run whose training failed)
 *   runs/<runId>/checkpoint/     the latest checkpoint while unfinished (StoreCheckpoints)
 *   runs/<runId>/SHA256SUMS      sha256sum-format lines for the three files above, written last
 *
 * A run is complete iff SHA256SUMS exists and every listed file hashes to its line, and the stored
 * manifest hashes to the summary's manifestSha256, whose prefix is the run id. A mismatch is a
 * ChecksumError (exit 3) naming the file and both hashes.
 */
import { ChecksumError, CorruptRunError, StoreError } from './errors.ts';
import { canonicalJson, sha256Hex, RUN_ID_HEX_DIGITS } from './manifest/canonical.ts';
import type { Store } from './store/types.ts';
import type { RunEvent } from '../trainers/events.ts';
import type { RunManifest } from '../trainers/run-manifest.ts';
import type { RunSummary } from '../trainers/run-summary.ts';

export const RUN_FILE = {
  manifest: 'manifest.json',
  events: 'events.jsonl',
  summary: 'summary.json',
  sums: 'SHA256SUMS',
  signature: 'SHA256SUMS.sig',
} as const;

/** The files SHA256SUMS covers, in the order it lists them. */
export const CHECKSUMMED_FILES = [RUN_FILE.manifest, RUN_FILE.events, RUN_FILE.summary] as const;

export function runPrefix(runId: string): string {
  if (!/^[0-9a-f]{16}$/.test(runId)) throw new StoreError(`run id ${JSON.stringify(runId)} is not ${RUN_ID_HEX_DIGITS} lowercase hex digits`);
  return `runs/${runId}/`;
}

export function runKey(runId: string, name: string): string {
  return `${runPrefix(runId)}${name}`;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeText(text: string): Uint8Array {
  return encoder.encode(text);
}

export function decodeText(bytes: Uint8Array, what: string): string {
  try {
    return decoder.decode(bytes);
  } catch (error) {
    throw new CorruptRunError(`${what} is not valid UTF-8`, { cause: error });
  }
}

// ---------------------------------------------------------------------------------------------
// SHA256SUMS

/** `sha256sum` format: "<64 hex>  <name>\n" per file (two spaces: text mode). */
export function formatSha256Sums(entries: readonly { name: string; sha256: string }[]): string {
  return entries.map((e) => `${e.sha256}  ${e.name}\n`).join('');
}

export function parseSha256Sums(text: string, where: string): Map<string, string> {
  const out = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    if (line === '') return;
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (match === null) throw new CorruptRunError(`${where} line ${i + 1} is not "<sha256>  <file>": ${JSON.stringify(line.slice(0, 100))}`);
    out.set(match[2]!, match[1]!);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading runs

export type StoredRunState =
  /** Nothing stored under runs/<runId>/. */
  | { state: 'missing' }
  /** Files but no SHA256SUMS: training started and did not finish (or failed; see `aborted`). */
  | { state: 'unfinished'; hasCheckpoint: boolean; aborted: RunSummary | null }
  /** SHA256SUMS verified. */
  | { state: 'complete'; summary: RunSummary };

export interface CompleteRun {
  manifest: RunManifest;
  summary: RunSummary;
  events: RunEvent[];
}

/** Where the run stands; throws ChecksumError when a stored SHA256SUMS does not verify. */
export async function inspectRun(store: Store, runId: string): Promise<StoredRunState> {
  const keys = await store.list(runPrefix(runId));
  if (keys.length === 0) return { state: 'missing' };
  if (keys.includes(runKey(runId, RUN_FILE.sums))) {
    const files = await verifyRunFiles(store, runId);
    return { state: 'complete', summary: parseSummary(files.get(RUN_FILE.summary)!, runKey(runId, RUN_FILE.summary)) };
  }
  const hasCheckpoint = keys.includes(runKey(runId, CHECKPOINT_MARKER));
  let aborted: RunSummary | null = null;
  if (keys.includes(runKey(runId, RUN_FILE.summary))) {
    const bytes = await store.get(runKey(runId, RUN_FILE.summary));
    if (bytes !== null) {
      try {
        const summary = parseSummary(bytes, runKey(runId, RUN_FILE.summary));
        if (summary.status === 'aborted') aborted = summary;
      } catch {
        // an unreadable summary of an unfinished run is rewritten when the run is retried
      }
    }
  }
  return { state: 'unfinished', hasCheckpoint, aborted };
}

/**
 * Read the checksummed files of a complete run and check them: every file SHA256SUMS lists must
 * hash to its line, the three run files must be listed, and the manifest must hash to the run id.
 */
export async function verifyRunFiles(store: Store, runId: string): Promise<Map<string, Uint8Array>> {
  const sumsKey = runKey(runId, RUN_FILE.sums);
  const sumsBytes = await store.get(sumsKey);
  if (sumsBytes === null) throw new CorruptRunError(`${sumsKey} is missing: the run is not complete`);
  const sums = parseSha256Sums(decodeText(sumsBytes, sumsKey), sumsKey);
  for (const name of CHECKSUMMED_FILES) {
    if (!sums.has(name)) throw new CorruptRunError(`${sumsKey} does not list ${name}`);
  }
  const files = new Map<string, Uint8Array>();
  for (const [name, expected] of sums) {
    const key = runKey(runId, name);
    const bytes = await store.get(key);
    if (bytes === null) throw new CorruptRunError(`${key} is listed in ${sumsKey} but missing from the store`);
    const actual = sha256Hex(bytes);
    if (actual !== expected) throw new ChecksumError(`${store.uri.replace(/\/$/, '')}/${key}`, expected, actual);
    files.set(name, bytes);
  }
  // The run id is derived from the manifest: a manifest rewritten together with SHA256SUMS still
  // cannot pose as this run.
  const manifestKey = runKey(runId, RUN_FILE.manifest);
  const manifestSha256 = sha256Hex(canonicalJson(parseJson(files.get(RUN_FILE.manifest)!, manifestKey)));
  if (!manifestSha256.startsWith(runId)) {
    throw new ChecksumError(`${store.uri.replace(/\/$/, '')}/${manifestKey}`, `a hash starting with the run id ${runId}`, manifestSha256);
  }
  const summary = parseSummary(files.get(RUN_FILE.summary)!, runKey(runId, RUN_FILE.summary));
  if (summary.manifestSha256 !== manifestSha256 || summary.runId !== runId) {
    throw new ChecksumError(`${store.uri.replace(/\/$/, '')}/${runKey(runId, RUN_FILE.summary)} (manifestSha256)`, manifestSha256, summary.manifestSha256);
  }
  return files;
}

/** A complete run, verified, with its events parsed. */
export async function readCompleteRun(store: Store, runId: string): Promise<CompleteRun> {
  const files = await verifyRunFiles(store, runId);
  return {
    manifest: parseJson(files.get(RUN_FILE.manifest)!, runKey(runId, RUN_FILE.manifest)) as RunManifest,
    summary: parseSummary(files.get(RUN_FILE.summary)!, runKey(runId, RUN_FILE.summary)),
    events: parseEvents(files.get(RUN_FILE.events)!, runKey(runId, RUN_FILE.events)),
  };
}

function parseJson(bytes: Uint8Array, where: string): unknown {
  try {
    return JSON.parse(decodeText(bytes, where));
  } catch (error) {
    if (error instanceof CorruptRunError) throw error;
    throw new CorruptRunError(`${where} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

export function parseSummary(bytes: Uint8Array, where: string): RunSummary {
  const value = parseJson(bytes, where);
  if (value === null || typeof value !== 'object' || typeof (value as RunSummary).runId !== 'string' || typeof (value as RunSummary).status !== 'string') {
    throw new CorruptRunError(`${where} is not a run summary (no runId/status)`);
  }
  return value as RunSummary;
}

export function parseEvents(bytes: Uint8Array, where: string): RunEvent[] {
  const text = decodeText(bytes, where);
  const events: RunEvent[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      events.push(JSON.parse(line) as RunEvent);
    } catch (error) {
      throw new CorruptRunError(`${where} line ${i + 1} is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
  });
  return events;
}

// ---------------------------------------------------------------------------------------------
// Writing runs

export async function writeManifest(store: Store, runId: string, manifest: RunManifest): Promise<void> {
  await store.put(runKey(runId, RUN_FILE.manifest), encodeText(canonicalJson(manifest)));
}

export async function writeSummary(store: Store, summary: RunSummary): Promise<void> {
  await store.put(runKey(summary.runId, RUN_FILE.summary), encodeText(`${JSON.stringify(summary, null, 2)}\n`));
}

/**
 * Hash the run's three files as stored and write SHA256SUMS: the last write of a complete run.
 * With `sign` (harness/signing), SHA256SUMS.sig is written just before it, so a run sealed by a
 * signing `run` is never complete without its signature; without, a leftover signature of an
 * earlier attempt is removed.
 */
export async function sealRun(store: Store, runId: string, sign?: (sums: Uint8Array) => Uint8Array): Promise<void> {
  const entries: { name: string; sha256: string }[] = [];
  for (const name of CHECKSUMMED_FILES) {
    const bytes = await store.get(runKey(runId, name));
    if (bytes === null) throw new StoreError(`cannot seal run ${runId}: ${runKey(runId, name)} is missing`);
    entries.push({ name, sha256: sha256Hex(bytes) });
  }
  const sums = encodeText(formatSha256Sums(entries));
  if (sign === undefined) await store.delete(runKey(runId, RUN_FILE.signature));
  else await store.put(runKey(runId, RUN_FILE.signature), sign(sums));
  await store.put(runKey(runId, RUN_FILE.sums), sums);
}

// ---------------------------------------------------------------------------------------------
// Checkpoints

export const CHECKPOINT_PREFIX = 'checkpoint/';
export const CHECKPOINT_MARKER = `${CHECKPOINT_PREFIX}COMPLETE`;
