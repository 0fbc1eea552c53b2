/**
 * One bench run: the tfjs cases in child processes (one per wasm thread count) alternating with the
 * PyTorch peer at the same thread count, round after round (ours, PyTorch, ours, PyTorch ...: A B A
 * B, so slow drifts in the machine's load hit both sides alike), then the harness cases in this
 * process; the load average is sampled before every phase. Ratios use only samples of this run.
 */
import type { BackendProvenance } from '../trainers/run-summary.ts';
import { SKIPPED_NOTES, selectCases, type BenchCaseDefinition, type IterationPlan, type StepModel } from './catalogue.ts';
import { createHarnessCase } from './cases/harness-costs.ts';
import { runChild, type ChildRequest } from './child-protocol.ts';
import { sampleLoad, type LoadSample, type MachineInfo } from './machine.ts';
import { measure } from './measure.ts';
import type { BenchOptions } from './options.ts';
import { detectPeer, runPeerSteps, type PeerAvailability, type PeerRequest, type PeerStepResult } from './peer.ts';
import { peerRatio, summarize, type PeerRatio, type SampleSummary } from './stats.ts';
import type { TensorCaseResult } from './tensor-cases.ts';

export const BENCH_REPORT_SCHEMA_VERSION = 1 as const;

/** steps.py's iterations per round (its own defaults for a full run). */
export const PEER_PLAN: { full: IterationPlan; quick: IterationPlan } = {
  full: { iterations: 20, warmup: 3 },
  quick: { iterations: 2, warmup: 1 },
};

export interface PeerRecord {
  case: StepModel;
  threads: number;
  /** steps.py's timed steps, per round, in the order run. */
  samplesByRound: number[][];
  summary: SampleSummary;
  blas: string;
  torchVersion: string;
  ompWaitPolicy: string;
}

export interface CaseRecord {
  id: string;
  title: string;
  kind: BenchCaseDefinition['kind'];
  /** "wasm-1t", "wasm-2t", "cpu"; null for harness cases. */
  backendLabel: string | null;
  batch: number | null;
  /** Items one timed call handles (manifests, runs); null for steps and updates. */
  itemsPerCall: number | null;
  plan: IterationPlan;
  /** Per-call milliseconds, per round (harness cases: one round). */
  samplesByRound: number[][];
  summary: SampleSummary;
  /** As the trainer records it; null for harness cases. */
  backend: BackendProvenance | null;
  /** Largest growth of the tensor count during one round's timed calls (0 = no leak). */
  leakedTensors: number | null;
  peer: PeerRecord | null;
  /** Ours / PyTorch; null without the peer. */
  ratio: PeerRatio | null;
}

export interface BenchReport {
  schemaVersion: typeof BENCH_REPORT_SCHEMA_VERSION;
  startedAt: string;
  finishedAt: string;
  wallMs: number;
  options: { quick: boolean; only: string[] | null; rounds: number; peer: boolean };
  machine: MachineInfo;
  torch: PeerAvailability & { blas: string | null };
  load: LoadSample[];
  cases: CaseRecord[];
  notes: string[];
}

/** What the orchestrator calls to run things; tests pass fakes. */
export interface BenchRunners {
  runChild(request: ChildRequest, timeoutMs: number): Promise<TensorCaseResult[]>;
  detectPeer(python: string): Promise<PeerAvailability>;
  runPeerSteps(request: PeerRequest): Promise<PeerStepResult[]>;
  /** The harness cases, timed in this process. */
  runHarnessCase(definition: Extract<BenchCaseDefinition, { kind: 'harness' }>, count: number, plan: IterationPlan): Promise<number[]>;
  sampleLoad(phase: string): LoadSample;
}

async function timeHarnessCase(definition: Extract<BenchCaseDefinition, { kind: 'harness' }>, count: number, plan: IterationPlan): Promise<number[]> {
  const timed = await createHarnessCase(definition.cost, count);
  try {
    return await measure(definition.id, () => timed.run(), plan);
  } finally {
    await timed.dispose();
  }
}

export const REAL_RUNNERS: BenchRunners = {
  runChild,
  detectPeer: (python) => detectPeer(python),
  runPeerSteps,
  runHarnessCase: timeHarnessCase,
  sampleLoad: (phase) => sampleLoad(phase),
};

