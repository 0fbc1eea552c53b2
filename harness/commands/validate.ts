/**
 * `validate FILE...`: schema and meaning of each manifest; every problem with file, JSON pointer,
 * line:column, what was expected and what was found. Exit 0 when all are valid, else 2.
 */
import { ManifestError, formatManifestIssue, type ManifestIssue } from '../errors.ts';
import { loadManifestFile } from '../manifest/load.ts';
import { HELP_FLAG, JSON_FLAG, merged } from './flags.ts';
import type { CommandSpec } from './types.ts';

interface FileResult {
  file: string;
  valid: boolean;
  kind: 'run' | 'suite' | null;
  runs: number | null;
  claims: number | null;
  issues: ManifestIssue[];
}

export const validateCommand: CommandSpec = {
  name: 'validate',
  summary: 'check manifests against the schema and their meaning',
  synopsis: 'validate FILE... [--json]',
  flags: [JSON_FLAG.help, HELP_FLAG.help],
  options: merged(JSON_FLAG.options, HELP_FLAG.options),
  positionals: { min: 1, max: Infinity, name: 'FILE' },
  async run(args) {
    const results: FileResult[] = [];
    for (const file of args.positionals) {
      try {
        const loaded = await loadManifestFile(file);
        results.push({ file, valid: true, kind: loaded.kind, runs: loaded.runs.length, claims: loaded.claims.length, issues: [] });
      } catch (error) {
        if (!(error instanceof ManifestError)) throw error;
        results.push({ file, valid: false, kind: null, runs: null, claims: null, issues: [...error.issues] });
      }
    }
    const lines: string[] = [];
    for (const r of results) {
      if (r.valid) lines.push(`${r.file}: valid ${r.kind} manifest, ${r.runs} run${r.runs === 1 ? '' : 's'}, ${r.claims} claim${r.claims === 1 ? '' : 's'}`);
      else {
        lines.push(`${r.file}: ${r.issues.length} problem${r.issues.length === 1 ? '' : 's'}`);
        for (const issue of r.issues) lines.push(`  ${formatManifestIssue(issue)}`);
      }
    }
    const ok = results.every((r) => r.valid);
    return { exitCode: ok ? 0 : 2, json: { command: 'validate', valid: ok, files: results }, text: lines.join('\n') };
  },
};
