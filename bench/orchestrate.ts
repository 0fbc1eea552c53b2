/**
 * One bench run: the tfjs cases in child processes (one per thread count: wasm and native of that
 * count, and cpu with 1) alternating with the PyTorch peer at the same thread count, round after
 * round (ours, PyTorch, ours, PyTorch ...: A B A B, so slow drifts in the machine's load hit both
 * sides alike); then the whole runs, ours and the peer's alternately, round after round; then the
 * harness cases in this process. The load average is sampled before every phase. Ratios use only
 * samples of this run.
 */
import { loadNativeAddon } from '../trainers/backends/native/addon.ts';
import type { BackendProvenance } from '../trainers/run-summary.ts';
import {
  SKIPPED_NOTES,
  selectCases,
  targetLabel,
  type BenchCaseDefinition,
  type IterationPlan,
  type MaskedLayerPath,
  type StepModel,
  type WholeRunCaseDefinition,
  type WholeRunMethod,
} from './catalogue.ts';
import { createHarnessCase } from './cases/harness-costs.ts';
import { runChild, type ChildRequest } from './child-protocol.ts';
import { BenchCaseError } from './errors.ts';
import { sampleLoad, type LoadSample, type MachineInfo } from './machine.ts';
import { measure } from './measure.ts';
import type { BenchOptions } from './options.ts';
import { describePeerCase, detectPeer, runPeerSteps, samePeerCase, type PeerAvailability, type PeerCase, type PeerRequest, type PeerStepResult } from './peer.ts';
import { peerRatio, summarize, type PeerRatio, type SampleSummary } from './stats.ts';
import type { TensorCaseResult } from './tensor-cases.ts';
import { runOursWholeRun, runPeerWholeRun, type WholeRunRequest, type WholeRunSide } from './whole-run.ts';

/** 2: step records gained `model`, `sparsity`, `maskedPath`, `section`; whole-run cases; `native`. */
export const BENCH_REPORT_SCHEMA_VERSION = 2 as const;

/** steps.py's iterations per round (its own defaults for a full run). */
export const PEER_PLAN: { full: IterationPlan; quick: IterationPlan } = {
  full: { iterations: 20, warmup: 3 },
  quick: { iterations: 2, warmup: 1 },
};

export interface PeerRecord {
  case: StepModel;
  /** rigl-mlp: the ERK sparsity of the peer's masks; null for the dense cases. */
  sparsity: number | null;
  threads: number;
  /** steps.py's timed steps, per round, in the order run. */
  samplesByRound: number[][];
  summary: SampleSummary;
  blas: string;
  torchVersion: string;
  ompWaitPolicy: string;
}

/** Both sides of a whole run, per round (round r of ours ran just before round r of the peer). */
export interface WholeRunRecord {
  recipe: string;
  method: WholeRunMethod;
  epochs: number;
  /** The core both sides were pinned to (`taskset -c`). */
  cpu: number;
  ours: WholeRunSide[];
  /** Empty without the peer. */
  peer: WholeRunSide[];
}

/** Which table a case appears in. */
export type CaseSection = 'steps' | 'sparsity-curve' | 'whole-run';

export interface CaseRecord {
  id: string;
  title: string;
  kind: BenchCaseDefinition['kind'];
  section: CaseSection;
  /** "wasm-1t", "native-2t", "cpu"; null for harness cases. */
  backendLabel: string | null;
  /** Step cases: the model; null otherwise. */
  model: StepModel | null;
  /** RigL step cases: the ERK sparsity and how the masked layers ran; null otherwise. */
  sparsity: number | null;
  maskedPath: MaskedLayerPath | null;
  /** RigL step cases: the weight layers that ran sparse kernels ([] = none); null otherwise. */
  sparseLayers: string[] | null;
  batch: number | null;
  /** Items one timed call handles (manifests, runs); null for steps and updates. */
  itemsPerCall: number | null;
  plan: IterationPlan;
  /** Per-call milliseconds, per round (harness cases: one round; whole runs: one run per round). */
  samplesByRound: number[][];
  summary: SampleSummary;
  /** As the trainer records it; null for harness cases and whole runs (see `wholeRun`). */
  backend: BackendProvenance | null;
  /** Largest growth of the tensor count during one round's timed calls (0 = no leak). */
  leakedTensors: number | null;
  peer: PeerRecord | null;
  wholeRun: WholeRunRecord | null;
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
  /** Whether the native addon loaded in the bench process; its cases are left out when not. */
  native: { available: true } | { available: false; reason: string };
  load: LoadSample[];
  cases: CaseRecord[];
  notes: string[];
}

