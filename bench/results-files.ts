/** Writing a bench report as results/bench/<date>-<machine>.{json,md} (README.md there explains them). */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { dateStamp, machineSlug } from './machine.ts';
import type { BenchReport } from './orchestrate.ts';
import { renderJson, renderMarkdown } from './render.ts';

/** Writes <date>-<machine>.json and .md into `outDir`; returns their paths. */
export async function writeResults(report: BenchReport, outDir: string, command: string): Promise<string[]> {
  const base = path.join(outDir, `${dateStamp(new Date(report.startedAt))}-${machineSlug(report.machine.cpuModel, report.machine.cores)}`);
  await mkdir(outDir, { recursive: true });
  await writeFile(`${base}.json`, renderJson(report));
  await writeFile(`${base}.md`, renderMarkdown(report, command));
  return [`${base}.json`, `${base}.md`];
}
