/**
 * The machine a bench ran on, for the results file: CPU, cores, memory, Node and package versions,
 * git state (harness/provenance.ts), and the load average, sampled at the start, between phases and
 * at the end — the bench machine is shared, and the numbers mean little without the load.
 */
import os from 'node:os';
import { machineProvenance } from '../harness/provenance.ts';

export interface LoadSample {
  /** ISO time of the sample. */
  at: string;
  /** What was about to run (or "start"/"end"). */
  phase: string;
  /** 1-, 5- and 15-minute load averages. */
  loadAverage: [number, number, number];
}

export interface MachineInfo {
  cpuModel: string;
  /** Logical CPUs the OS reports (os.cpus().length). */
  cores: number;
  availableParallelism: number;
  memoryBytes: number;
  platform: string;
  nodeVersion: string;
  /** Installed versions of the tfjs packages and the rest harness/provenance.ts records. */
  packages: Record<string, string>;
  gitCommit: string | null;
  gitDirty: boolean | null;
}

export async function machineInfo(): Promise<MachineInfo> {
  const provenance = await machineProvenance();
  return {
    cpuModel: provenance.cpuModel,
    cores: os.cpus().length,
    availableParallelism: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    nodeVersion: process.version,
    packages: provenance.packages,
    gitCommit: provenance.gitCommit,
    gitDirty: provenance.gitDirty,
  };
}

export function sampleLoad(phase: string, now: Date = new Date()): LoadSample {
  const [one, five, fifteen] = os.loadavg() as [number, number, number];
  return { at: now.toISOString(), phase, loadAverage: [one, five, fifteen] };
}

/** A file-name-safe label: "AMD EPYC" on 2 cores → "amd-epyc-2c" (no "(R)", "CPU", clock). */
export function machineSlug(cpuModel: string, cores: number): string {
  const model = cpuModel
    .toLowerCase()
    .replace(/\(r\)|\(tm\)/g, '')
    .replace(/@.*$/, '')
    .replace(/\b(cpu|processor)\b/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${model || 'unknown-cpu'}-${cores}c`;
}

/** UTC date, YYYY-MM-DD. */
export function dateStamp(now: Date): string {
  return now.toISOString().slice(0, 10);
}