/** What the orchestrator calls to run things; tests pass fakes. */
export interface BenchRunners {
  runChild(request: ChildRequest, timeoutMs: number): Promise<TensorCaseResult[]>;
  detectPeer(python: string): Promise<PeerAvailability>;
  /** Whether the native addon loads (ok: false with why). */
  detectNative(): { ok: true } | { ok: false; reason: string };
  runPeerSteps(request: PeerRequest): Promise<PeerStepResult[]>;
  runWholeRun(side: 'ours' | 'peer', request: WholeRunRequest): Promise<WholeRunSide>;
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
  detectNative: () => {
    const loaded = loadNativeAddon();
    return loaded.ok ? { ok: true } : { ok: false, reason: loaded.reason };
  },
  runPeerSteps,
  runWholeRun: (side, request) => (side === 'ours' ? runOursWholeRun(request) : runPeerWholeRun(request)),
  runHarnessCase: timeHarnessCase,
  sampleLoad: (phase) => sampleLoad(phase),
};

type TensorDefinition = Extract<BenchCaseDefinition, { kind: 'step' | 'mask-update' }>;

function peerKey(c: PeerCase, threads: number): string {
  return `${describePeerCase(c)}@${threads}t`;
}

function threadsOf(c: TensorDefinition): 1 | 2 {
  return c.target.backend === 'cpu' ? 1 : c.target.threads;
}

