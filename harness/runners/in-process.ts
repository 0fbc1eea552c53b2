/**
 * The in-process runner: runs one after another in this process (one tfjs engine), each through
 * executeRun. A failed run is recorded and the next one starts; an interruption stops the loop
 * and marks the runs not reached as not started.
 */
import type { TrainProgress } from '../../trainers/train-api.ts';
import type { ExpandedRun } from '../manifest/types.ts';
import { executeRun } from './execute-run.ts';
import { loadTrainer } from './trainer.ts';
import type { InProcessContext, RunContext, RunOutcome } from './types.ts';
import { notStartedOutcome } from './pool.ts';
import { describeOutcome, progressLine } from './progress.ts';

export async function runInProcess(runs: readonly ExpandedRun[], ctx: RunContext): Promise<RunOutcome[]> {
  const outcomes: RunOutcome[] = [];
  let trainRun: InProcessContext['trainRun'] | null = null;
  let lastProgressMs = 0;
  let lastEpoch = -1;
  for (const [position, run] of runs.entries()) {
    if (ctx.signal.aborted) {
      outcomes.push(notStartedOutcome(run));
      continue;
    }
    const prefix = `[${position + 1}/${runs.length}] run ${run.index} ${run.runId}`;
    // The trainer is loaded on first need: a fully stored suite never imports tfjs.
    const lazyTrainRun: InProcessContext['trainRun'] = async (options) => {
      trainRun ??= await loadTrainer();
      ctx.log(`${prefix} ${Object.entries(run.axes).map(([k, v]) => `${k}=${v}`).join(' ')}: training`);
      return trainRun(options);
    };
    lastEpoch = -1;
    const outcome = await executeRun(run, {
      ...ctx,
      trainRun: lazyTrainRun,
      progress: (_run, p: TrainProgress) => {
        if (ctx.status !== undefined) {
          ctx.status(`${prefix} ${progressLine(p)}`);
          return;
        }
        const now = Date.now();
        // Not a terminal: one line per epoch, and at most one every 10 s within an epoch.
        if (p.epoch !== lastEpoch || now - lastProgressMs >= 10_000) {
          lastEpoch = p.epoch;
          lastProgressMs = now;
          ctx.log(`${prefix} ${progressLine(p)}`);
        }
      },
    });
    ctx.log(`${prefix}: ${describeOutcome(outcome)}`);
    outcomes.push(outcome);
  }
  return outcomes;
}
