/**
 * The Docker runner (`run --runner docker --image IMAGE`, design.md "Scale"): each run that is not
 * already stored trains in its own container of the trainer image (Dockerfile, Dockerfile.cpu),
 * whose entrypoint is this CLI:
 *
 *   docker run --rm [--user UID:GID] [--gpus all] [--network host]
 *     --mount type=bind,src=<manifest>,dst=/job/<name>,readonly
 *     --mount type=bind,src=<data dir i>,dst=/data/<i>,readonly ...
 *     --mount type=bind,src=<local store root>,dst=/opt/rigl-harness/results      (local stores)
 *     --mount type=bind,src=<key file>,dst=/run/secrets/rigl-signing-key.pem,readonly (--sign-key)
 *     -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY ...                       (names only)
 *     IMAGE run /job/<name> --index I --store <store> --runner in-process --json [...]
 *
 * - `--gpus all` when the run's backend (the --backend override, else the first of the manifest's
 *   preference) is tfjs-node-gpu, or `--gpus VALUE` as given.
 * - Credentials and settings are passed by variable NAME only (`-e NAME`: docker copies the value
 *   from its own environment), so no secret is ever on a command line, in `ps`, or in a log. Only
 *   names set here are passed.
 * - An s3:// store is passed through as is; a local store's root is mounted read-write at the
 *   image's results volume, with `--user` set to this user so the files stay this user's.
 * - An endpoint on this machine's loopback (127.0.0.1, localhost) is reachable from the container
 *   only on the host network: `--network host` is added then.
 * - Exit codes come back as they are for 2, 3 and 4 (and 130, interrupted); any other code (125:
 *   docker could not start the container, 126/127: the entrypoint could not run, 137: killed,
 *   e.g. out of memory, 70: a bug) fails the run (exit 4), saying which code it was.
 *
 * There is no Docker engine on the machines this project is developed on: the tests check the
 * exact argv and the exit mapping against a stand-in executable (--docker-bin); the real path is
 * untested here (docs/s3-signing-docker.md).
 */
import { basename, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { ExitCode, UsageError, redact } from '../errors.ts';
import type { ExpandedRun } from '../manifest/types.ts';
import { SIGNING_KEY_ENV, SIGNING_KEY_PASSPHRASE_ENV } from '../signing/keys.ts';
import { LocalStore } from '../store/local.ts';
import { describeOutcome } from './progress.ts';
import { runStoreStatus } from './stored-state.ts';
import { awaitRelayingStderr, notStartedOutcome, runConcurrently } from './pool.ts';
import type { RunContext, RunOutcome } from './types.ts';

/** Paths inside the trainer image (Dockerfile: WORKDIR, VOLUME). */
export const CONTAINER_PATHS = {
  results: '/opt/rigl-harness/results',
  data: '/data',
  job: '/job',
  signingKey: '/run/secrets/rigl-signing-key.pem',
} as const;

/**
 * Variables passed to the container by name when set here: the S3/AWS settings the SDK's standard
 * chain reads, and the signing key when it comes from the environment.
 */
export const PASSED_ENV_NAMES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_S3',
] as const;

/** Container exit codes that mean what they mean for the CLI (design.md "Exit codes"). */
const PASSED_THROUGH = new Set<number>([2, 3, 4, 130]);

export interface DockerRunnerOptions {
  /** The manifest file (host path); mounted read-only into the container. */
  file: string;
  image: string;
  jobs: number;
  /** `--gpus VALUE`; null: `all` when the run's backend is tfjs-node-gpu, else none. */
  gpus: string | null;
  /** The docker executable (`--docker-bin`, default "docker", found on PATH). */
  dockerBin: string;
  /** The environment the names are checked in (and docker inherits). */
  env: NodeJS.ProcessEnv;
  /** The numeric user and group to run as when a local store is mounted (null: the image's). */
  user: string | null;
}

/** This process's `UID:GID` on POSIX, else null. */
export function currentUser(): string | null {
  return typeof process.getuid === 'function' && typeof process.getgid === 'function' ? `${process.getuid()}:${process.getgid()}` : null;
}

