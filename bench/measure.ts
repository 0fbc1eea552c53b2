/**
 * Timing one case with tinybench: `warmup` untimed calls, then exactly `iterations` timed calls
 * (time budgets set to 0, so the counts alone decide), each call timed on its own with
 * performance.now(); an asynchronous `work` is timed until its promise settles. The function is wrapped as `async` because tinybench otherwise calls a
 * synchronous function once, untimed, to find out whether it returns a promise — a whole extra
 * training step.
 */
import { Bench } from 'tinybench';
import type { IterationPlan } from './catalogue.ts';

export function checkPlan(plan: IterationPlan, where: string): void {
  if (!Number.isInteger(plan.iterations) || plan.iterations < 1) {
    throw new RangeError(`${where}: 'iterations' must be an integer >= 1 but got ${plan.iterations}`);
  }
  if (!Number.isInteger(plan.warmup) || plan.warmup < 0) {
    throw new RangeError(`${where}: 'warmup' must be an integer >= 0 but got ${plan.warmup}`);
  }
}

/**
 * Per-call wall times in milliseconds, ascending (tinybench sorts its samples). `reset`, when
 * given, runs before every call, untimed (tinybench's beforeEach), to put the state back.
 */
export async function measure(name: string, work: () => unknown | Promise<unknown>, plan: IterationPlan, reset?: () => void): Promise<number[]> {
  checkPlan(plan, `measure('${name}')`);
  const bench = new Bench({
    name,
    time: 0,
    iterations: plan.iterations,
    warmup: plan.warmup > 0,
    warmupTime: 0,
    warmupIterations: plan.warmup,
    throws: true,
  });
  bench.add(
    name,
    async () => {
      await work();
    },
    reset === undefined ? {} : { beforeEach: () => reset() },
  );
  await bench.run();
  const result = bench.getTask(name)?.result;
  if (result === undefined) throw new RangeError(`tinybench returned no result for '${name}'`);
  if (result.error !== undefined) throw result.error;
  return [...result.latency.samples];
}
