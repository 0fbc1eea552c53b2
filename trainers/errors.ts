/**
 * Typed trainer errors. Each carries the process exit code the CLI maps it to (design.md "Exit
 * codes"); library code throws, only harness/cli.ts exits. Messages quote the value and the bound.
 */

export abstract class TrainerError extends Error {
  abstract readonly exitCode: 2 | 3 | 4 | 70;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A manifest the trainer cannot honour (unknown layer in a distribution, impossible width...): exit 2. */
export class InvalidRunConfigError extends TrainerError {
  readonly exitCode = 2 as const;
}

/** A dataset file is missing, unreadable, malformed or fails its checksum: exit 3. */
export class DatasetError extends TrainerError {
  readonly exitCode = 3 as const;
}

/** Checkpoint I/O failed or a checkpoint is corrupt: exit 3. */
export class CheckpointError extends TrainerError {
  readonly exitCode = 3 as const;
}

/** Loss became NaN or infinite: exit 4. */
export class TrainingDivergedError extends TrainerError {
  readonly exitCode = 4 as const;
  constructor(
    readonly step: number,
    readonly loss: number,
  ) {
    super(`training diverged: loss is ${loss} at step ${step}`);
  }
}

/** No backend could run the model (no backend initialised, or a kernel is missing): exit 4. */
export class BackendError extends TrainerError {
  readonly exitCode = 4 as const;
}

/** The run was stopped on request (SIGINT/SIGTERM) after writing a checkpoint; resumable. */
export class TrainingInterruptedError extends TrainerError {
  readonly exitCode = 4 as const;
  constructor(readonly step: number) {
    super(`training interrupted at step ${step}; a checkpoint was written and the run can resume`);
  }
}

/** An invariant of the trainer was broken (a bug): exit 70. */
export class TrainerInvariantError extends TrainerError {
  readonly exitCode = 70 as const;
}
