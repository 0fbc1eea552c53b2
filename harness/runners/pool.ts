/**
 * What the child-process and docker runners share: up to `jobs` runs at a time, each position of
 * the result filled with its run's outcome, or "not started" when an interruption came first.
 */
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
