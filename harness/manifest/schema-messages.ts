/**
 * Turns ajv errors into manifest issues ("expected ..., found ..."), one keyword at a time
 * (house-style.md, after ajv's own advice). Errors inside a failed `oneOf`/`anyOf` are reduced to
 * the branch whose type matches the data, or to one "expected one of ..." issue.
 */
import type { ErrorObject } from 'ajv';
import { AXIS_NAME_PATTERN, DATASET_SHA256_PATTERN, MANIFEST_PATH_PATTERN } from './schema.ts';

/** Where an issue goes: the validator reports pointers into the data it checked. */
export interface RawIssue {
  pointer: string;
  expected: string;
  found: string;
}

const PATTERN_NAMES: Record<string, string> = {
  [DATASET_SHA256_PATTERN]: 'a sha256 (64 lowercase hex digits) or "unpinned"',
  [AXIS_NAME_PATTERN]: 'a name that starts with a letter, then letters, digits, "_" or "-"',
  [MANIFEST_PATH_PATTERN]: 'a dotted manifest path starting with seed, dataset, model, method, sparsity, training or backend, such as "training.learningRate.initial"',
};

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const quoted = JSON.stringify(value);
    return quoted.length > 62 ? `${quoted.slice(0, 59)}..."` : quoted;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    return keys.length === 0 ? 'an empty object' : `an object with ${keys.slice(0, 6).map((k) => JSON.stringify(k)).join(', ')}${keys.length > 6 ? ', ...' : ''}`;
  }
  return typeof value;
}

function listValues(values: readonly unknown[]): string {
  const shown = values.map((v) => JSON.stringify(v));
  if (shown.length <= 1) return shown.join('');
  return `one of ${shown.join(', ')}`;
}

function typeName(type: unknown): string {
  const names: Record<string, string> = {
    object: 'an object',
    array: 'an array',
    string: 'a string',
    number: 'a number',
    integer: 'an integer',
    boolean: 'true or false',
    null: 'null',
  };
  if (Array.isArray(type)) return type.map(typeName).join(' or ');
  return names[String(type)] ?? String(type);
}

/** What one branch of a oneOf/anyOf accepts, in a few words. */
function describeBranch(schema: unknown): string {
  if (schema === null || typeof schema !== 'object') return 'a value';
  const s = schema as Record<string, unknown>;
  if (s.type === 'object' && s.properties && typeof s.properties === 'object') {
    const required = Array.isArray(s.required) ? (s.required as string[]) : [];
    return required.length > 0 ? `an object with ${required.map((k) => JSON.stringify(k)).join(', ')}` : 'an object';
  }
  return typeName(s.type);
}

function joinAlternatives(parts: string[]): string {
  const unique = [...new Set(parts)];
  if (unique.length <= 1) return unique.join('');
  return `${unique.slice(0, -1).join(', ')} or ${unique[unique.length - 1]}`;
}

function comparisonWords(comparison: string): string {
  return ({ '>=': '≥', '<=': '≤', '>': '>', '<': '<' } as Record<string, string>)[comparison] ?? comparison;
}