/** `--mount` takes comma-separated key=value pairs: a comma or quote in a path would break it. */
function bindMount(source: string, target: string, readonly: boolean, what: string): string[] {
  if (/[,"\n\r]/.test(source)) throw new UsageError(`--runner docker: the ${what} path ${JSON.stringify(source)} contains a comma, quote or newline, which docker --mount cannot take`);
  return ['--mount', `type=bind,src=${source},dst=${target}${readonly ? ',readonly' : ''}`];
}

/** Whether the run trains on the GPU backend (the override, else the manifest's first choice). */
export function wantsGpu(run: ExpandedRun, ctx: Pick<RunContext, 'backendOverride'>): boolean {
  return (ctx.backendOverride ?? run.manifest.backend.preference[0]) === 'tfjs-node-gpu';
}

function isLoopbackEndpoint(endpoint: string | null): boolean {
  if (endpoint === null) return false;
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
  } catch {
    return false;
  }
}

/** The exact `docker` argv (without the executable) that trains `run`. */
export function dockerArguments(run: ExpandedRun, ctx: RunContext, options: DockerRunnerOptions): string[] {
  const manifestPath = resolve(options.file);
  const manifestInContainer = `${CONTAINER_PATHS.job}/${basename(manifestPath)}`;
  const localRoot = ctx.store instanceof LocalStore ? ctx.store.rootPath : null;
  const s3Endpoint = ctx.s3Endpoint ?? null;
  const endpoint = s3Endpoint ?? options.env.AWS_ENDPOINT_URL ?? null;

  const args = ['run', '--rm'];
  if (localRoot !== null && options.user !== null) args.push('--user', options.user);
  if (options.gpus !== null) args.push('--gpus', options.gpus);
  else if (wantsGpu(run, ctx)) args.push('--gpus', 'all');
  if (localRoot === null && isLoopbackEndpoint(endpoint)) args.push('--network', 'host');
  args.push(...bindMount(manifestPath, manifestInContainer, true, 'manifest'));
  ctx.dataDirs.forEach((dir, i) => args.push(...bindMount(resolve(dir), `${CONTAINER_PATHS.data}/${i}`, true, 'data folder')));
  if (localRoot !== null) args.push(...bindMount(localRoot, CONTAINER_PATHS.results, false, 'store'));
  const key = ctx.signingKey ?? null;
  if (key?.file != null) args.push(...bindMount(resolve(key.file), CONTAINER_PATHS.signingKey, true, 'signing key'));
  const names: string[] = [...PASSED_ENV_NAMES];
  if (key !== null && key.file === null) names.push(SIGNING_KEY_ENV);
  if (key !== null) names.push(SIGNING_KEY_PASSPHRASE_ENV);
  for (const name of names) if (options.env[name] !== undefined) args.push('-e', name);
  args.push(options.image);

  args.push('run', manifestInContainer, '--index', String(run.index), '--store', localRoot === null ? ctx.storeUri : CONTAINER_PATHS.results, '--runner', 'in-process', '--json');
  ctx.dataDirs.forEach((_dir, i) => args.push('--data-dir', `${CONTAINER_PATHS.data}/${i}`));
  if (ctx.backendOverride !== null) args.push('--backend', ctx.backendOverride);
  if (ctx.allowDownload) args.push('--download');
  if (ctx.reuseStale) args.push('--reuse-stale');
  if (localRoot === null && s3Endpoint !== null) args.push('--s3-endpoint', s3Endpoint);
  if (key?.file != null) args.push('--sign-key', CONTAINER_PATHS.signingKey);
  args.push('--checkpoint-every', String(ctx.checkpointEveryEpochs));
  return args;
}

/** What a container's exit means for its run (the outcome document it printed, if any). */
export function outcomeFromContainer(run: ExpandedRun, result: { exitCode: number | undefined; signal: string | undefined; stdout: string }, tail: readonly string[]): RunOutcome {
  const base = { index: run.index, runId: run.runId, axes: run.axes };
  const reported = parseOutcome(result.stdout, run);
  const code = result.exitCode;
  if (reported !== null && code !== undefined && (code === reported.exitCode || (code === 0 && reported.exitCode === 0))) {
    return reported.status === 'failed' || reported.status === 'aborted' ? { ...reported, stderrTail: tail.map((l) => redact(l)) } : reported;
  }
  const lastLine = tail.length > 0 ? `; last stderr line: ${tail[tail.length - 1]}` : '';
  if (code !== undefined && PASSED_THROUGH.has(code)) {
    const status = code === ExitCode.Interrupted ? 'interrupted' : 'failed';
    return { ...base, status, exitCode: code as RunOutcome['exitCode'], message: redact(`container exited with code ${code}${lastLine}`), wallMs: null, metrics: null, stderrTail: tail.map((l) => redact(l)) };
  }
  const how = result.signal !== undefined ? `docker was killed by ${result.signal}` : `container exited with code ${code ?? 'unknown'}${meaningOf(code)}`;
  const without = code === 0 ? ' without reporting an outcome' : '';
  return { ...base, status: 'failed', exitCode: ExitCode.TrainingFailed, message: redact(`${how}${without}${lastLine}`), wallMs: null, metrics: null, stderrTail: tail.map((l) => redact(l)) };
}

function meaningOf(code: number | undefined): string {
  switch (code) {
    case 125:
      return ' (docker could not create or start the container)';
    case 126:
      return ' (the entrypoint could not be invoked)';
    case 127:
      return ' (the entrypoint was not found)';
    case 137:
      return ' (killed: SIGKILL, often out of memory)';
    case 70:
      return ' (an internal error of the harness in the container)';
    default:
      return '';
  }
}

function parseOutcome(stdout: string, run: ExpandedRun): RunOutcome | null {
  try {
    const doc = JSON.parse(stdout) as { runs?: RunOutcome[] };
    return doc.runs?.find((o) => o.runId === run.runId) ?? null;
  } catch {
    return null;
  }
}

/** Train each run not already stored in its own container, up to `jobs` at once. */
export async function runInDocker(runs: readonly ExpandedRun[], ctx: RunContext, options: DockerRunnerOptions): Promise<RunOutcome[]> {
  const running = new Set<ResultPromise>();
  // docker run proxies signals to the container (--sig-proxy, on by default): the trainer inside
  // checkpoints and exits 130.
  const onAbort = () => {
    for (const child of running) child.kill('SIGINT');
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await runConcurrently(runs, options.jobs, (run, position) => runOne(run, position, runs.length, ctx, options, running));
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}


async function runOne(run: ExpandedRun, position: number, total: number, ctx: RunContext, options: DockerRunnerOptions, running: Set<ResultPromise>): Promise<RunOutcome> {
  const base = { index: run.index, runId: run.runId, axes: run.axes };
  const prefix = `[${position + 1}/${total}] run ${run.index} ${run.runId}`;
  if (ctx.signal.aborted) return notStartedOutcome(run);
  const state = await runStoreStatus(ctx.store, run, ctx).catch(() => null);
  if (state?.status === 'stored' || (state?.status === 'stale' && ctx.reuseStale)) {
    const outcome: RunOutcome =
      state.status === 'stored'
        ? { ...base, status: 'stored', exitCode: ExitCode.Ok, message: null, wallMs: state.summary.wallMs, metrics: state.summary.metrics }
        : { ...base, status: 'reused-stale', exitCode: ExitCode.Ok, message: `stale: ${state.reasons.join('; ')}`, wallMs: state.summary.wallMs, metrics: state.summary.metrics };
    ctx.log(`${prefix}: ${describeOutcome(outcome)}`);
    return outcome;
  }
  const args = dockerArguments(run, ctx, options);
  ctx.log(`${prefix}: ${options.dockerBin} ${args.join(' ')}`);
  const child = execa(options.dockerBin, args, { reject: false, stdin: 'ignore', env: options.env, extendEnv: false, maxBuffer: 64 * 1024 * 1024 });
  const { result, tail } = await awaitRelayingStderr(child, running, (line) => ctx.log(`[run ${run.index}] ${line}`));
  const failedToStart = result.failed && result.exitCode === undefined && result.signal === undefined;
  const outcome = failedToStart
    ? { ...base, status: 'failed' as const, exitCode: ExitCode.Io, message: redact(`cannot run ${JSON.stringify(options.dockerBin)}: ${(result as { code?: string }).code ?? result.shortMessage}`), wallMs: null, metrics: null }
    : outcomeFromContainer(run, { exitCode: result.exitCode, signal: result.signal, stdout: String(result.stdout ?? '') }, tail);
  ctx.log(`${prefix}: ${describeOutcome(outcome)}`);
  return outcome;
}
