/**
 * What the child-process and docker runners share: up to `jobs` runs at a time, each position of
 * the result filled with its run's outcome, or "not started" when an interruption came first.
 */
import { createInterface } from 'node:readline';
import type { Result, ResultPromise } from 'execa';
import { ExitCode } from '../errors.ts';
import type { ExpandedRun } from '../manifest/types.ts';
import type { RunOutcome } from './types.ts';

export function notStartedOutcome(run: ExpandedRun): RunOutcome {
  return { index: run.index, runId: run.runId, axes: run.axes, status: 'not-started', exitCode: ExitCode.Interrupted, message: 'interrupted before it started', wallMs: null, metrics: null };
}

/** Runs `work` over `runs` with at most `jobs` in flight, in plan order; outcomes by position. */
export async function runConcurrently(
  runs: readonly ExpandedRun[],
  jobs: number,
  work: (run: ExpandedRun, position: number) => Promise<RunOutcome>,
): Promise<RunOutcome[]> {
  const outcomes = new Array<RunOutcome | undefined>(runs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const position = next++;
      const run = runs[position];
      if (run === undefined) return;
      outcomes[position] = await work(run, position);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, runs.length)) }, worker));
  return outcomes.map((o, i) => o ?? notStartedOutcome(runs[i]!));
}

/** How many of a child's last stderr lines an outcome keeps. */
export const STDERR_TAIL_LINES = 20;

/**
 * Waits for a child (kept in `running` meanwhile, so an interruption can signal it), passing each
 * stderr line to `relay` and keeping the last STDERR_TAIL_LINES for the outcome's message.
 */
export async function awaitRelayingStderr(
  child: ResultPromise,
  running: Set<ResultPromise>,
  relay: (line: string) => void,
): Promise<{ result: Result; tail: string[] }> {
  running.add(child);
  const tail: string[] = [];
  const lines = createInterface({ input: child.stderr! });
  lines.on('line', (line) => {
    tail.push(line);
    if (tail.length > STDERR_TAIL_LINES) tail.shift();
    relay(line);
  });
  try {
    return { result: (await child) as Result, tail };
  } finally {
    running.delete(child);
    lines.close();
  }
}
