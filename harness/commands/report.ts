/**
 * `report FILE --out DIR`: the claims, verdicts and runs as report.md, report.html (self-contained,
 * with plots), configurations.csv and verdicts.json in DIR (renderers: harness/report/). Exits as
 * `verify` does; a run that fails its checksums is left out and makes the exit code 3.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { arch, cpus, platform } from 'node:os';
import { join, resolve } from 'node:path';
import { packageVersion } from '../../trainers/version.ts';
import { UsageError } from '../errors.ts';
import { loadManifestFile } from '../manifest/load.ts';
import { DEFAULT_STORE_URI } from '../store/index.ts';
import { HELP_FLAG, JSON_FLAG, ONLY_FLAG, STORE_FLAGS, merged, openStoreFrom, stringValue } from './flags.ts';
import { parseOnly } from './selection.ts';
import { activeTrainerVersion } from '../runners/trainer.ts';
import { describeStoredRuns } from './stored-runs.ts';
import type { CommandSpec } from './types.ts';
import { evaluateStored } from './verify.ts';

export const REPORT_FILES = {
  markdown: 'report.md',
  html: 'report.html',
  csv: 'configurations.csv',
  verdicts: 'verdicts.json',
} as const;

export function machineDescription(): string {
  const cpu = cpus();
  return `${platform()} ${arch()}, ${cpu.length} × ${cpu[0]?.model.trim() || 'unknown CPU'}, Node ${process.version}`;
}

export const reportCommand: CommandSpec = {
  name: 'report',
  summary: 'write Markdown, HTML (with plots), CSV and JSON reports of the claims and runs',
  synopsis: 'report FILE --out DIR [--store URI] [--only FILTER] [--s3-endpoint URL] [--json]',
  flags: [
    { flag: '--out DIR', help: `folder to write ${Object.values(REPORT_FILES).join(', ')} into (created if needed)` },
    ...STORE_FLAGS.help,
    ONLY_FLAG.help,
    JSON_FLAG.help,
    HELP_FLAG.help,
  ],
  options: merged(STORE_FLAGS.options, ONLY_FLAG.options, JSON_FLAG.options, HELP_FLAG.options, { out: { type: 'string' } }),
  positionals: { min: 1, max: 1, name: 'FILE' },
  async run(args, ctx) {
    const out = stringValue(args, 'out');
    if (out === undefined || out === '') throw new UsageError('report: --out DIR is required');
    if (out.includes('\u0000')) throw new UsageError(`--out: ${JSON.stringify(out)} contains a NUL character`);
    const file = args.positionals[0]!;
    const loaded = await loadManifestFile(file);
    const onlyText = stringValue(args, 'only');
    const only = onlyText === undefined ? null : parseOnly(onlyText, loaded.axes);
    const { store, uri } = openStoreFrom(args, ctx.env);
    const v = await evaluateStored(loaded, only, store, activeTrainerVersion(ctx.env));
    const total = only === null ? loaded.runs.length : v.stored.records.length + v.stored.absent.length + v.stored.corrupt.length;
    for (const line of describeStoredRuns(v.stored, total)) ctx.log(line);

    const generatedBy = ['npx rigl-harness report', file, '--out', out, ...(uri === DEFAULT_STORE_URI ? [] : ['--store', uri]), ...(onlyText === undefined ? [] : ['--only', onlyText])].join(' ');
    const { renderReport } = await import('../report/index.ts');
    const rendered = renderReport({
      title: loaded.title,
      suiteFile: file,
      claims: loaded.claims,
      verdicts: v.verdicts,
      runs: v.stored.records,
      generatedBy,
      ...(loaded.document.kind === 'suite' && loaded.document.tolerancePolicy !== undefined ? { tolerancePolicy: loaded.document.tolerancePolicy } : {}),
      toolVersion: packageVersion(),
      machine: machineDescription(),
    });
    const dir = resolve(out);
    await mkdir(dir, { recursive: true });
    const written: string[] = [];
    for (const [kind, name] of Object.entries(REPORT_FILES) as [keyof typeof REPORT_FILES, string][]) {
      const text = kind === 'markdown' ? rendered.markdown : kind === 'html' ? rendered.html : kind === 'csv' ? rendered.csv : rendered.verdictsJson;
      const path = join(dir, name);
      await writeFile(path, text);
      written.push(path);
    }
    return {
      exitCode: v.exitCode,
      json: { command: 'report', file: loaded.file, store: store.uri, exitCode: v.exitCode, files: written, verdicts: v.verdicts },
      text: [`wrote ${written.join(', ')}`, `${v.verdicts.filter((x) => x.verdict === 'verified').length} verified, ${v.verdicts.filter((x) => x.verdict === 'failed').length} failed, ${v.verdicts.filter((x) => x.verdict === 'inconclusive').length} inconclusive`].join('\n'),
    };
  },
};
