/**
 * A whole fmnist-lenet300 run, timed from process start to exit on one core (issue #8): ours is
 * `rigl-harness run <manifest> --store <fresh folder> --backend <target>` on a temporary run
 * manifest (the suite's run for the method, with the backend and thread count of the case), the
 * peer is bench/peer/fmnist_lenet300.py with the same method; both under `taskset -c <cpu>`, with
 * one BLAS/OpenMP thread for the peer. The accuracies come from what each side wrote: our stored
 * run's summary.json, the peer's --out JSON.
 */
import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadManifestFile } from '../harness/manifest/load.ts';
import type { LearningRateSchedule, RunManifest } from '../trainers/run-manifest.ts';
import type { WholeRunCaseDefinition, WholeRunMethod } from './catalogue.ts';
import { BenchCaseError } from './errors.ts';
import { DEFAULT_PEER_PYTHON } from './peer.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const SUITE_MANIFEST_PATH = path.join(REPO_ROOT, 'manifests/fmnist-lenet300/suite.json');
export const HARNESS_BIN = path.join(REPO_ROOT, 'bin/rigl-harness.js');
export const PEER_RUN_SCRIPT = path.join(REPO_ROOT, 'bench/peer/fmnist_lenet300.py');
const TASKSET = 'taskset';

/** One side's run: wall time from process start to exit, and what the run reports. */
export interface WholeRunSide {
  wallSeconds: number;
  testAccuracy: number;
  bestTestAccuracy: number;
  /** The training time the run reports itself (ours: the loop's wallMs; peer: from data loading on). */
  reportedSeconds: number;
  /** Ours: the backend name, threads and ISA of the run's provenance; peer: torch version and BLAS. */
  engine: string;
  /** The peer's BLAS ("openblas", "reference", ...); null for ours. */
  blas: string | null;
  command: string;
}

export interface WholeRunRequest {
  definition: WholeRunCaseDefinition;
  epochs: number;
  /** The peer's interpreter; default /usr/bin/python3. */
  python?: string;
  /** Default 1 hour per run. */
  timeoutMs?: number;
  /** Entry points run instead of bin/rigl-harness.js and bench/peer/fmnist_lenet300.py (tests). */
  harnessBin?: string;
  peerScript?: string;
}

/** The suite axes that pick the method's run (seed 0). */
function axesOf(method: WholeRunMethod): Record<string, string | number> {
  return method.name === 'dense' ? { method: 'dense', seed: 0 } : { method: method.name, distribution: method.distribution, sparsity: method.sparsity, seed: 0 };
}

/**
 * The learning-rate schedule of the first `epochs` epochs: an epoch-piecewise schedule keeps the
 * boundaries before `epochs` (the manifest's checks reject a boundary past the end).
 */
function scheduleForEpochs(schedule: LearningRateSchedule, epochs: number): LearningRateSchedule {
  if (schedule.kind !== 'piecewise' || schedule.unit !== 'epoch') return schedule;
  const boundaries = schedule.boundaries.filter((b) => b < epochs);
  return boundaries.length === 0 ? { kind: 'constant' } : { ...schedule, boundaries, values: schedule.values.slice(0, boundaries.length + 1) };
}

/**
 * The suite's resolved run for the method, on the case's backend and threads, cut to `epochs`
 * (fewer than the recipe's 20 only for --quick: the learning rate of those epochs, and the
 * mask-update schedule's fractions scale with the run).
 */
export async function wholeRunManifest(definition: WholeRunCaseDefinition, epochs: number): Promise<RunManifest> {
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`'epochs' passed to wholeRunManifest() must be an integer >= 1 but got ${epochs}`);
  const suite = await loadManifestFile(SUITE_MANIFEST_PATH);
  const wanted = axesOf(definition.method);
  const run = suite.runs.find((r) => Object.entries(wanted).every(([axis, value]) => r.axes[axis] === value));
  if (run === undefined) throw new RangeError(`${SUITE_MANIFEST_PATH} has no run with ${JSON.stringify(wanted)}`);
  const training = run.manifest.training;
  return {
    ...run.manifest,
    training: {
      ...training,
      epochs,
      learningRate: { ...training.learningRate, schedule: scheduleForEpochs(training.learningRate.schedule, epochs) },
    },
    backend: { preference: [definition.target.backend], threads: definition.target.threads },
  };
}

/** Writes the run manifest file into `dir`; returns its path. */
export async function writeRunManifest(manifest: RunManifest, definition: WholeRunCaseDefinition, dir: string): Promise<string> {
  const file = path.join(dir, 'run.json');
  const document = {
    kind: 'run',
    schemaVersion: 1,
    title: `bench ${definition.id}`,
    description: `Written by bench/whole-run.ts from ${path.relative(REPO_ROOT, SUITE_MANIFEST_PATH)} for the whole-run bench case.`,
    run: manifest,
    claims: [],
  };
  await writeFile(file, `${JSON.stringify(document, null, 2)}\n`);
  return file;
}

function peerArgs(method: WholeRunMethod, epochs: number, out: string): string[] {
  const methodArgs = method.name === 'dense' ? ['--method', 'dense'] : ['--method', method.name, '--distribution', method.distribution, '--sparsity', String(method.sparsity)];
  return [...methodArgs, '--seed', '0', '--epochs', String(epochs), '--threads', '1', '--out', out];
}

