/** Typed failures of the bench (exit codes as design.md "Exit codes"). */
import { HarnessError } from '../harness/errors.ts';

/** A benchmark case or the PyTorch peer could not run to the end (exit 4, like a failed training). */
export class BenchCaseError extends HarnessError {
  readonly exitCode = 4 as const;
}
