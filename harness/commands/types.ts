/**
 * The shape of a command: its flags (node:util parseArgs), its help text, and a function from the
 * parsed command line to a result. Commands never exit and never write to stdout themselves: they
 * return the JSON document and the human text, and harness/cli.ts prints and exits.
 */
import type { ParseArgsConfig } from 'node:util';
import type { ExitCode } from '../errors.ts';

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

export interface CommandContext {
  env: NodeJS.ProcessEnv;
  /** Aborted by the first SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** One human line to stderr (redacted by the caller). */
  log: (line: string) => void;
  /** A live status line on a terminal (the next status or log line replaces it); absent otherwise. */
  status?: (line: string) => void;
  /** Whether --json was given (human results then go to stderr too). */
  json: boolean;
  /** The command line after the program name, as given (for "run this again" hints). */
  argv: readonly string[];
}

export interface CommandResult {
  exitCode: ExitCode;
  /** The one JSON document `--json` prints. */
  json: unknown;
  /** What a person reads (stdout without --json, stderr with it). */
  text: string;
}

export interface ParsedCommandLine {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export interface CommandSpec {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The synopsis, e.g. "plan FILE [--store URI] [--only FILTER] [--json]". */
  synopsis: string;
  /** Each flag with its meaning, in help order (must list exactly the keys of `options`). */
  flags: { flag: string; help: string }[];
  options: OptionsConfig;
  /** Positional arguments: minimum and maximum count, and their name in messages. */
  positionals: { min: number; max: number; name: string };
  run: (args: ParsedCommandLine, ctx: CommandContext) => Promise<CommandResult>;
}