type TensorDefinition = Extract<BenchCaseDefinition, { kind: 'step' | 'mask-update' }>;

function peerKey(model: StepModel, threads: number): string {
  return `${model}@${threads}`;
}

export async function runBench(options: BenchOptions, machine: MachineInfo, log: (line: string) => void, runners: BenchRunners = REAL_RUNNERS): Promise<BenchReport> {
  const started = new Date();
  const startedMs = performance.now();
  const selected = selectCases(options.only);
  const planOf = (c: BenchCaseDefinition): IterationPlan => (options.quick ? c.quick : c.full);
  const load: LoadSample[] = [runners.sampleLoad('start')];
  const notes: string[] = [];

  const tensorCases = selected.filter((c): c is TensorDefinition => c.kind !== 'harness');
  const groups = ([1, 2] as const)
    .map((threads) => ({ threads, cases: tensorCases.filter((c) => (c.target.backend === 'cpu' ? 1 : c.target.threads) === threads) }))
    .filter((g) => g.cases.length > 0);

  const stepCases = tensorCases.filter((c) => c.kind === 'step');
  let torch: PeerAvailability;
  if (!options.peer) torch = { available: false, python: options.python, reason: 'the peer was turned off (--no-peer)' };
  else if (stepCases.length === 0) torch = { available: false, python: options.python, reason: 'no training-step case selected' };
  else {
    log(`checking whether ${options.python} can import torch ...`);
    torch = await runners.detectPeer(options.python);
  }
  if (!torch.available) log(`PyTorch peer: not run (${torch.reason}); no ratios will be printed`);

  const ours = new Map<string, TensorCaseResult[]>();
  const peer = new Map<string, PeerStepResult[]>();
  const peerPlan = options.quick ? PEER_PLAN.quick : PEER_PLAN.full;
  const childTimeoutMs = options.quick ? 10 * 60_000 : 30 * 60_000;

  for (let round = 0; round < options.rounds; round++) {
    for (const group of groups) {
      const phase = `round ${round + 1}/${options.rounds}: ours, wasm ${group.threads} thread${group.threads === 1 ? '' : 's'}${group.threads === 1 && group.cases.some((c) => c.target.backend === 'cpu') ? ' (and cpu)' : ''}`;
      load.push(runners.sampleLoad(phase));
      log(`${phase}: ${group.cases.map((c) => c.id).join(', ')}`);
      const results = await runners.runChild({ threads: group.threads, seed: 0, cases: group.cases.map((c) => ({ id: c.id, plan: planOf(c) })) }, childTimeoutMs);
      for (const result of results) ours.set(result.id, [...(ours.get(result.id) ?? []), result]);

      const models = [...new Set(group.cases.flatMap((c) => (c.kind === 'step' && c.peer.threads === group.threads ? [c.peer.case] : [])))];
      if (torch.available && models.length > 0) {
        const peerPhase = `round ${round + 1}/${options.rounds}: PyTorch, ${group.threads} thread${group.threads === 1 ? '' : 's'}`;
        load.push(runners.sampleLoad(peerPhase));
        log(`${peerPhase}: ${models.join(', ')}`);
        const lines = await runners.runPeerSteps({ cases: models, threads: group.threads, steps: peerPlan.iterations, warmup: peerPlan.warmup, python: options.python });
        for (const line of lines) peer.set(peerKey(line.case, line.threads), [...(peer.get(peerKey(line.case, line.threads)) ?? []), line]);
      }
    }
  }

  const harnessSamples = new Map<string, number[]>();
  for (const c of selected) {
    if (c.kind !== 'harness') continue;
    const count = options.quick ? c.count.quick : c.count.full;
    load.push(runners.sampleLoad(`harness: ${c.id} (${count})`));
    log(`harness: ${c.id} with ${count.toLocaleString('en-US')} items`);
    harnessSamples.set(c.id, await runners.runHarnessCase(c, count, planOf(c)));
  }
  load.push(runners.sampleLoad('end'));

  const cases: CaseRecord[] = selected.map((c) => {
    if (c.kind === 'harness') {
      const samples = harnessSamples.get(c.id)!;
      return {
        id: c.id,
        title: c.title,
        kind: c.kind,
        backendLabel: null,
        batch: null,
        itemsPerCall: options.quick ? c.count.quick : c.count.full,
        plan: planOf(c),
        samplesByRound: [samples],
        summary: summarize(samples),
        backend: null,
        leakedTensors: null,
        peer: null,
        ratio: null,
      };
    }
    const rounds = ours.get(c.id) ?? [];
    const samplesByRound = rounds.map((r) => r.samplesMs);
    let peerRecord: PeerRecord | null = null;
    let ratio: PeerRatio | null = null;
    if (c.kind === 'step') {
      const lines = peer.get(peerKey(c.peer.case, c.peer.threads)) ?? [];
      if (lines.length > 0) {
        const first = lines[0]!;
        const peerByRound = lines.map((l) => l.samples);
        peerRecord = {
          case: c.peer.case,
          threads: c.peer.threads,
          samplesByRound: peerByRound,
          summary: summarize(peerByRound.flat()),
          blas: first.blas,
          torchVersion: first.torchVersion,
          ompWaitPolicy: first.ompWaitPolicy,
        };
        ratio = peerRatio(samplesByRound, peerByRound);
      }
    }
    return {
      id: c.id,
      title: c.title,
      kind: c.kind,
      backendLabel: c.target.backend === 'cpu' ? 'cpu' : `wasm-${c.target.threads}t`,
      batch: c.kind === 'step' ? c.batch : null,
      itemsPerCall: null,
      plan: planOf(c),
      samplesByRound,
      summary: summarize(samplesByRound.flat()),
      backend: rounds[0]?.backend ?? null,
      leakedTensors: Math.max(...rounds.map((r) => r.leakedTensors)),
      peer: peerRecord,
      ratio,
    };
  });

  const blas = cases.find((c) => c.peer !== null)?.peer?.blas ?? null;
  notes.push(loadNote(load, machine));
  notes.push(...caseNotes(cases, torch, blas, options));
  notes.push(...SKIPPED_NOTES);
  return {
    schemaVersion: BENCH_REPORT_SCHEMA_VERSION,
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    wallMs: performance.now() - startedMs,
    options: { quick: options.quick, only: options.only, rounds: options.rounds, peer: options.peer },
    machine,
    torch: { ...torch, blas },
    load,
    cases,
    notes,
  };
}

