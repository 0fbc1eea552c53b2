/**
 * `run FILE`: trains what is not stored yet, resumes what is unfinished, skips what is stored
 * (design.md "Command line"). Exit 0 when every selected run is stored, 3 on store/checksum/data
 * failures, 4 when training failed, 2 on usage errors, 130 when interrupted (run again to resume);
 * with --verify it then verifies and combines the exit codes (2, 3, 4 first, then 1 over 5 over 0).
 */
import { resolve } from 'node:path';
import { ExitCode, UsageError, combineExitCodes, type ExitCode as ExitCodeType } from '../errors.ts';
import { BACKEND_NAMES } from '../manifest/known-names.ts';
import { loadManifestFile } from '../manifest/load.ts';
import { runInProcess } from '../runners/in-process.ts';
import { SIGNING_KEY_ENV, loadSigningKey } from '../signing/keys.ts';
import { FAKE_TRAINER_ENV, activeTrainerVersion, usesFakeTrainer } from '../runners/trainer.ts';
import type { RunContext, RunOutcome } from '../runners/types.ts';
import { HELP_FLAG, JSON_FLAG, ONLY_FLAG, STORE_FLAGS, backendValue, merged, openStoreFrom, stringValue } from './flags.ts';
import { parseOnly, resolveIndex, selectRuns } from './selection.ts';
import type { CommandSpec } from './types.ts';
import { verifyLoaded } from './verify.ts';

const RUNNERS = ['in-process', 'child', 'docker'] as const;
/** Checkpoint cadence: every epoch (the fmnist recipe's epochs take seconds to a minute). */
export const DEFAULT_CHECKPOINT_EVERY_EPOCHS = 1;

function positiveInteger(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new UsageError(`${flag}: expected an integer ≥ 1, found ${JSON.stringify(raw)}`);
  return Number(raw);
}

