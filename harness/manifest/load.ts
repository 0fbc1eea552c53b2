/**
 * Loading a manifest file: read, parse (syntax errors with line and column), check the schema and
 * the meaning, expand a suite, resolve defaults once, hash (design.md "Manifests"). Every problem
 * is collected and thrown together as one ManifestError (exit 2), each with file, JSON pointer,
 * line and column, what was expected and what was found.
 */
import { readFile } from 'node:fs/promises';
import { ManifestError, type ManifestIssue } from '../errors.ts';
import { matchesSelector } from '../verify/groups.ts';
import { claimProblems } from '../verify/claim-problems.ts';
import { allAxes, axisValuesOf } from './axes.ts';
import { manifestIdentity } from './canonical.ts';
import { resolveRunManifest } from './defaults.ts';
import { expandSuite, type ExpansionIssue } from './expand.ts';
import { JsonSyntaxError, parseJsonWithPositions, type SourcePosition } from './json-source.ts';
import { runMeaningIssues } from './meaning.ts';
import { describeValue, issuesFromAjvErrors, type RawIssue } from './schema-messages.ts';
import type { AxisDefinition, Claim, ExpandedRun, GroupSelector, ManifestFile, RunManifestInput } from './types.ts';
import { validators } from './validators.ts';

export interface LoadedManifest {
  /** The path as given. */
  file: string;
  kind: ManifestFile['kind'];
  title: string;
  document: ManifestFile;
  /** Every run, in plan order. */
  runs: ExpandedRun[];
  claims: Claim[];
  /** Axis name → manifest path (standard axes first, then the suite's). */
  axes: Map<string, AxisDefinition>;
}

class IssueCollector {
  private readonly byKey = new Map<string, { issue: ManifestIssue; more: number }>();
  constructor(
    private readonly file: string,
    private readonly positions: Map<string, SourcePosition>,
  ) {}

  /**
   * Every issue once, in document order: the same problem in several expanded runs names the first
   * and counts the rest.
   */
  get issues(): ManifestIssue[] {
    return [...this.byKey.values()]
      .map(({ issue, more }) => (more === 0 || issue.context === undefined ? issue : { ...issue, context: `${issue.context}, and ${more} more run${more === 1 ? '' : 's'}` }))
      .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  }

  add(issue: RawIssue & { context?: string }): void {
    const key = `${issue.pointer}\u0000${issue.expected}\u0000${issue.found}`;
    const seen = this.byKey.get(key);
    if (seen !== undefined) {
      seen.more++;
      return;
    }
    const position = this.positionOf(issue.pointer);
    const out: ManifestIssue = { file: this.file, pointer: issue.pointer, line: position?.line ?? null, column: position?.column ?? null, expected: issue.expected, found: issue.found };
    if (issue.context !== undefined) out.context = issue.context;
    this.byKey.set(key, { issue: out, more: 0 });
  }

  /** The position of the pointer's value, or of its nearest ancestor that exists in the file. */
  private positionOf(pointer: string): SourcePosition | undefined {
    let p = pointer;
    for (;;) {
      const found = this.positions.get(p);
      if (found !== undefined) return found;
      if (p === '') return undefined;
      p = p.slice(0, p.lastIndexOf('/'));
    }
  }
}

/** Read and load a manifest file (run or suite). Throws ManifestError with every issue. */
export async function loadManifestFile(file: string): Promise<LoadedManifest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new ManifestError([{ file, pointer: '', line: null, column: null, expected: 'a readable manifest file', found: `${code}: ${(error as Error).message}` }], { cause: error });
  }
  return loadManifestText(file, text);
}