function usesNative(c: BenchCaseDefinition): boolean {
  return c.kind !== 'harness' && c.target.backend === 'native';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * RIGL_NATIVE_REQUIRED=1 (CI) makes a missing addon an error instead of leaving the native cases out.
 */
function nativeRequired(env: NodeJS.ProcessEnv): boolean {
  return env.RIGL_NATIVE_REQUIRED === '1';
}

export async function runBench(
  options: BenchOptions,
  machine: MachineInfo,
  log: (line: string) => void,
  runners: BenchRunners = REAL_RUNNERS,
  env: NodeJS.ProcessEnv = process.env,
): Promise<BenchReport> {
  const started = new Date();
  const startedMs = performance.now();
  const planOf = (c: BenchCaseDefinition): IterationPlan => (options.quick ? c.quick : c.full);
  const load: LoadSample[] = [runners.sampleLoad('start')];
  const notes: string[] = [];

  let selected = selectCases(options.only);
  let native: BenchReport['native'] = { available: true };
  if (selected.some(usesNative)) {
    const detected = runners.detectNative();
    if (!detected.ok) {
      const left = selected.filter(usesNative);
      if (nativeRequired(env)) {
        throw new BenchCaseError(`the native addon does not load (${detected.reason}) and RIGL_NATIVE_REQUIRED=1; cases that need it: ${left.map((c) => c.id).join(', ')}`);
      }
      native = { available: false, reason: detected.reason };
      selected = selected.filter((c) => !usesNative(c));
      log(`native backend: not available (${detected.reason}); leaving out ${plural(left.length, 'case')}`);
      notes.push(`native backend not available (${detected.reason}): its ${plural(left.length, 'case')} were left out.`);
      if (selected.length === 0) throw new BenchCaseError(`every selected case needs the native backend, which is not available: ${detected.reason}`);
    }
  }

  const tensorCases = selected.filter((c): c is TensorDefinition => c.kind === 'step' || c.kind === 'mask-update');
  const wholeRuns = selected.filter((c): c is WholeRunCaseDefinition => c.kind === 'whole-run');
  const groups = ([1, 2] as const).map((threads) => ({ threads, cases: tensorCases.filter((c) => threadsOf(c) === threads) })).filter((g) => g.cases.length > 0);

  const stepCases = tensorCases.filter((c) => c.kind === 'step');
  let torch: PeerAvailability;
  if (!options.peer) torch = { available: false, python: options.python, reason: 'the peer was turned off (--no-peer)' };
  else if (stepCases.length === 0 && wholeRuns.length === 0) torch = { available: false, python: options.python, reason: 'no training-step or whole-run case selected' };
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
      const backends = [...new Set(group.cases.map((c) => c.target.backend))].join(', ');
      const phase = `round ${round + 1}/${options.rounds}: ours, ${plural(group.threads, 'thread')} (${backends})`;
      load.push(runners.sampleLoad(phase));
      log(`${phase}: ${group.cases.map((c) => c.id).join(', ')}`);
      const results = await runners.runChild({ threads: group.threads, seed: 0, cases: group.cases.map((c) => ({ id: c.id, plan: planOf(c) })) }, childTimeoutMs);
      for (const result of results) ours.set(result.id, [...(ours.get(result.id) ?? []), result]);

      const peerCases: PeerCase[] = [];
      for (const c of group.cases) {
        if (c.kind !== 'step' || c.peer.threads !== group.threads) continue;
        const wanted: PeerCase = { case: c.peer.case, sparsity: c.peer.sparsity };
        if (!peerCases.some((p) => samePeerCase(p, wanted))) peerCases.push(wanted);
      }
      if (torch.available && peerCases.length > 0) {
        const peerPhase = `round ${round + 1}/${options.rounds}: PyTorch, ${plural(group.threads, 'thread')}`;
        load.push(runners.sampleLoad(peerPhase));
        log(`${peerPhase}: ${peerCases.map(describePeerCase).join(', ')}`);
        const lines = await runners.runPeerSteps({ cases: peerCases, threads: group.threads, steps: peerPlan.iterations, warmup: peerPlan.warmup, python: options.python });
        for (const line of lines) peer.set(peerKey(line, line.threads), [...(peer.get(peerKey(line, line.threads)) ?? []), line]);
      }
    }
  }

  const wholeOurs = new Map<string, WholeRunSide[]>();
  const wholePeer = new Map<string, WholeRunSide[]>();
  for (let round = 0; round < options.rounds; round++) {
    for (const c of wholeRuns) {
      const request: WholeRunRequest = { definition: c, epochs: options.quick ? c.epochs.quick : c.epochs.full, python: options.python };
      const sides: ('ours' | 'peer')[] = torch.available ? ['ours', 'peer'] : ['ours'];
      for (const side of sides) {
        const phase = `round ${round + 1}/${options.rounds}: whole run, ${side === 'ours' ? `ours (${targetLabel(c.target)})` : 'PyTorch (1 thread)'}, ${c.title}, ${plural(request.epochs, 'epoch')}, taskset -c ${c.cpu}`;
        load.push(runners.sampleLoad(phase));
        log(phase);
        const result = await runners.runWholeRun(side, request);
        const into = side === 'ours' ? wholeOurs : wholePeer;
        into.set(c.id, [...(into.get(c.id) ?? []), result]);
        log(`  ${result.wallSeconds.toFixed(1)} s, test accuracy ${result.testAccuracy.toFixed(2)} %`);
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

  const none = { model: null, sparsity: null, maskedPath: null, sparseLayers: null, peer: null, wholeRun: null } as const;
  const cases: CaseRecord[] = selected.map((c): CaseRecord => {
    if (c.kind === 'harness') {
      const samples = harnessSamples.get(c.id)!;
      return {
        id: c.id,
        title: c.title,
        kind: c.kind,
        section: 'steps',
        backendLabel: null,
        ...none,
        batch: null,
        itemsPerCall: options.quick ? c.count.quick : c.count.full,
        plan: planOf(c),
        samplesByRound: [samples],
        summary: summarize(samples),
        backend: null,
        leakedTensors: null,
        ratio: null,
      };
    }
    if (c.kind === 'whole-run') {
      const oursRuns = wholeOurs.get(c.id) ?? [];
      const peerRuns = wholePeer.get(c.id) ?? [];
      const samplesByRound = oursRuns.map((r) => [r.wallSeconds * 1000]);
      const peerByRound = peerRuns.map((r) => [r.wallSeconds * 1000]);
      return {
        id: c.id,
        title: c.title,
        kind: c.kind,
        section: 'whole-run',
        backendLabel: targetLabel(c.target),
        ...none,
        batch: null,
        itemsPerCall: null,
        plan: planOf(c),
        samplesByRound,
        summary: summarize(samplesByRound.flat()),
        backend: null,
        leakedTensors: null,
        wholeRun: { recipe: c.recipe, method: c.method, epochs: options.quick ? c.epochs.quick : c.epochs.full, cpu: c.cpu, ours: oursRuns, peer: peerRuns },
        ratio: peerByRound.length > 0 ? peerRatio(samplesByRound, peerByRound) : null,
      };
    }
    const rounds = ours.get(c.id) ?? [];
    const samplesByRound = rounds.map((r) => r.samplesMs);
    let peerRecord: PeerRecord | null = null;
    let ratio: PeerRatio | null = null;
    if (c.kind === 'step') {
      const lines = peer.get(peerKey({ case: c.peer.case, sparsity: c.peer.sparsity }, c.peer.threads)) ?? [];
      if (lines.length > 0) {
        const first = lines[0]!;
        const peerByRound = lines.map((l) => l.samples);
        peerRecord = {
          case: c.peer.case,
          sparsity: c.peer.sparsity,
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
      section: c.kind === 'step' ? c.section : 'steps',
      backendLabel: targetLabel(c.target),
      model: c.kind === 'step' ? c.model : null,
      sparsity: c.kind === 'step' ? c.sparsity : null,
      maskedPath: c.kind === 'step' ? c.maskedPath : null,
      sparseLayers: rounds[0]?.sparseLayers ?? null,
      batch: c.kind === 'step' ? c.batch : null,
      itemsPerCall: null,
      plan: planOf(c),
      samplesByRound,
      summary: summarize(samplesByRound.flat()),
      backend: rounds[0]?.backend ?? null,
      leakedTensors: Math.max(...rounds.map((r) => r.leakedTensors)),
      peer: peerRecord,
      wholeRun: null,
      ratio,
    };
  });

  const blas = cases.find((c) => c.peer !== null)?.peer?.blas ?? cases.flatMap((c) => c.wholeRun?.peer ?? []).find((r) => r.blas !== null)?.blas ?? null;
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
    native,
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
  if (options.quick && cases.some((c) => c.kind === 'whole-run')) {
    notes.push('--quick: whole runs train 1 epoch instead of 20 (ours: the mask-update schedule scaled to that epoch; the peer: the 20-epoch schedule\'s first epoch), a smoke test of the plumbing.');
  }
  if (!torch.available) notes.push(`PyTorch peer not run: ${torch.reason}. No ratios.`);
  else if (blas !== null && blas !== 'openblas') {
    notes.push(`PyTorch ran on BLAS "${blas}", not OpenBLAS: ratios are against a slow peer (apt-get install libopenblas0-pthread; env-measurements.md §3: 18x on the MLP).`);
  }
  for (const c of cases) {
    if (c.backend?.name === 'wasm' && c.backendLabel === 'wasm-2t' && c.backend.threads !== 2) {
      notes.push(`${c.id}: wasm ran ${c.backend.threads} thread(s), not 2 (${c.backend.details.threadsFallback ?? c.backend.details.threadsNote ?? 'no reason recorded'}).`);
    }
    if (c.backend?.name === 'native' && c.backend.threads !== Number(c.backendLabel?.replace(/^native-(\d)t$/, '$1'))) {
      notes.push(`${c.id}: the native backend ran ${c.backend.threads} thread(s), not what the case asks for.`);
    }
    if (c.maskedPath === 'sparse' && c.sparseLayers !== null && c.sparseLayers.length === 0) {
      notes.push(`${c.id}: no layer ran sparse kernels (trainers/step-layouts.ts chose dense kernels everywhere: every layer above its maxDensity, or RIGL_NATIVE_SPARSE=off), so this is a dense-masked step.`);
    }
    if (c.leakedTensors !== null && c.leakedTensors !== 0) notes.push(`${c.id}: the tensor count grew by ${c.leakedTensors} during the timed calls (a leak: later steps may be slower).`);
  }
  return notes;
}
