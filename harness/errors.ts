/**
 * Typed harness errors and the one mapping from any thrown value to a process exit code
 * (design.md "Exit codes"). Library code throws; only harness/cli.ts exits.
 *
 * Exit codes: 0 ok; 1 a claim failed; 2 usage or invalid manifest; 3 I/O, store, checksum or
 * signature failure; 4 training failed; 5 a claim could not be decided; 70 internal bug;
 * 130 interrupted by SIGINT (the conventional 128 + 2), with a resumable checkpoint left behind.
 */
import { TrainerError, TrainingInterruptedError } from '../trainers/errors.ts';

export type ExitCode = 0 | 1 | 2 | 3 | 4 | 5 | 70 | 130;

export const ExitCode = {
  Ok: 0,
  ClaimFailed: 1,
  Usage: 2,
  Io: 3,
  TrainingFailed: 4,
  Inconclusive: 5,
  Internal: 70,
  Interrupted: 130,
} as const satisfies Record<string, ExitCode>;

export abstract class HarnessError extends Error {
  abstract readonly exitCode: ExitCode;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command line: unknown command or flag, bad flag value (exit 2). */
export class UsageError extends HarnessError {
  readonly exitCode = 2 as const;
}

/** One problem found in a manifest file, located by file and JSON pointer. */
export interface ManifestIssue {
  file: string;
  /** RFC 6901 JSON pointer into the file ("" = the whole document). */
  pointer: string;
  /** 1-based line and column of the value at `pointer`, when known. */
  line: number | null;
  column: number | null;
  expected: string;
  found: string;
  /** Which expanded run of a suite showed the problem, when it is about a run. */
  context?: string;
}

export function formatManifestIssue(issue: ManifestIssue): string {
  const where = issue.line === null ? issue.file : `${issue.file}:${issue.line}:${issue.column ?? 1}`;
  const context = issue.context === undefined ? '' : ` (${issue.context})`;
  return `${where}: ${issue.pointer === '' ? '(document)' : issue.pointer}: expected ${issue.expected}, found ${issue.found}${context}`;
}

/** A manifest that fails its schema or meaning checks; carries every issue found (exit 2). */
export class ManifestError extends HarnessError {
  readonly exitCode = 2 as const;
  constructor(
    readonly issues: readonly ManifestIssue[],
    options?: { cause?: unknown },
  ) {
    super(
      `${issues.length} problem${issues.length === 1 ? '' : 's'} in manifest:\n` +
        issues.map((i) => `  ${formatManifestIssue(i)}`).join('\n'),
      options,
    );
  }
}

/** A store could not be read or written, or a key is not allowed (exit 3). */
export class StoreError extends HarnessError {
  readonly exitCode = 3 as const;
}

/** A stored run's files are malformed or incomplete (a listed file missing, bad JSON) (exit 3). */
export class CorruptRunError extends StoreError {}

/** A stored file's bytes do not match its recorded sha256 (exit 3). */
export class ChecksumError extends HarnessError {
  readonly exitCode = 3 as const;
  constructor(
    readonly file: string,
    readonly expectedSha256: string,
    readonly actualSha256: string,
  ) {
    super(`checksum mismatch for ${file}: SHA256SUMS records ${expectedSha256}, the bytes hash to ${actualSha256}`);
  }
}

/** A run (or child process running it) failed to train; the message says why (exit 4). */
export class RunFailedError extends HarnessError {
  readonly exitCode = 4 as const;
}

/** An invariant of the harness broke (a bug) (exit 70). */
export class InternalError extends HarnessError {
  readonly exitCode = 70 as const;
}

/** The exit code a thrown value maps to; anything untyped is a bug (70). */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof HarnessError) return error.exitCode;
  if (error instanceof TrainerError) {
    // A trainer interrupted on request is resumable, not failed.
    if (error instanceof TrainingInterruptedError) return ExitCode.Interrupted;
    return error.exitCode;
  }
  if (isNodeIoError(error)) return ExitCode.Io;
  return ExitCode.Internal;
}

const IO_CODES = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EEXIST', 'ENOSPC', 'EROFS', 'EIO', 'EMFILE', 'ENOTEMPTY', 'EBUSY']);

function isNodeIoError(error: unknown): boolean {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && IO_CODES.has((error as NodeJS.ErrnoException).code!);
}

/**
 * Combine exit codes of several outcomes (runs, claims) into one (design.md): 2, 3 and 4 first (the
 * tool could not do its job; among them the lowest wins), then 1 over 5 over 0. 70 (a bug) and
 * 130 (interrupted) outrank everything.
 */
export function combineExitCodes(codes: Iterable<ExitCode>): ExitCode {
  const all = new Set(codes);
  for (const code of [130, 70, 2, 3, 4, 1, 5] as const) if (all.has(code)) return code;
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Redaction (design.md "Security": credentials are never written to logs, results or errors).

const SECRET_NAME = /(SECRET|TOKEN|PASSWORD|KEY)/i;
const ALWAYS_SECRET = new Set(['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ACCESS_KEY_ID']);
/** Values this short are too common to mask without garbling ordinary text. */
const MIN_SECRET_LENGTH = 4;

/** The values of environment variables whose names look like secrets, longest first. */
export function secretValues(env: NodeJS.ProcessEnv = process.env): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value.length < MIN_SECRET_LENGTH) continue;
    if (ALWAYS_SECRET.has(name) || SECRET_NAME.test(name)) values.add(value);
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/**
 * Mask every occurrence of a secret env var's value in `text` (names matching
 * /(SECRET|TOKEN|PASSWORD|KEY)/, plus the AWS credential variables), and credentials written into
 * URLs (`scheme://user:password@host`).
 */
export function redact(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text;
  for (const value of secretValues(env)) out = out.split(value).join('***');
  return out.replace(/([a-z][a-z0-9+.-]*:\/\/)([^/\s:@]+):([^/\s@]+)@/gi, '$1$2:***@');
}

/** An error's message with its cause chain, redacted, for one line of output. */
export function describeError(error: unknown, env: NodeJS.ProcessEnv = process.env): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (current instanceof Error) {
      parts.push(depth === 0 ? current.message : `caused by ${current.name}: ${current.message}`);
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return redact(parts.join('\n  '), env);
}
