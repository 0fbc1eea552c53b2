/**
 * The `rigl-harness` entry point (bin/rigl-harness.js imports it) and the only place that exits.
 * The first SIGINT/SIGTERM asks the running command to stop cleanly (a training run checkpoints,
 * and the process exits 130 after saying how to resume); a second one exits at once.
 */
import { main, PROGRAM } from './commands/main.ts';
import { ExitCode, describeError, redact, type ExitCode as ExitCodeType } from './errors.ts';

/** Wire the process: signals, streams, exit. Only here does the process exit. */
async function runProcess(): Promise<void> {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      process.stderr.write(redact(`\n${PROGRAM}: ${signal} received: stopping after a checkpoint (send it again to quit at once)\n`));
      controller.abort();
    } else {
      process.stderr.write(`${PROGRAM}: ${signal} again: exiting now\n`);
      process.exit(ExitCode.Interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let code: ExitCodeType;
  try {
    code = await main(process.argv.slice(2), {
      stdout: (t) => process.stdout.write(t),
      stderr: (t) => process.stderr.write(t),
      env: process.env,
      signal: controller.signal,
      stderrIsTerminal: process.stderr.isTTY === true,
    });
  } catch (error) {
    process.stderr.write(redact(`${PROGRAM}: internal error: ${describeError(error)}\n`));
    code = ExitCode.Internal;
  }
  if (controller.signal.aborted && code === ExitCode.Ok) code = ExitCode.Interrupted;
  // Let stdout drain (a large --json document through a pipe) before exiting.
  process.stdout.write('', () => process.exit(code));
}

await runProcess();