/** The load the numbers were taken under (the bench machine is shared). */
export function loadNote(load: readonly LoadSample[], machine: Pick<MachineInfo, 'cores'>): string {
  const ones = load.map((l) => l.loadAverage[0]);
  const first = ones[0] ?? Number.NaN;
  const last = ones[ones.length - 1] ?? Number.NaN;
  const max = Math.max(...ones);
  const text = `1-minute load average ${first.toFixed(2)} at the start, ${last.toFixed(2)} at the end, at most ${max.toFixed(2)} over the run, on ${machine.cores} cores`;
  if (max > machine.cores / 2) {
    return (
      `${text}: the machine was loaded by other work, so every absolute time here is inflated (several times a quiet core's) and noisy. ` +
      'Ratios pair runs taken back to back in this bench and suffer less, but the per-round column shows how much they still move: read them as rough.'
    );
  }
  return `${text}: the machine was mostly idle.`;
}

/** What a reader must know to read this run's numbers. */
function caseNotes(cases: readonly CaseRecord[], torch: PeerAvailability, blas: string | null, options: BenchOptions): string[] {
  const notes: string[] = [];
  if (options.quick) notes.push('--quick: one or two iterations per case, a smoke test; do not read these numbers as measurements.');
  if (!torch.available) notes.push(`PyTorch peer not run: ${torch.reason}. No ratios.`);
  else if (blas !== null && blas !== 'openblas') {
    notes.push(`PyTorch ran on BLAS "${blas}", not OpenBLAS: ratios are against a slow peer (apt-get install libopenblas0-pthread; env-measurements.md §3: 18x on the MLP).`);
  }
  for (const c of cases) {
    if (c.backend?.name === 'wasm' && c.backendLabel === 'wasm-2t' && c.backend.threads !== 2) {
      notes.push(`${c.id}: wasm ran ${c.backend.threads} thread(s), not 2 (${c.backend.details.threadsFallback ?? c.backend.details.threadsNote ?? 'no reason recorded'}).`);
    }
    if (c.leakedTensors !== null && c.leakedTensors !== 0) notes.push(`${c.id}: the tensor count grew by ${c.leakedTensors} during the timed calls (a leak: later steps may be slower).`);
  }
  return notes;
}
