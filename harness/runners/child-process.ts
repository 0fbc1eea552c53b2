/**
 * The child-process runner (`--jobs N`, `--runner child`): each run that is not already stored
 * trains in its own process (one tfjs engine per process, design.md "Scale"), N at a time:
 *
 *   node bin/rigl-harness.js run FILE --index I --store URI --runner in-process --json [...]
 *
 * The child prints one JSON document (its outcome) on stdout; its stderr is passed through with a
 * "[run I]" prefix, and the last lines are kept for the report. A child that crashes or exits
 * without an outcome fails its run (its exit code or signal and last stderr lines are reported),
 * never the suite. Children run in their own process group, so a terminal's Ctrl-C reaches only
 * this process, which forwards one SIGINT to each child (each checkpoints and exits 130) and
 * starts no more. If this process exits while children run, they are killed; if it is killed
 * outright (SIGKILL), detached children finish their run on their own.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { ExitCode, redact } from '../errors.ts';
import type { ExpandedRun } from '../manifest/types.ts';
import { describeOutcome } from './progress.ts';
import { runStoreStatus } from './stored-state.ts';
import { awaitRelayingStderr, notStartedOutcome, runConcurrently } from './pool.ts';
import type { RunContext, RunOutcome } from './types.ts';

const BIN = fileURLToPath(new URL('../../bin/rigl-harness.js', import.meta.url));
const CHILD_EXIT_CODES = new Set<number>([0, 2, 3, 4, 70, 130]);

export interface ChildRunnerOptions {
  /** The manifest file the children load (they expand it the same way). */
  file: string;
  jobs: number;
  /** Extra environment for the children (tests). */
  env?: NodeJS.ProcessEnv;
}

/** The command line of the child that trains run `index` (without the node executable). */
export function childArguments(file: string, index: number, ctx: RunContext): string[] {
  const args = [BIN, 'run', resolve(file), '--index', String(index), '--store', ctx.storeUri, '--runner', 'in-process', '--json'];
  for (const dir of ctx.dataDirs) args.push('--data-dir', dir);
  if (ctx.backendOverride !== null) args.push('--backend', ctx.backendOverride);
  if (ctx.allowDownload) args.push('--download');
  if (ctx.reuseStale) args.push('--reuse-stale');
  if (ctx.s3Endpoint != null) args.push('--s3-endpoint', ctx.s3Endpoint);
  // A key from RIGL_SIGNING_KEY reaches the child through its environment.
  if (ctx.signingKey?.file != null) args.push('--sign-key', resolve(ctx.signingKey.file));
  return args;
}

export async function runInChildren(runs: readonly ExpandedRun[], ctx: RunContext, options: ChildRunnerOptions): Promise<RunOutcome[]> {
  const running = new Set<ResultPromise>();
  const onAbort = () => {
    for (const child of running) child.kill('SIGINT');
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  // Children are detached (own process group), so execa's cleanup does not reach them: if this
  // process exits early, take them down with it.
  const onExit = () => {
    for (const child of running) child.kill('SIGKILL');
  };
  process.once('exit', onExit);
  try {
    return await runConcurrently(runs, options.jobs, (run, position) => runOne(run, position, runs.length, ctx, options, running));
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    process.removeListener('exit', onExit);
  }
}


async function runOne(
  run: ExpandedRun,
  position: number,
  total: number,
  ctx: RunContext,
  options: ChildRunnerOptions,
  running: Set<ResultPromise>,
): Promise<RunOutcome> {
  const base = { index: run.index, runId: run.runId, axes: run.axes };
  const prefix = `[${position + 1}/${total}] run ${run.index} ${run.runId}`;
  if (ctx.signal.aborted) return notStartedOutcome(run);
  // Runs already stored are skipped here, without starting a process.
  const state = await runStoreStatus(ctx.store, run, ctx).catch(() => null);
  if (state?.status === 'stored' || (state?.status === 'stale' && ctx.reuseStale)) {
    const outcome: RunOutcome = state.status === 'stored'
      ? { ...base, status: 'stored', exitCode: ExitCode.Ok, message: null, wallMs: state.summary.wallMs, metrics: state.summary.metrics }
      : { ...base, status: 'reused-stale', exitCode: ExitCode.Ok, message: `stale: ${state.reasons.join('; ')}`, wallMs: state.summary.wallMs, metrics: state.summary.metrics };
    ctx.log(`${prefix}: ${describeOutcome(outcome)}`);
    return outcome;
  }

  ctx.log(`${prefix} ${Object.entries(run.axes).map(([k, v]) => `${k}=${v}`).join(' ')}: starting a child process`);
  const child = execa(process.execPath, childArguments(options.file, run.index, ctx), {
    reject: false,
    detached: true,
    cleanup: true,
    stdin: 'ignore',
    env: { ...process.env, ...options.env },
    extendEnv: false,
    maxBuffer: 64 * 1024 * 1024,
  });
  const { result, tail } = await awaitRelayingStderr(child, running, (line) => ctx.log(`[run ${run.index}] ${line}`));

  const parsed = parseChildOutcome(String(result.stdout ?? ''), run);
  if (parsed !== null && (result.exitCode === parsed.exitCode || (result.exitCode !== undefined && CHILD_EXIT_CODES.has(result.exitCode)))) {
    const outcome = parsed.status === 'failed' || parsed.status === 'aborted' ? { ...parsed, stderrTail: tail.map((l) => redact(l)) } : parsed;
    ctx.log(`${prefix}: ${describeOutcome(outcome)}`);
    return outcome;
  }
  // No usable outcome: the child crashed, was killed, or broke its contract.
  const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode ?? 'unknown'}`;
  const exitCode = result.exitCode !== undefined && CHILD_EXIT_CODES.has(result.exitCode) && result.exitCode !== 0 ? (result.exitCode as ExitCode) : ExitCode.TrainingFailed;
  const outcome: RunOutcome = {
    ...base,
    status: 'failed',
    exitCode,
    message: redact(`child process ${how} without reporting an outcome${tail.length > 0 ? `; last stderr line: ${tail[tail.length - 1]}` : ''}`),
    wallMs: null,
    metrics: null,
    stderrTail: tail.map((l) => redact(l)),
  };
  ctx.log(`${prefix}: ${describeOutcome(outcome)}`);
  return outcome;
}

/** The outcome of `run` in the child's --json document, if it is there and is about this run. */
function parseChildOutcome(stdout: string, run: ExpandedRun): RunOutcome | null {
  try {
    const doc = JSON.parse(stdout) as { runs?: RunOutcome[] };
    const outcome = doc.runs?.find((o) => o.runId === run.runId);
    return outcome ?? null;
  } catch {
    return null;
  }
}
