/**
 * Suite expansion (design.md "Manifests"): the grid is a union of blocks, each the product of its
 * axes. Order is deterministic and stable: blocks in file order; within a block, the first axis
 * varies slowest and the last fastest (the order of the block's keys as written). Each run starts
 * from `base`; for each axis in order its value's `set` applies, then the value at the axis path
 * (types.ts AxisValue). The result must be a complete RunManifestInput.
 *
 * Problems are reported against the file: a pointer into an expanded run is traced back to the
 * `base` or `set` entry that put the value there.
 */
import type { RawIssue } from './schema-messages.ts';
import { describeValue, issuesFromAjvErrors } from './schema-messages.ts';
import { escapePointerSegment } from './json-source.ts';
import { getAtPath, isPlainObject, pathToPointer, setAtPath, type JsonObject } from './paths.ts';
import { STANDARD_AXES } from './axes.ts';
import type { AxisDefinition, AxisValue, RunManifestInput, SuiteFile } from './types.ts';
import { MANIFEST_PATH_PATTERN } from './schema.ts';
import { validators } from './validators.ts';

const PATH_PATTERN = new RegExp(MANIFEST_PATH_PATTERN);

/** A problem located in the file, with the run it showed in. */
export interface ExpansionIssue extends RawIssue {
  context?: string;
}

export interface ExpandedInput {
  /** 0-based block index and the axis values the block set, in block order. */
  block: number;
  blockAxes: Record<string, string | number>;
  input: RunManifestInput;
  /** Maps a pointer into `input` to the file pointer that supplied it. */
  locate: (runPointer: string) => string;
  /** "grid block 0: method=rigl, seed=1", for messages. */
  label: string;
}

function scalarOf(value: AxisValue): string | number {
  return typeof value === 'object' ? value.value : value;
}

/** Longest-prefix lookup of the origin of a pointer into an expanded run. */
class Origins {
  private readonly map = new Map<string, string>([['', '/base']]);

  record(runPointer: string, filePointer: string): void {
    for (const key of [...this.map.keys()]) if (key.startsWith(`${runPointer}/`)) this.map.delete(key);
    this.map.set(runPointer, filePointer);
  }

  locate(runPointer: string): string {
    let prefix = runPointer;
    for (;;) {
      const origin = this.map.get(prefix);
      if (origin !== undefined) return origin + runPointer.slice(prefix.length);
      const cut = prefix.lastIndexOf('/');
      if (cut < 0) return `/base${runPointer}`;
      prefix = prefix.slice(0, cut);
    }
  }

  snapshot(): (runPointer: string) => string {
    const copy = new Origins();
    for (const [k, v] of this.map) copy.map.set(k, v);
    return (p) => copy.locate(p);
  }
}

/**
 * Expand a schema-valid suite into complete, schema-valid run inputs, or report every problem.
 * Issues about the grid itself (unknown axes, bad `set` paths) carry file pointers; issues of an
 * expanded run are traced back through `locate`.
 */
export function expandSuite(suite: SuiteFile): { runs: ExpandedInput[]; issues: ExpansionIssue[] } {
  const issues: ExpansionIssue[] = [];
  const axes = new Map<string, AxisDefinition>(Object.entries(STANDARD_AXES));
  for (const [name, definition] of Object.entries(suite.axes ?? {})) {
    if (Object.hasOwn(STANDARD_AXES, name)) {
      issues.push({ pointer: `/axes/${escapePointerSegment(name)}`, expected: `a new axis name (${name} is a standard axis with path ${STANDARD_AXES[name]!.path})`, found: describeValue(name) });
    } else {
      axes.set(name, definition);
    }
  }
  const runs: ExpandedInput[] = [];
  suite.grid.forEach((block, blockIndex) => {
    const axisNames = Object.keys(block);
    const blockPointer = `/grid/${blockIndex}`;
    let blockOk = true;
    for (const name of axisNames) {
      if (!axes.has(name)) {
        issues.push({ pointer: `${blockPointer}/${escapePointerSegment(name)}`, expected: `a known axis (${[...axes.keys()].join(', ')}; define others under "axes")`, found: `axis ${describeValue(name)}` });
        blockOk = false;
      }
      (block[name] ?? []).forEach((value, valueIndex) => {
        if (typeof value !== 'object') return;
        for (const path of Object.keys(value.set)) {
          if (!PATH_PATTERN.test(path)) {
            issues.push({ pointer: `${blockPointer}/${escapePointerSegment(name)}/${valueIndex}/set/${escapePointerSegment(path)}`, expected: 'a dotted manifest path starting with seed, dataset, model, method, sparsity, training or backend, such as "sparsity" or "method.update.intervalSteps"', found: describeValue(path) });
            blockOk = false;
          }
        }
      });
    }
    if (!blockOk) return;
    for (const combination of product(axisNames.map((name) => block[name]!.length))) {
      const expanded = expandOne(suite, blockIndex, axisNames, combination, axes);
      if ('issues' in expanded) issues.push(...expanded.issues);
      else runs.push(expanded.run);
    }
  });
  return { runs, issues };
}