/**
 * Runs `command args` under taskset, timing it from spawn to exit; throws with its stderr on
 * failure. `describe` is the command as a reader would type it (relative paths, <tmp>).
 */
async function timedPinned(cpu: number, command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number, describe: string): Promise<{ wallSeconds: number }> {
  const full = ['-c', String(cpu), command, ...args];
  const started = performance.now();
  const result = await execa(TASKSET, full, { cwd: REPO_ROOT, env, reject: false, timeout: timeoutMs });
  const wallSeconds = (performance.now() - started) / 1000;
  if (result.exitCode !== 0 || result.timedOut) {
    const code = (result.cause as NodeJS.ErrnoException | undefined)?.code;
    const why = code === 'ENOENT' ? `could not start (${TASKSET} not found: apt-get install util-linux)` : result.timedOut ? `timed out after ${timeoutMs} ms` : `exited with ${result.exitCode ?? result.signal}`;
    throw new BenchCaseError(`${describe} ${why}; its stderr ends:\n${result.stderr.split('\n').slice(-10).join('\n')}`);
  }
  return { wallSeconds };
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function numberAt(value: unknown, field: string, where: string): number {
  if (!isFiniteNumber(value)) throw new BenchCaseError(`${where}: '${field}' is ${JSON.stringify(value)}, expected a number`);
  return value;
}

/** Ours: `rigl-harness run` into a fresh store, then the stored summary. */
export async function runOursWholeRun(request: WholeRunRequest): Promise<WholeRunSide> {
  const { definition, epochs } = request;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rigl-bench-whole-run-'));
  try {
    const manifestFile = await writeRunManifest(await wholeRunManifest(definition, epochs), definition, dir);
    const loaded = await loadManifestFile(manifestFile);
    const runId = loaded.runs[0]!.runId;
    const store = path.join(dir, 'store');
    await mkdir(store);
    const args = [request.harnessBin ?? HARNESS_BIN, 'run', manifestFile, '--store', store, '--backend', definition.target.backend];
    const describe = `${TASKSET} -c ${definition.cpu} node bin/rigl-harness.js run <tmp>/run.json --store <tmp>/store --backend ${definition.target.backend}`;
    const { wallSeconds } = await timedPinned(definition.cpu, process.execPath, args, process.env, request.timeoutMs ?? 3_600_000, describe);
    const summaryFile = path.join(store, 'runs', runId, 'summary.json');
    const summary = JSON.parse(await readFile(summaryFile, 'utf8')) as {
      status?: string;
      metrics?: Record<string, unknown>;
      wallMs?: unknown;
      provenance?: { backend?: { name?: string; threads?: number; details?: Record<string, string> } };
    };
    if (summary.status !== 'success') throw new BenchCaseError(`${describe}: the stored run's status is ${JSON.stringify(summary.status)}, not "success"`);
    const backend = summary.provenance?.backend;
    if (backend?.name !== definition.target.backend) {
      throw new BenchCaseError(`${describe}: the run trained on backend ${JSON.stringify(backend?.name)}, not ${definition.target.backend}`);
    }
    return {
      wallSeconds,
      testAccuracy: numberAt(summary.metrics?.testAccuracy, 'metrics.testAccuracy', summaryFile),
      bestTestAccuracy: numberAt(summary.metrics?.bestTestAccuracy, 'metrics.bestTestAccuracy', summaryFile),
      reportedSeconds: numberAt(summary.wallMs, 'wallMs', summaryFile) / 1000,
      engine: `${backend.name} ${backend.threads ?? '?'}t${backend.details?.isa === undefined ? '' : ` ${backend.details.isa}`}`,
      blas: null,
      command: describe,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The peer: fmnist_lenet300.py with the same method, one thread, JSON into a temporary file. */
export async function runPeerWholeRun(request: WholeRunRequest): Promise<WholeRunSide> {
  const { definition, epochs } = request;
  const python = request.python ?? DEFAULT_PEER_PYTHON;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rigl-bench-peer-run-'));
  try {
    const out = path.join(dir, 'result.json');
    const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
    const describe = `OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 ${TASKSET} -c ${definition.cpu} ${python} bench/peer/fmnist_lenet300.py ${peerArgs(definition.method, epochs, '<tmp>/result.json').join(' ')}`;
    const { wallSeconds } = await timedPinned(definition.cpu, python, [request.peerScript ?? PEER_RUN_SCRIPT, ...peerArgs(definition.method, epochs, out)], env, request.timeoutMs ?? 3_600_000, describe);
    const result = JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown>;
    return {
      wallSeconds,
      testAccuracy: numberAt(result.testAccuracy, 'testAccuracy', describe),
      bestTestAccuracy: numberAt(result.bestTestAccuracy, 'bestTestAccuracy', describe),
      reportedSeconds: numberAt(result.wallSeconds, 'wallSeconds', describe),
      engine: `torch ${String(result.torchVersion)} ${String(result.blas)} ${String(result.threads)}t`,
      blas: typeof result.blas === 'string' ? result.blas : null,
      command: describe,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
