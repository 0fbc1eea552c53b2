/**
 * `plan FILE`: the expanded runs in order (index, run id, axes), where each stands in the store
 * (stored, stale, unfinished, aborted, missing, corrupt), and the estimated cost of each
 * (harness/commands/plan-estimate.ts). Exit 0, or 3 when a stored run fails its checksums.
 */
import { combineExitCodes } from '../errors.ts';
import { loadManifestFile } from '../manifest/load.ts';
import { runStoreStatus, type RunStoreStatus } from '../runners/stored-state.ts';
import { activeTrainerVersion } from '../runners/trainer.ts';
import { HELP_FLAG, JSON_FLAG, ONLY_FLAG, STORE_FLAGS, backendValue, merged, openStoreFrom, stringValue } from './flags.ts';
import { estimateRuns, formatFlops, formatSeconds, type RunEstimate } from './plan-estimate.ts';
import { parseOnly, selectRuns } from './selection.ts';
import type { CommandSpec } from './types.ts';

interface PlannedRun {
  index: number;
  runId: string;
  axes: Record<string, string | number>;
  status: RunStoreStatus['status'];
  /** Why stale, aborted or corrupt. */
  detail: string | null;
  /** Whether `run` would train it (from the start or from its checkpoint). */
  willTrain: boolean;
  estimate: RunEstimate;
}

function detailOf(s: RunStoreStatus): string | null {
  switch (s.status) {
    case 'stale':
      return s.reasons.join('; ');
    case 'aborted':
      return s.reason;
    case 'corrupt':
      return s.message;
    case 'unfinished':
      return s.hasCheckpoint ? 'has a checkpoint: run resumes it' : 'no checkpoint: run starts it over';
    default:
      return null;
  }
}

export const planCommand: CommandSpec = {
  name: 'plan',
  summary: 'list the expanded runs, which are stored, and their estimated FLOPs and wall time',
  synopsis: 'plan FILE [--store URI] [--only FILTER] [--backend NAME] [--reuse-stale] [--s3-endpoint URL] [--json]',
  flags: [
    ...STORE_FLAGS.help,
    ONLY_FLAG.help,
    { flag: '--backend NAME', help: 'estimate (and judge staleness) for this backend instead of the manifest preference' },
    { flag: '--reuse-stale', help: 'count stale runs as stored, as run --reuse-stale would' },
    JSON_FLAG.help,
    HELP_FLAG.help,
  ],
  options: merged(STORE_FLAGS.options, ONLY_FLAG.options, JSON_FLAG.options, HELP_FLAG.options, { backend: { type: 'string' }, 'reuse-stale': { type: 'boolean' } }),
  positionals: { min: 1, max: 1, name: 'FILE' },
  async run(args, ctx) {
    const backendOverride = backendValue(args);
    const loaded = await loadManifestFile(args.positionals[0]!);
    const onlyText = stringValue(args, 'only');
    const only = onlyText === undefined ? null : parseOnly(onlyText, loaded.axes);
    const selected = selectRuns(loaded.runs, { only, index: null, ...(onlyText === undefined ? {} : { onlyText }) });
    const { store } = openStoreFrom(args, ctx.env);
    const reuseStale = args.values['reuse-stale'] === true;
    const estimates = await estimateRuns(selected, backendOverride);
    const current = { trainerVersion: activeTrainerVersion(ctx.env), backendOverride };

    const planned: PlannedRun[] = [];
    for (const [i, run] of selected.entries()) {
      const state = await runStoreStatus(store, run, current);
      const willTrain = !(state.status === 'stored' || state.status === 'corrupt' || (state.status === 'stale' && reuseStale));
      planned.push({ index: run.index, runId: run.runId, axes: run.axes, status: state.status, detail: detailOf(state), willTrain, estimate: estimates[i]! });
    }
    const toTrain = planned.filter((p) => p.willTrain);
    const wallKnown = toTrain.every((p) => p.estimate.wallSeconds !== null);
    const flopsKnown = toTrain.every((p) => p.estimate.trainFlops !== null);
    const totals = {
      runs: planned.length,
      toTrain: toTrain.length,
      byStatus: Object.fromEntries([...new Set(planned.map((p) => p.status))].map((s) => [s, planned.filter((p) => p.status === s).length])),
      /** Training FLOPs of the runs to train; null when any is unknown. */
      trainFlops: flopsKnown ? toTrain.reduce((a, p) => a + p.estimate.trainFlops!, 0) : null,
      /** Estimated wall time of the runs to train in one process; null when any is unknown. */
      wallSeconds: wallKnown ? toTrain.reduce((a, p) => a + p.estimate.wallSeconds!, 0) : null,
    };
    const exitCode = combineExitCodes(planned.map((p) => (p.status === 'corrupt' ? 3 : 0)));

    const present = new Set(planned.flatMap((p) => Object.keys(p.axes)));
    const axisNames = [...loaded.axes.keys()].filter((a) => present.has(a));
    const header = ['index', 'runId', ...axisNames, 'status', 'train FLOPs', 'FLOPs×', 'est. wall'];
    const rows = planned.map((p) => [
      String(p.index),
      p.runId,
      ...axisNames.map((a) => (p.axes[a] === undefined ? '-' : String(p.axes[a]))),
      p.status,
      p.estimate.trainFlops === null ? 'n/a' : formatFlops(p.estimate.trainFlops),
      p.estimate.trainMultiplier === null ? 'n/a' : p.estimate.trainMultiplier.toFixed(3),
      p.estimate.wallSeconds === null ? 'n/a' : formatSeconds(p.estimate.wallSeconds),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
    const lines = [`${loaded.file}: ${loaded.title}`, `store ${store.uri}`, '', line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
    for (const p of planned) if (p.detail !== null) lines.push(`  run ${p.index}: ${p.status}: ${p.detail}`);
    const notes = new Map<string, number[]>();
    for (const p of planned) if (p.estimate.note !== null) notes.set(p.estimate.note, [...(notes.get(p.estimate.note) ?? []), p.index]);
    for (const [note, indices] of notes) lines.push(`  estimate for run${indices.length === 1 ? '' : 's'} ${indices.join(', ')}: ${note}`);
    lines.push(
      '',
      `${totals.runs} runs (${Object.entries(totals.byStatus).map(([s, n]) => `${n} ${s}`).join(', ')}); ${totals.toTrain} to train: ${totals.trainFlops === null ? 'unknown' : formatFlops(totals.trainFlops)} training FLOPs, estimated wall time ${totals.wallSeconds === null ? 'unknown' : formatSeconds(totals.wallSeconds)} in one process`,
    );
    return { exitCode, json: { command: 'plan', file: loaded.file, store: store.uri, exitCode, runs: planned, totals }, text: lines.join('\n') };
  },
};