export const runCommand: CommandSpec = {
  name: 'run',
  summary: 'train the runs that are not stored yet (resuming unfinished ones)',
  synopsis: 'run FILE [--store URI] [--runner in-process|child|docker] [--jobs N] [--only FILTER] [--index N] [--verify] [--data-dir DIR]... [--backend NAME] [--download] [--reuse-stale] [--checkpoint-every EPOCHS] [--s3-endpoint URL] [--sign-key FILE] [--image IMAGE] [--gpus VALUE] [--docker-bin PATH] [--json]',
  flags: [
    ...STORE_FLAGS.help,
    { flag: '--runner in-process|child|docker', help: 'where runs train: this process, child processes (the default when --jobs > 1), or one docker container per run (needs --image)' },
    { flag: '--jobs N', help: 'train up to N runs at once, each in its own child process (default 1)' },
    ONLY_FLAG.help,
    { flag: '--index N', help: 'run only the N-th expanded run (0-based, plan order); defaults to JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX when set' },
    { flag: '--verify', help: 'verify the claims afterwards and exit as verify does' },
    { flag: '--data-dir DIR', help: 'look for dataset files in DIR first (repeatable)' },
    { flag: '--backend NAME', help: `use this backend instead of the manifest preference: ${BACKEND_NAMES.join(', ')}` },
    { flag: '--download', help: 'download missing dataset files from their official URLs (verified by size and sha256)' },
    { flag: '--reuse-stale', help: 'keep stored runs made by another trainer version or backend instead of retraining them' },
    { flag: '--checkpoint-every EPOCHS', help: `save a checkpoint every EPOCHS epochs (default ${DEFAULT_CHECKPOINT_EVERY_EPOCHS}); always on interruption` },
    { flag: '--sign-key FILE', help: `sign each stored run's SHA256SUMS with this Ed25519 private key (PEM; default: the PEM in ${SIGNING_KEY_ENV}, if set)` },
    { flag: '--image IMAGE', help: 'the trainer image for --runner docker (required with it)' },
    { flag: '--gpus VALUE', help: "docker's --gpus for --runner docker (default: all when the run's backend is tfjs-node-gpu, else none)" },
    { flag: '--docker-bin PATH', help: 'the docker executable for --runner docker (default: docker on PATH)' },
    JSON_FLAG.help,
    HELP_FLAG.help,
  ],
  options: merged(STORE_FLAGS.options, ONLY_FLAG.options, JSON_FLAG.options, HELP_FLAG.options, {
    runner: { type: 'string' },
    jobs: { type: 'string' },
    index: { type: 'string' },
    verify: { type: 'boolean' },
    'data-dir': { type: 'string', multiple: true },
    backend: { type: 'string' },
    download: { type: 'boolean' },
    'reuse-stale': { type: 'boolean' },
    'checkpoint-every': { type: 'string' },
    'sign-key': { type: 'string' },
    image: { type: 'string' },
    gpus: { type: 'string' },
    'docker-bin': { type: 'string' },
  }),
  positionals: { min: 1, max: 1, name: 'FILE' },
  async run(args, ctx) {
    const file = args.positionals[0]!;
    const jobs = positiveInteger('--jobs', stringValue(args, 'jobs'), 1);
    const runnerFlag = stringValue(args, 'runner');
    if (runnerFlag !== undefined && !(RUNNERS as readonly string[]).includes(runnerFlag)) {
      throw new UsageError(`--runner: expected one of ${RUNNERS.join(', ')}, found ${JSON.stringify(runnerFlag)}`);
    }
    const docker = dockerFlags(args, runnerFlag);
    if (runnerFlag === 'in-process' && jobs > 1) throw new UsageError(`--runner in-process trains one run at a time; --jobs ${jobs} needs --runner child (the default with --jobs > 1)`);
    const runner = runnerFlag ?? (jobs > 1 ? 'child' : 'in-process');
    const checkpointEveryEpochs = positiveInteger('--checkpoint-every', stringValue(args, 'checkpoint-every'), DEFAULT_CHECKPOINT_EVERY_EPOCHS);
    const backendOverride = backendValue(args);
    const signingKey = await loadSigningKey(stringValue(args, 'sign-key'), ctx.env);

    const loaded = await loadManifestFile(file);
    const onlyText = stringValue(args, 'only');
    const only = onlyText === undefined ? null : parseOnly(onlyText, loaded.axes);
    const index = resolveIndex(stringValue(args, 'index'), ctx.env);
    const selected = selectRuns(loaded.runs, { only, index, ...(onlyText === undefined ? {} : { onlyText }) });
    const { store, uri } = openStoreFrom(args, ctx.env);
    if (usesFakeTrainer(ctx.env)) ctx.log(`warning: ${FAKE_TRAINER_ENV}=1: using the fake trainer; every number is synthetic`);
    ctx.log(`${loaded.file}: ${selected.length} of ${loaded.runs.length} run${loaded.runs.length === 1 ? '' : 's'} selected; store ${store.uri}; runner ${runner}${runner === 'child' ? ` (${jobs} job${jobs === 1 ? '' : 's'})` : ''}`);

    const dataDirs = ((args.values['data-dir'] as string[] | undefined) ?? []).map((d) => resolve(d));
    const runContext: RunContext = {
      store,
      storeUri: uri,
      dataDirs,
      allowDownload: args.values.download === true,
      backendOverride,
      reuseStale: args.values['reuse-stale'] === true,
      trainerVersion: activeTrainerVersion(ctx.env),
      signal: ctx.signal,
      log: ctx.log,
      ...(ctx.status === undefined ? {} : { status: ctx.status }),
      checkpointEveryEpochs,
      s3Endpoint: stringValue(args, 's3-endpoint') ?? null,
      signingKey,
    };
    // The child runner (and execa, slow to import) loads only when used.
    const outcomes: RunOutcome[] =
      runner === 'child'
        ? await (await import('../runners/child-process.ts')).runInChildren(selected, runContext, { file, jobs })
        : runner === 'docker'
          ? await import('../runners/docker.ts').then((d) => d.runInDocker(selected, runContext, { file, jobs, env: ctx.env, user: d.currentUser(), ...docker! }))
          : await runInProcess(selected, runContext);

    const runExit = combineExitCodes(outcomes.map((o) => o.exitCode));
    const counts = countStatuses(outcomes);
    const lines = [`runs: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}`];
    for (const o of outcomes.filter((o) => o.exitCode !== 0 && o.status !== 'not-started')) {
      lines.push(`  run ${o.index} (${o.runId}) ${o.status}, exit ${o.exitCode}: ${o.message ?? ''}`);
      for (const line of o.stderrTail ?? []) lines.push(`    | ${line}`);
    }
    if (runExit === ExitCode.Interrupted) {
      ctx.log(`interrupted: finished runs are stored and unfinished ones keep their checkpoint; resume with: rigl-harness ${ctx.argv.map(shellQuote).join(' ')}`);
    }

    let exitCode: ExitCodeType = runExit;
    let verification: unknown = null;
    if (args.values.verify === true && runExit !== ExitCode.Interrupted) {
      const verified = await verifyLoaded(loaded, only, store, ctx);
      verification = verified.json;
      lines.push('', verified.text);
      exitCode = combineExitCodes([runExit, verified.exitCode]);
    }
    return {
      exitCode,
      json: { command: 'run', file: loaded.file, store: store.uri, runner, exitCode, runs: outcomes, verify: verification },
      text: lines.join('\n'),
    };
  },
};

/** --image, --gpus and --docker-bin: required, allowed only with --runner docker. */
function dockerFlags(args: Parameters<CommandSpec['run']>[0], runner: string | undefined): { image: string; gpus: string | null; dockerBin: string } | null {
  const image = stringValue(args, 'image');
  const gpus = stringValue(args, 'gpus');
  const dockerBin = stringValue(args, 'docker-bin');
  if (runner !== 'docker') {
    const given = [image === undefined ? null : '--image', gpus === undefined ? null : '--gpus', dockerBin === undefined ? null : '--docker-bin'].filter((f) => f !== null);
    if (given.length > 0) throw new UsageError(`${given.join(', ')}: only used with --runner docker`);
    return null;
  }
  if (image === undefined || image.trim() === '') throw new UsageError('--runner docker needs --image IMAGE (the trainer image, e.g. ghcr.io/OWNER/rigl-harness:cpu)');
  if (image.startsWith('-') || /\s/.test(image)) throw new UsageError(`--image: expected an image reference, found ${JSON.stringify(image)}`);
  if (gpus !== undefined && (gpus === '' || gpus.startsWith('-'))) throw new UsageError(`--gpus: expected a docker --gpus value such as all or device=0, found ${JSON.stringify(gpus)}`);
  if (dockerBin !== undefined && (dockerBin === '' || dockerBin.includes('\u0000'))) throw new UsageError(`--docker-bin: expected an executable, found ${JSON.stringify(dockerBin)}`);
  return { image, gpus: gpus ?? null, dockerBin: dockerBin ?? 'docker' };
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./=:,@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function countStatuses(outcomes: readonly RunOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1;
  return counts;
}