/** Index tuples of the product of `sizes`, the last position varying fastest. */
function* product(sizes: number[]): Generator<number[]> {
  if (sizes.some((n) => n === 0)) return;
  const current = sizes.map(() => 0);
  for (;;) {
    yield [...current];
    let position = sizes.length - 1;
    while (position >= 0) {
      current[position]!++;
      if (current[position]! < sizes[position]!) break;
      current[position] = 0;
      position--;
    }
    if (position < 0) return;
  }
}

function expandOne(
  suite: SuiteFile,
  blockIndex: number,
  axisNames: string[],
  combination: number[],
  axes: Map<string, AxisDefinition>,
): { run: ExpandedInput } | { issues: ExpansionIssue[] } {
  const block = suite.grid[blockIndex]!;
  const blockAxes: Record<string, string | number> = {};
  axisNames.forEach((name, i) => {
    blockAxes[name] = scalarOf(block[name]![combination[i]!]!);
  });
  const label = `grid block ${blockIndex}: ${Object.entries(blockAxes).map(([k, v]) => `${k}=${v}`).join(', ')}`;
  const issues: ExpansionIssue[] = [];
  const origins = new Origins();
  let run: JsonObject = structuredClone(suite.base) as JsonObject;

  const apply = (path: string, value: unknown, filePointer: string): void => {
    const next = setAtPath(run, path, value);
    if (next === null) {
      issues.push({ pointer: filePointer, expected: `a path whose parents are objects`, found: `a non-object on the way to ${path}`, context: label });
      return;
    }
    run = next;
    origins.record(pathToPointer(path), filePointer);
  };

  axisNames.forEach((name, i) => {
    const value = block[name]![combination[i]!]!;
    const valuePointer = `/grid/${blockIndex}/${escapePointerSegment(name)}/${combination[i]}`;
    if (typeof value === 'object') {
      for (const [path, setValue] of Object.entries(value.set)) apply(path, setValue, `${valuePointer}/set/${escapePointerSegment(path)}`);
      apply(axes.get(name)!.path, value.value, `${valuePointer}/value`);
    } else {
      apply(axes.get(name)!.path, value, valuePointer);
    }
  });
  // Each axis value must survive the axes applied after it.
  axisNames.forEach((name, i) => {
    const wanted = blockAxes[name]!;
    const actual = getAtPath(run, axes.get(name)!.path);
    if (actual !== wanted) {
      issues.push({
        pointer: `/grid/${blockIndex}/${escapePointerSegment(name)}/${combination[i]}`,
        expected: `axis "${name}" to keep its value ${describeValue(wanted)} (a later axis's "set" must not overwrite ${axes.get(name)!.path})`,
        found: describeValue(actual),
        context: label,
      });
    }
  });
  if (issues.length > 0) return { issues };

  const validate = validators().run;
  if (!validate(run)) {
    const locate = origins.snapshot();
    return {
      issues: issuesFromAjvErrors(validate.errors ?? []).map((issue) => ({ ...issue, pointer: locate(issue.pointer), context: label })),
    };
  }
  if (!isPlainObject(run)) throw new TypeError('expanded run is not an object');
  return { run: { block: blockIndex, blockAxes, input: run as RunManifestInput, locate: origins.snapshot(), label } };
}
