/**
 * `npm run bench` (= node --import tsx bench/run.ts [flags]; flags in options.ts): times a
 * training step per model and backend, a RigL mask update and the harness's own costs, runs the
 * PyTorch peer in the same run when /usr/bin/python3 has torch, prints a table and writes
 * results/bench/<date>-<machine>.{json,md}. The process sets its exit code and returns (only
 * harness/cli.ts calls process.exit): 0 done, 2 usage, 4 a case or the peer failed, 70 a bug.
 * This module is only an entry point: it exports nothing, and importing it runs the bench.
 */
import path from 'node:path';
import { describeError, exitCodeOf } from '../harness/errors.ts';
import { machineInfo } from './machine.ts';
import { runBench } from './orchestrate.ts';
import { BENCH_USAGE, parseBenchArgs } from './options.ts';
import { renderText } from './render.ts';
import { writeResults } from './results-files.ts';

async function main(argv: readonly string[]): Promise<number> {
  const options = parseBenchArgs(argv);
  if (options.help) {
    process.stdout.write(`${BENCH_USAGE}\n`);
    return 0;
  }
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const report = await runBench(options, await machineInfo(), log);
  process.stdout.write(`${renderText(report)}\n`);
  if (options.outDir !== null) {
    const command = ['npm run bench', ...(argv.length > 0 ? ['--', ...argv] : [])].join(' ');
    for (const file of await writeResults(report, options.outDir, command)) log(`wrote ${path.relative(process.cwd(), file)}`);
  } else {
    log('no results files written (a --quick or --only run writes only with --out DIR)');
  }
  return 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`bench: ${describeError(error)}\n`);
  process.exitCode = exitCodeOf(error);
}