/** Load a manifest from its text (`file` names it in messages). */
export function loadManifestText(file: string, text: string): LoadedManifest {
  let parsed: ReturnType<typeof parseJsonWithPositions>;
  try {
    parsed = parseJsonWithPositions(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) {
      throw new ManifestError([{ file, pointer: error.pointer, line: error.position.line, column: error.position.column, expected: `valid JSON: ${error.expected}`, found: error.found }]);
    }
    throw error;
  }
  const collector = new IssueCollector(file, parsed.positions);
  const validateFile = validators().file;
  if (!validateFile(parsed.value)) {
    for (const issue of issuesFromAjvErrors(validateFile.errors ?? [])) collector.add(issue);
    throw new ManifestError(collector.issues);
  }
  const document = parsed.value;
  const axes = allAxes(document.kind === 'suite' ? document.axes : undefined);

  const runs: ExpandedRun[] = [];
  const addRun = (input: RunManifestInput, locate: (p: string) => string, context: string | undefined): void => {
    let manifest;
    try {
      manifest = resolveRunManifest(input);
    } catch (error) {
      collector.add({ pointer: locate('/dataset/name'), expected: 'a dataset the catalogue knows', found: (error as Error).message, ...(context === undefined ? {} : { context }) });
      return;
    }
    const meaning = runMeaningIssues(manifest);
    for (const issue of meaning) collector.add({ ...issue, pointer: locate(issue.pointer), ...(context === undefined ? {} : { context }) });
    if (meaning.length > 0) return;
    const { manifestSha256, runId } = manifestIdentity(manifest);
    runs.push({ index: runs.length, axes: axisValuesOf(manifest, axes), manifest, manifestSha256, runId });
  };

  if (document.kind === 'run') {
    addRun(document.run, (p) => `/run${p}`, undefined);
  } else {
    const expansion = expandSuite(document);
    const located: ExpansionIssue[] = expansion.issues;
    for (const issue of located) collector.add(issue);
    const firstLabelById = new Map<string, string>();
    for (const expanded of expansion.runs) {
      const before = runs.length;
      addRun(expanded.input, expanded.locate, expanded.label);
      const added = runs[before];
      if (added === undefined) continue;
      const earlier = firstLabelById.get(added.runId);
      if (earlier !== undefined) {
        collector.add({ pointer: `/grid/${expanded.block}`, expected: 'every expanded run to be distinct', found: `a run identical to the one from ${earlier} (run id ${added.runId})`, context: expanded.label });
        runs.pop();
      } else {
        firstLabelById.set(added.runId, expanded.label);
      }
    }
  }

  // Whether a group selects a run is only known when every run expanded.
  const runsComplete = collector.issues.length === 0;
  checkClaims(document.claims, runsComplete ? runs : null, axes, collector);
  if (collector.issues.length > 0) throw new ManifestError(collector.issues);
  return { file, kind: document.kind, title: document.title, document, runs, claims: document.claims, axes };
}

function checkClaims(claims: Claim[], runs: ExpandedRun[] | null, axes: Map<string, AxisDefinition>, collector: IssueCollector): void {
  const ids = new Map<string, string>();
  const visit = (claim: Claim, pointer: string): void => {
    const first = ids.get(claim.id);
    if (first !== undefined) collector.add({ pointer: `${pointer}/id`, expected: 'a claim id not used elsewhere in the file', found: `${describeValue(claim.id)}, also the id of ${first}` });
    else ids.set(claim.id, pointer);
    for (const problem of claimProblems(claim)) {
      // claimProblems says "expected X, got Y"; split it into the two halves of an issue.
      const match = /^expected (.*), got (.*)$/s.exec(problem.message);
      collector.add({ pointer: `${pointer}${problem.pointer}`, expected: match?.[1] ?? problem.message, found: match?.[2] ?? '(see expected)' });
    }
    const selectors: [string, GroupSelector][] =
      claim.kind === 'order' ? [['better', claim.better], ['worse', claim.worse]] : claim.kind === 'all' ? [] : [['group', claim.group]];
    for (const [key, selector] of selectors) checkSelector(selector, `${pointer}/${key}`, runs, axes, collector);
    if (claim.kind === 'all') claim.claims.forEach((sub, i) => visit(sub, `${pointer}/claims/${i}`));
  };
  claims.forEach((claim, i) => visit(claim, `/claims/${i}`));
}

function checkSelector(selector: GroupSelector, pointer: string, runs: ExpandedRun[] | null, axes: Map<string, AxisDefinition>, collector: IssueCollector): void {
  let ok = true;
  for (const name of Object.keys(selector)) {
    if (!axes.has(name)) {
      collector.add({ pointer: `${pointer}/${name}`, expected: `a known axis (${[...axes.keys()].join(', ')})`, found: `axis ${describeValue(name)}` });
      ok = false;
    }
  }
  if (!ok || runs === null || runs.length === 0) return;
  if (!runs.some((run) => matchesSelector(run.axes, selector))) {
    collector.add({
      pointer,
      expected: 'a group that selects at least one run',
      found: `no run with ${Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(', ') || '(any axes)'} among ${runs.length} run${runs.length === 1 ? '' : 's'}`,
    });
  }
}
