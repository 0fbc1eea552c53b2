/**
 * The PyTorch peer (bench/peer/steps.py, its README): whether `/usr/bin/python3` can import torch,
 * and running steps.py for some cases at one thread count, parsing its one JSON line per case.
 */
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import type { StepModel } from './catalogue.ts';
import { BenchCaseError } from './errors.ts';

/** Debian's interpreter, where python3-torch installs (a pyenv `python3` on PATH may lack torch). */
export const DEFAULT_PEER_PYTHON = '/usr/bin/python3';
export const STEPS_SCRIPT = fileURLToPath(new URL('./peer/steps.py', import.meta.url));

export type PeerAvailability =
  | { available: true; python: string; torchVersion: string }
  | { available: false; python: string; reason: string };

/** One line of steps.py (bench/peer/README.md "steps.py"). */
export interface PeerStepResult {
  case: StepModel;
  /** rigl-mlp: the ERK sparsity it ran at; null for the dense cases (and lines of an older steps.py). */
  sparsity: number | null;
  threads: number;
  /** Median of `samples`. */
  msPerStep: number;
  /** Timed per-step milliseconds, in the order run. */
  samples: number[];
  samplesPerSecond: number;
  batch: number;
  warmup: number;
  /** "openblas", "reference" or "none-loaded", from the libraries mapped into the process. */
  blas: string;
  torchVersion: string;
  ompWaitPolicy: string;
}

export async function detectPeer(python: string = DEFAULT_PEER_PYTHON, timeoutMs = 180_000): Promise<PeerAvailability> {
  const result = await execa(python, ['-c', 'import sys, torch; sys.stdout.write(torch.__version__)'], { reject: false, timeout: timeoutMs });
  if (result.exitCode === 0 && result.stdout.trim() !== '') return { available: true, python, torchVersion: result.stdout.trim() };
  const code = (result.cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return { available: false, python, reason: `${python} does not exist (apt-get install python3-torch libopenblas0-pthread)` };
  if (result.timedOut) return { available: false, python, reason: `${python} -c 'import torch' did not finish in ${timeoutMs} ms` };
  const last = result.stderr.trim().split('\n').pop() ?? '';
  return { available: false, python, reason: `${python} cannot import torch: ${last || `exit ${result.exitCode}`} (apt-get install python3-torch libopenblas0-pthread)` };
}

function requireField<T>(value: unknown, check: (v: unknown) => v is T, field: string, line: string): T {
  if (!check(value)) throw new BenchCaseError(`steps.py printed a line whose '${field}' is ${JSON.stringify(value)}: ${line.slice(0, 200)}`);
  return value;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isNumbers = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every(isNumber);
const isSparsity = (v: unknown): v is number | null | undefined => v === undefined || v === null || (isNumber(v) && v > 0 && v < 1);

/** The JSON lines of steps.py's stdout (lines not starting with '{' are ignored). */
export function parsePeerLines(stdout: string): PeerStepResult[] {
  const out: PeerStepResult[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new BenchCaseError(`steps.py printed a line that is not JSON: ${line.slice(0, 200)}`, { cause: error });
    }
    out.push({
      case: requireField(raw.case, isString, 'case', line) as StepModel,
      sparsity: requireField(raw.sparsity, isSparsity, 'sparsity', line) ?? null,
      threads: requireField(raw.threads, isNumber, 'threads', line),
      msPerStep: requireField(raw.msPerStep, isNumber, 'msPerStep', line),
      samples: requireField(raw.samples, isNumbers, 'samples', line),
      samplesPerSecond: requireField(raw.samplesPerSecond, isNumber, 'samplesPerSecond', line),
      batch: requireField(raw.batch, isNumber, 'batch', line),
      warmup: requireField(raw.warmup, isNumber, 'warmup', line),
      blas: requireField(raw.blas, isString, 'blas', line),
      torchVersion: requireField(raw.torchVersion, isString, 'torchVersion', line),
      ompWaitPolicy: requireField(raw.ompWaitPolicy, isString, 'ompWaitPolicy', line),
    });
  }
  return out;
}

/** A case of steps.py at a sparsity (null for the dense cases). */
export interface PeerCase {
  case: StepModel;
  sparsity: number | null;
}

export function samePeerCase(a: PeerCase, b: PeerCase): boolean {
  if (a.case !== b.case) return false;
  if (a.sparsity === null || b.sparsity === null) return a.sparsity === b.sparsity;
  return Math.abs(a.sparsity - b.sparsity) < 1e-9;
}

export function describePeerCase(c: PeerCase): string {
  return c.sparsity === null ? c.case : `${c.case}@${c.sparsity}`;
}

export interface PeerRequest {
  cases: readonly PeerCase[];
  threads: 1 | 2;
  steps: number;
  warmup: number;
  /** Interpreter and script; the defaults run bench/peer/steps.py with /usr/bin/python3. */
  python?: string;
  script?: string;
  timeoutMs?: number;
}

/**
 * Runs steps.py once and returns one result per requested case and sparsity, in the order
 * requested (steps.py times rigl-mlp once per sparsity of `--sparsity`).
 */
export async function runPeerSteps(request: PeerRequest): Promise<PeerStepResult[]> {
  const python = request.python ?? DEFAULT_PEER_PYTHON;
  const script = request.script ?? STEPS_SCRIPT;
  const timeoutMs = request.timeoutMs ?? 900_000;
  const names = [...new Set(request.cases.map((c) => c.case))];
  const sparsities = [...new Set(request.cases.flatMap((c) => (c.sparsity === null ? [] : [c.sparsity])))];
  const args = [script, '--cases', names.join(','), '--threads', String(request.threads), '--steps', String(request.steps), '--warmup', String(request.warmup)];
  if (sparsities.length > 0) args.push('--sparsity', sparsities.join(','));
  const result = await execa(python, args, { reject: false, timeout: timeoutMs });
  const describe = `${python} ${args.join(' ')}`;
  if (result.exitCode !== 0 || result.timedOut) {
    const why = result.timedOut ? `timed out after ${timeoutMs} ms` : `exited with ${result.exitCode ?? result.signal}`;
    throw new BenchCaseError(`${describe} ${why}; its stderr ends:\n${result.stderr.split('\n').slice(-10).join('\n')}`);
  }
  const lines = parsePeerLines(result.stdout);
  return request.cases.map((wanted) => {
    const found = lines.find((l) => samePeerCase(l, wanted) && l.threads === request.threads);
    if (found === undefined) throw new BenchCaseError(`${describe} printed no line for case '${describePeerCase(wanted)}' at ${request.threads} thread(s)`);
    return found;
  });
}
