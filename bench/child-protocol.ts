/**
 * The bench process ↔ tensor child process protocol. The bench starts
 * `node --import tsx bench/child.ts '<ChildRequest JSON>'`; the child prints one line
 * `{"benchCase": TensorCaseResult}` per case on stdout (anything else there, such as tfjs notices,
 * is ignored) and exits 0; on a failure it prints the error to stderr and exits non-zero.
 */
import { execa } from 'execa';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IterationPlan } from './catalogue.ts';
import { BenchCaseError } from './errors.ts';
import type { TensorCaseResult } from './tensor-cases.ts';

export interface ChildRequest {
  /** wasm and native threads of this process (its cpu cases ignore it). */
  threads: 1 | 2;
  seed: number;
  cases: { id: string; plan: IterationPlan }[];
}

const CHILD_ENTRY = fileURLToPath(new URL('./child.ts', import.meta.url));
const REPO_ROOT = path.resolve(path.dirname(CHILD_ENTRY), '..');

export function formatCaseLine(result: TensorCaseResult): string {
  return `${JSON.stringify({ benchCase: result })}\n`;
}

/** The `benchCase` lines of a child's stdout, in order. */
export function parseCaseLines(stdout: string): TensorCaseResult[] {
  const out: TensorCaseResult[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{"benchCase":')) continue;
    out.push((JSON.parse(line) as { benchCase: TensorCaseResult }).benchCase);
  }
  return out;
}

/** Runs the request in a fresh Node process; `timeoutMs` bounds the whole child. */
export async function runChild(request: ChildRequest, timeoutMs: number): Promise<TensorCaseResult[]> {
  const result = await execa(process.execPath, ['--import', 'tsx', CHILD_ENTRY, JSON.stringify(request)], {
    cwd: REPO_ROOT,
    reject: false,
    timeout: timeoutMs,
    stripFinalNewline: false,
  });
  const cases = parseCaseLines(result.stdout);
  if (result.exitCode !== 0 || result.timedOut || cases.length !== request.cases.length) {
    const why = result.timedOut ? `timed out after ${timeoutMs} ms` : `exited with ${result.exitCode ?? result.signal}`;
    const stderrTail = result.stderr.split('\n').slice(-15).join('\n');
    throw new BenchCaseError(
      `the bench child for ${request.threads} thread(s) (${request.cases.map((c) => c.id).join(', ')}) ${why} ` +
        `after ${cases.length} of ${request.cases.length} cases; its stderr ends:\n${stderrTail}`,
    );
  }
  return cases;
}
