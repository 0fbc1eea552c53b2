/**
 * The command line without the process (design.md "Command line"): `main(argv, io)` parses the
 * command and its flags (node:util parseArgs, strict), runs the command, prints its result (one
 * JSON document on stdout with --json, human text otherwise; diagnostics always on stderr),
 * redacts secrets from everything it prints, and maps errors to exit codes (harness/errors.ts),
 * which it returns. harness/cli.ts wires it to the process and exits.
 */
import { parseArgs } from 'node:util';
import { ExitCode, ManifestError, UsageError, describeError, exitCodeOf, redact, type ExitCode as ExitCodeType } from '../errors.ts';
import { k8sCommand } from './k8s.ts';
import { keygenCommand } from './keygen.ts';
import { planCommand } from './plan.ts';
import { reportCommand } from './report.ts';
import { reproduceCommand } from './reproduce.ts';
import { runCommand } from './run.ts';
import type { CommandContext, CommandResult, CommandSpec, ParsedCommandLine } from './types.ts';
import { validateCommand } from './validate.ts';
import { verifyCommand } from './verify.ts';

export const COMMANDS: readonly CommandSpec[] = [validateCommand, planCommand, runCommand, verifyCommand, reportCommand, k8sCommand, reproduceCommand, keygenCommand];

export const PROGRAM = 'rigl-harness';

export function globalUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `usage: ${PROGRAM} <command> [options]`,
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    `Run '${PROGRAM} <command> --help' for a command's flags.`,
    'Exit codes: 0 ok (every claim verified, or nothing to verify); 1 a claim failed; 2 usage error or invalid manifest;',
    '3 I/O, store, checksum or signature failure; 4 training failed; 5 a claim could not be decided; 70 internal error; 130 interrupted.',
  ].join('\n');
}

export function commandHelp(spec: CommandSpec): string {
  const width = Math.max(...spec.flags.map((f) => f.flag.length));
  return [`usage: ${PROGRAM} ${spec.synopsis}`, '', `${spec.summary}.`, '', 'options:', ...spec.flags.map((f) => `  ${f.flag.padEnd(width)}  ${f.help}`)].join('\n');
}

/** Parse a command's arguments; UsageError (exit 2) for unknown flags, bad values, wrong arity. */
export function parseCommandLine(spec: CommandSpec, argv: readonly string[]): ParsedCommandLine {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: spec.options, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs's own message names the flag; its advice about '--' is noise here.
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const values = parsed.values as ParsedCommandLine['values'];
  if (values.help === true) return { values, positionals: parsed.positionals };
  const { min, max, name } = spec.positionals;
  if (parsed.positionals.length < min) throw new UsageError(`missing ${name}`);
  if (parsed.positionals.length > max) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[max])}`);
  return { values, positionals: parsed.positionals };
}

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  /** stderr is a terminal: progress is one live line (with ETA) instead of a line every few seconds. */
  stderrIsTerminal?: boolean;
}

/** ANSI: carriage return, then erase the whole line. */
const CLEAR_LINE = '\r\x1b[2K';

/** JSON without NaN/∞ silently turning into null: they are written as strings. */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
}

/** Runs one command line and returns the exit code; prints everything through `io`, redacted. */
export async function main(argv: readonly string[], io: CliIo): Promise<ExitCodeType> {
  const out = (text: string) => io.stdout(redact(text.endsWith('\n') ? text : `${text}\n`, io.env));
  let statusShown = false;
  const err = (text: string) => {
    const line = redact(text.endsWith('\n') ? text : `${text}\n`, io.env);
    io.stderr(statusShown ? `${CLEAR_LINE}${line}` : line);
    statusShown = false;
  };
  const status =
    io.stderrIsTerminal === true
      ? (text: string) => {
          io.stderr(`${CLEAR_LINE}${redact(text, io.env)}`);
          statusShown = true;
        }
      : undefined;
  const [name, ...rest] = argv;
  if (name === undefined) {
    err(globalUsage());
    return ExitCode.Usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    out(globalUsage());
    return ExitCode.Ok;
  }
  if (name === '--version') {
    const { packageVersion } = await import('../../trainers/version.ts');
    out(packageVersion());
    return ExitCode.Ok;
  }
  const spec = COMMANDS.find((c) => c.name === name);
  if (spec === undefined) {
    err(`${PROGRAM}: unknown command ${JSON.stringify(name)}\n\n${globalUsage()}`);
    return ExitCode.Usage;
  }
  const wantsJson = rest.includes('--json');
  try {
    const args = parseCommandLine(spec, rest);
    if (args.values.help === true) {
      out(commandHelp(spec));
      return ExitCode.Ok;
    }
    const json = args.values.json === true;
    const ctx: CommandContext = { env: io.env, signal: io.signal, log: (line) => err(line), json, argv, ...(status === undefined ? {} : { status }) };
    const result: CommandResult = await spec.run(args, ctx);
    if (json) {
      out(toJson(result.json));
      if (result.text !== '') err(result.text);
    } else if (result.text !== '') {
      out(result.text);
    }
    return result.exitCode;
  } catch (error) {
    const exitCode = exitCodeOf(error);
    const message = describeError(error, io.env);
    if (error instanceof UsageError) err(`${PROGRAM} ${name}: ${message}\n\n${commandHelp(spec)}`);
    else if (exitCode === ExitCode.Internal) err(`${PROGRAM} ${name}: internal error (a bug; please report it): ${message}\n${(error as Error)?.stack ?? ''}`);
    else err(`${PROGRAM} ${name}: ${message}`);
    if (wantsJson) {
      const issues = error instanceof ManifestError ? error.issues : undefined;
      out(toJson({ command: name, exitCode, error: { name: (error as Error)?.name ?? 'Error', message, ...(issues === undefined ? {} : { issues }) } }));
    }
    return exitCode;
  }
}