function messageFor(error: ErrorObject): RawIssue | null {
  const p = error.params as Record<string, unknown>;
  const pointer = error.instancePath;
  switch (error.keyword) {
    case 'required':
      return { pointer, expected: `required property ${JSON.stringify(p.missingProperty)}`, found: `no ${JSON.stringify(p.missingProperty)}` };
    case 'additionalProperties': {
      const known = Object.keys(((error.parentSchema ?? {}) as { properties?: object }).properties ?? {});
      return {
        pointer: `${pointer}/${String(p.additionalProperty).replace(/~/g, '~0').replace(/\//g, '~1')}`,
        expected: known.length > 0 ? `one of the properties ${known.join(', ')}` : 'no such property',
        found: `unknown property ${JSON.stringify(p.additionalProperty)}`,
      };
    }
    case 'type':
      return { pointer, expected: typeName(p.type), found: describeValue(error.data) };
    case 'enum':
      return { pointer, expected: listValues(p.allowedValues as unknown[]), found: describeValue(error.data) };
    case 'const':
      return { pointer, expected: JSON.stringify(p.allowedValue), found: describeValue(error.data) };
    case 'discriminator': {
      const tag = String(p.tag);
      if (p.error === 'mapping') {
        const branches = (((error.parentSchema ?? {}) as { oneOf?: { properties?: Record<string, { const?: unknown; enum?: unknown[] }> }[] }).oneOf ?? []);
        const known = branches.flatMap((b) => {
          const tagSchema = b.properties?.[tag];
          return tagSchema?.const !== undefined ? [tagSchema.const] : (tagSchema?.enum ?? []);
        });
        return { pointer: `${pointer}/${tag}`, expected: `a known ${tag}: ${known.map(String).join(', ')}`, found: `unknown ${tag} ${describeValue(p.tagValue)}` };
      }
      return { pointer: `${pointer}/${tag}`, expected: `a string ${JSON.stringify(tag)} naming the variant`, found: describeValue(error.data === null || typeof error.data !== 'object' ? undefined : (error.data as Record<string, unknown>)[tag]) };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { pointer, expected: `a number ${comparisonWords(String(p.comparison))} ${String(p.limit)}`, found: describeValue(error.data) };
    case 'minItems':
      return { pointer, expected: `at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`, found: describeValue(error.data) };
    case 'maxItems':
      return { pointer, expected: `at most ${String(p.limit)} items`, found: describeValue(error.data) };
    case 'minLength':
      return { pointer, expected: p.limit === 1 ? 'a non-empty string' : `a string of at least ${String(p.limit)} characters`, found: describeValue(error.data) };
    case 'minProperties':
      return { pointer, expected: `at least ${String(p.limit)} propert${p.limit === 1 ? 'y' : 'ies'}`, found: describeValue(error.data) };
    case 'uniqueItems':
      return { pointer, expected: 'no duplicate items', found: `items ${String(p.j)} and ${String(p.i)} are equal` };
    case 'pattern': {
      const expected = PATTERN_NAMES[String(p.pattern)] ?? `a string matching /${String(p.pattern)}/`;
      if (error.propertyName !== undefined) {
        return { pointer: `${pointer}/${error.propertyName.replace(/~/g, '~0').replace(/\//g, '~1')}`, expected: `a key that is ${expected}`, found: `key ${JSON.stringify(error.propertyName)}` };
      }
      return { pointer, expected, found: describeValue(error.data) };
    }
    case 'propertyNames':
      return null; // reported by the inner error, which names the key
    case 'oneOf':
    case 'anyOf': {
      const branches = Array.isArray(error.schema) ? (error.schema as unknown[]) : [];
      if (error.keyword === 'oneOf' && Array.isArray(p.passingSchemas)) {
        return { pointer, expected: `exactly one of: ${joinAlternatives(branches.map(describeBranch))}`, found: `${describeValue(error.data)}, which matches several` };
      }
      return { pointer, expected: joinAlternatives(branches.map(describeBranch)), found: describeValue(error.data) };
    }
    default:
      return { pointer, expected: `a value that satisfies "${error.keyword}" (${error.message ?? ''})`, found: describeValue(error.data) };
  }
}

/**
 * ajv errors (compiled with `allErrors` and `verbose`) → issues, with the errors of failed
 * oneOf/anyOf branches reduced as described above, in document order of appearance.
 */
export function issuesFromAjvErrors(errors: readonly ErrorObject[]): RawIssue[] {
  const dropped = new Set<ErrorObject>();
  const unions = errors
    .filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf')
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const union of unions) {
    if (dropped.has(union)) continue;
    const prefix = `${union.schemaPath}/`;
    const byBranch = new Map<number, ErrorObject[]>();
    for (const e of errors) {
      if (e === union || !e.schemaPath.startsWith(prefix)) continue;
      const branch = Number(e.schemaPath.slice(prefix.length).split('/')[0]);
      if (!byBranch.has(branch)) byBranch.set(branch, []);
      byBranch.get(branch)!.push(e);
    }
    const candidates = [...byBranch.entries()].filter(
      ([, errs]) => !errs.some((e) => e.keyword === 'type' && e.instancePath === union.instancePath),
    );
    if (candidates.length === 1 && byBranch.size > 0) {
      // The data has the shape of exactly one branch: report what is wrong inside it.
      dropped.add(union);
      for (const [branch, errs] of byBranch) if (branch !== candidates[0]![0]) for (const e of errs) dropped.add(e);
    } else {
      for (const errs of byBranch.values()) for (const e of errs) dropped.add(e);
    }
  }
  const out: RawIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (dropped.has(error)) continue;
    const issue = messageFor(error);
    if (issue === null) continue;
    const key = `${issue.pointer}\u0000${issue.expected}\u0000${issue.found}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(issue);
  }
  return out;
}
