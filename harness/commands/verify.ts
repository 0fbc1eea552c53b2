/**
 * `verify FILE`: evaluates the file's claims on its stored runs (harness/verify/) and prints a
 * table. Exit 0 every claim verified (or nothing to verify), 1 a claim failed, 5 a claim could not
 * be decided, 3 a stored run failed its checksums (that run is not used), 2 usage.
 */
import { UsageError, combineExitCodes, type ExitCode } from '../errors.ts';
import { loadManifestFile, type LoadedManifest } from '../manifest/load.ts';
import type { GroupSelector } from '../manifest/types.ts';
import { renderVerdictTable } from '../report/terminal-table.ts';
import type { Store } from '../store/types.ts';
import { evaluateClaims, exitCodeForVerdicts } from '../verify/index.ts';
import { matchesSelector } from '../verify/groups.ts';
import type { ClaimVerdict } from '../verify/types.ts';
import { HELP_FLAG, JSON_FLAG, ONLY_FLAG, STORE_FLAGS, merged, openStoreFrom, stringValue } from './flags.ts';
import { parseOnly } from './selection.ts';
import { activeTrainerVersion } from '../runners/trainer.ts';
import { loadPublicKey } from '../signing/keys.ts';
import { describeStoredRuns, readStoredRuns, type SignaturePolicy, type StoredRuns } from './stored-runs.ts';
import type { CommandContext, CommandResult, CommandSpec, ParsedCommandLine } from './types.ts';

export interface Verification {
  verdicts: ClaimVerdict[];
  stored: StoredRuns;
  exitCode: ExitCode;
}

/** Claims of the file × its stored runs (those matching `only`). */
export async function evaluateStored(loaded: LoadedManifest, only: GroupSelector | null, store: Store, trainerVersion: string, signatures: SignaturePolicy | null = null): Promise<Verification> {
  const runs = only === null ? loaded.runs : loaded.runs.filter((r) => matchesSelector(r.axes, only));
  const stored = await readStoredRuns(store, runs, trainerVersion, signatures);
  const verdicts = evaluateClaims(loaded.claims, stored.records);
  const exitCode = combineExitCodes([exitCodeForVerdicts(verdicts), stored.corrupt.length > 0 ? 3 : 0]);
  return { verdicts, stored, exitCode };
}

export async function verifyLoaded(loaded: LoadedManifest, only: GroupSelector | null, store: Store, ctx: CommandContext, signatures: SignaturePolicy | null = null): Promise<CommandResult> {
  const v = await evaluateStored(loaded, only, store, activeTrainerVersion(ctx.env), signatures);
  const total = only === null ? loaded.runs.length : loaded.runs.filter((r) => matchesSelector(r.axes, only)).length;
  for (const line of describeStoredRuns(v.stored, total)) ctx.log(line);
  const text = loaded.claims.length === 0 ? `${loaded.file}: no claims to verify` : renderVerdictTable(v.verdicts);
  return {
    exitCode: v.exitCode,
    json: {
      command: 'verify',
      file: loaded.file,
      store: store.uri,
      exitCode: v.exitCode,
      verdicts: v.verdicts,
      runs: {
        selected: total,
        verified: v.stored.records.map((r) => ({ index: r.index, runId: r.runId })),
        absent: v.stored.absent,
        corrupt: v.stored.corrupt,
        stale: v.stored.stale,
      },
    },
    text,
  };
}

/** --public-key FILE and --require-signature (harness/signing). */
async function signaturePolicy(args: ParsedCommandLine): Promise<SignaturePolicy | null> {
  const file = stringValue(args, 'public-key');
  const required = args.values['require-signature'] === true;
  if (file === undefined) {
    if (required) throw new UsageError('--require-signature needs --public-key FILE (the Ed25519 public key the runs were signed for)');
    return null;
  }
  return { publicKey: await loadPublicKey(file), required };
}

export const verifyCommand: CommandSpec = {
  name: 'verify',
  summary: "evaluate the file's claims on its stored runs",
  synopsis: 'verify FILE [--store URI] [--only FILTER] [--public-key FILE [--require-signature]] [--s3-endpoint URL] [--json]',
  flags: [
    ...STORE_FLAGS.help,
    ONLY_FLAG.help,
    { flag: '--public-key FILE', help: "check each run's SHA256SUMS.sig with this Ed25519 public key (PEM); a run whose signature fails is refused (exit 3)" },
    { flag: '--require-signature', help: 'refuse unsigned runs too (exit 3); needs --public-key' },
    JSON_FLAG.help,
    HELP_FLAG.help,
  ],
  options: merged(STORE_FLAGS.options, ONLY_FLAG.options, JSON_FLAG.options, HELP_FLAG.options, { 'public-key': { type: 'string' }, 'require-signature': { type: 'boolean' } }),
  positionals: { min: 1, max: 1, name: 'FILE' },
  async run(args, ctx) {
    const loaded = await loadManifestFile(args.positionals[0]!);
    const onlyText = stringValue(args, 'only');
    const only = onlyText === undefined ? null : parseOnly(onlyText, loaded.axes);
    const { store } = openStoreFrom(args, ctx.env);
    return verifyLoaded(loaded, only, store, ctx, await signaturePolicy(args));
  },
};
