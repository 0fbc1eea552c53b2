/**
 * Choosing runs from the command line: `--only axis=value,...` (design.md: every pair must match;
 * numbers compare as numbers; a run without the axis does not match) and `--index N` (plan order,
 * defaulting to JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX).
 */
import { UsageError } from '../errors.ts';
import type { AxisDefinition, ExpandedRun, GroupSelector } from '../manifest/types.ts';
import { matchesSelector } from '../verify/groups.ts';

/** Parse "method=rigl,distribution=erk,sparsity=0.9" into a selector over the file's axes. */
export function parseOnly(text: string, axes: ReadonlyMap<string, AxisDefinition>): GroupSelector {
  const selector: GroupSelector = {};
  for (const part of text.split(',')) {
    const trimmed = part.trim();
    const eq = trimmed.indexOf('=');
    if (trimmed === '' || eq <= 0 || eq === trimmed.length - 1) {
      throw new UsageError(`--only: expected comma-separated axis=value pairs (e.g. method=rigl,sparsity=0.9), found ${JSON.stringify(part)} in ${JSON.stringify(text)}`);
    }
    const axis = trimmed.slice(0, eq).trim();
    const value = trimmed.slice(eq + 1).trim();
    if (!axes.has(axis)) throw new UsageError(`--only: unknown axis ${JSON.stringify(axis)}; this file's axes are ${[...axes.keys()].join(', ')}`);
    if (Object.hasOwn(selector, axis)) throw new UsageError(`--only: axis ${JSON.stringify(axis)} is given twice`);
    selector[axis] = value;
  }
  return selector;
}

export const INDEX_ENV_VARS = ['JOB_COMPLETION_INDEX', 'AWS_BATCH_JOB_ARRAY_INDEX'] as const;

/** --index, else the first index variable an engine set; null when neither is given. */
export function resolveIndex(flag: string | undefined, env: NodeJS.ProcessEnv): { index: number; source: string } | null {
  const candidates: [string, string | undefined][] = [['--index', flag], ...INDEX_ENV_VARS.map((name) => [name, env[name]] as [string, string | undefined])];
  for (const [source, raw] of candidates) {
    if (raw === undefined || raw === '') continue;
    if (!/^\d+$/.test(raw.trim())) throw new UsageError(`${source}: expected a run index (an integer ≥ 0), found ${JSON.stringify(raw)}`);
    return { index: Number(raw.trim()), source };
  }
  return null;
}

/**
 * The runs a command works on: all, those matching --only, or the one at --index (which must also
 * match --only when both are given).
 */
export function selectRuns(
  runs: readonly ExpandedRun[],
  options: { only: GroupSelector | null; index: { index: number; source: string } | null; onlyText?: string },
): ExpandedRun[] {
  let selected = [...runs];
  if (options.index !== null) {
    const { index, source } = options.index;
    const run = runs[index];
    if (run === undefined) throw new UsageError(`${source}: run index ${index} is out of range; this file expands to ${runs.length} run${runs.length === 1 ? '' : 's'} (0 to ${runs.length - 1})`);
    selected = [run];
  }
  if (options.only !== null) {
    const only = options.only;
    selected = selected.filter((run) => matchesSelector(run.axes, only));
    if (selected.length === 0) {
      throw new UsageError(
        options.index !== null
          ? `run ${options.index.index} does not match --only ${options.onlyText ?? ''}`
          : `--only ${options.onlyText ?? ''} matches none of the ${runs.length} runs`,
      );
    }
  }
  return selected;
}
