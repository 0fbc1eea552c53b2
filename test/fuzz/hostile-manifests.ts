/**
 * Seeded hostile manifests for the fuzz test (issue #5 "Hostile input"): each is a valid run or
 * suite file with one defect, and names the JSON pointer (or the flag) a correct error message
 * must name. Every draw comes from trainers/random.ts keyed on (seed, case number), so case N is
 * the same manifest on every machine and a failure is reproduced by its number alone.
 *
 * Defects are chosen so that each one is invalid by the schema or the meaning checks, never a
 * matter of taste: a value of another JSON type, a required key removed, a count above 2^53 or a
 * fraction above its bound, numbers written as strings ("NaN"), nesting too deep (or nested values
 * where a scalar belongs), names with odd Unicode (bidi overrides, zero-width characters, lone
 * surrogates, NUL, homoglyphs), unknown keys with odd Unicode, duplicate keys, path traversal in
 * every path field (dataset fileName, axis paths, `set` paths), a document of the wrong type, and
 * hostile --store and --out values.
 */
import { datasetCatalogEntry } from '../../trainers/datasets/catalog.ts';
import { KeyedRandom } from '../../trainers/random.ts';
import { runFile, suiteFile } from '../../harness/manifest/test-fixtures.ts';

export interface HostileCase {
  /** The case number (its random key). */
  id: number;
  kind: string;
  /** What was done, for the failure report. */
  description: string;
  /** The manifest file's text. */
  text: string;
  command: 'validate' | 'plan' | 'report';
  /** Flags after FILE (`--store` etc. are added by the test). */
  args: string[];
  /**
   * What the message must name: a JSON pointer ('' = the document) or, for a flag, its name.
   * `alsoKey`: for a removed key, the parent's pointer with the key's name is enough.
   */
  names: { pointer: string; alsoKey?: string } | { flag: string };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A run file whose dataset lists its files (so fileName fields exist) and a suite with a custom axis. */
export function baseDocuments(): { run: Json; suite: Json } {
  const run = runFile() as unknown as { run: { dataset: Record<string, unknown> } };
  run.run.dataset = {
    name: 'fashion-mnist',
    files: datasetCatalogEntry('fashion-mnist').files.map((f) => ({ role: f.role, fileName: f.fileName, unpackedBytes: f.unpackedBytes, unpackedSha256: f.unpackedSha256 })),
  };
  const suite = suiteFile() as unknown as { axes?: unknown; grid: Record<string, unknown>[] };
  suite.axes = { lr: { path: 'training.learningRate.initial' } };
  for (const block of suite.grid) block.lr = [0.1];
  return { run: run as unknown as Json, suite: suite as unknown as Json };
}

function escapeSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Every [pointer, value] of a document, the document itself included. */
function walk(value: Json, pointer = ''): [string, Json][] {
  const out: [string, Json][] = [[pointer, value]];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...walk(v, `${pointer}/${i}`)));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...walk(v, `${pointer}/${escapeSegment(k)}`));
  return out;
}

function segments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(pointer: string): string {
  return pointer.slice(0, pointer.lastIndexOf('/'));
}

/** A copy with the value at `pointer` replaced (undefined: the key or element removed). */
function replaced(doc: Json, pointer: string, value: Json | undefined): Json {
  if (pointer === '') return value === undefined ? null : value;
  const copy = structuredClone(doc);
  const keys = segments(pointer);
  let node = copy as Record<string, Json> | Json[];
  for (const key of keys.slice(0, -1)) node = (node as Record<string, Json>)[key] as Record<string, Json>;
  const last = keys[keys.length - 1]!;
  if (Array.isArray(node)) {
    if (value === undefined) node.splice(Number(last), 1);
    else node[Number(last)] = value;
  } else if (value === undefined) delete node[last];
  else Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

function typeOf(value: Json): 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as 'boolean' | 'number' | 'string' | 'object';
}

/** Placeholder spliced into serialized text (for what JSON.stringify cannot write). */
const HOLE_TEXT = '@@hole-5e1f@@';
const HOLE = `"${HOLE_TEXT}"`;

/** Serialize, then put raw text where the placeholder string is. */
function withRawText(doc: Json, pointer: string, raw: string): string {
  const text = JSON.stringify(replaced(doc, pointer, HOLE_TEXT), null, 2);
  if (!text.includes(HOLE)) throw new Error(`no placeholder at ${pointer}`);
  return text.replace(HOLE, () => raw);
}

/**
 * Fields where a value of another type is still valid: selector and axis values take a string or a
 * number, and nullable fields take null. Type swaps there are left to other defects.
 */
function typeSwapIsInvalid(pointer: string, from: Json, to: Json): boolean {
  if (typeOf(from) === 'null') return false;
  const both = new Set([typeOf(from), typeOf(to)]);
  const stringOrNumber = both.has('string') && both.has('number') && both.size === 2;
  // Claim groups (/claims/i/group/axis) select runs by a string or number value.
  if (/\/(group|better|worse)\/[^/]+$/.test(pointer) && stringOrNumber) return false;
  // A suite grid value (/grid/b/axis/i) may be a string or a number; a number where a name is
  // expected or the reverse is caught at the run, not the grid, so both stay valid JSON-wise.
  if (/^\/grid\/\d+\/[^/]+\/\d+$/.test(pointer) && stringOrNumber) return false;
  return true;
}

const REPLACEMENTS: Json[] = ['x', 7, 2.5, true, false, null, [], {}, [1, 2], { a: 1 }, ''];

/** Integer counts of the base documents (and the suite's grid seeds) and bounded numbers. */
function numberKind(pointer: string): 'integer' | 'fraction' | 'positive' | 'other' {
  if (/\/(seed|epochs|batchSize|intervalSteps|unpackedBytes|hiddenSizes\/\d+|schemaVersion)$/.test(pointer) || /^\/grid\/\d+\/seed\/\d+$/.test(pointer)) return 'integer';
  if (/\/(target|fraction|initial|momentum|alpha)$/.test(pointer) && !pointer.includes('learningRate')) return 'fraction';
  if (/\/grid\/\d+\/sparsity\/\d+$/.test(pointer)) return 'fraction';
  if (/learningRate\/initial$|\/tolerance$/.test(pointer)) return 'positive';
  return 'other';
}

const HUGE_INTEGERS = ['1e300', '9007199254740993', '1e20', '18446744073709551616', '-1e300', '1e999', '-1e999'];
const HUGE_FRACTIONS = ['1e10', '1e300', '1.0000001e5', '-1e300', '1e999'];
const NON_FINITE = ['1e999', '-1e999', '-1e300'];
const NUMBER_STRINGS = ['"NaN"', '"Infinity"', '"-Infinity"', '"1e3"', '"0x10"', '" 5"', '"5 "', '"١٢"', '"½"', '"0.5"'];

/** Where a name (enum, tag or identifier) is expected. */
function isNameField(pointer: string, value: Json): boolean {
  if (typeof value !== 'string') return false;
  return /\/(kind|name|init|average)$/.test(pointer) || /^\/grid\/\d+\/distribution\/\d+$/.test(pointer);
}

const ODD: ((s: string) => string)[] = [
  (s) => `${s}\u202e`, // right-to-left override
  (s) => `\u200b${s}`, // zero-width space
  (s) => `${s}\u200d`, // zero-width joiner
  (s) => `${s.slice(0, 1)}\ud800${s.slice(1)}`, // lone surrogate
  (s) => `${s}\u0000`, // NUL
  (s) => s.replace(/[a-z]/, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)), // fullwidth letter
  (s) => {
    const t = s.replace('e', '\u0435').replace('a', '\u0430').replace('i', '\u0456').replace('o', '\u043e'); // Cyrillic homoglyphs
    return t === s ? `${s}\u0430` : t;
  },
  (s) => `${s}\u0301`, // combining acute accent
  (s) => s.toUpperCase(),
  (s) => `${s}\ufe0f`, // variation selector
  (s) => ` ${s}`,
  (s) => `${s}\n`,
];

const ODD_KEYS = ['\u202eevil', 'key\u0000', '\ud83d', '\u200b', 'ﬁle', '__proto__', 'constructor', '../x', '😀', 'é'];

const TRAVERSAL_FILE_NAMES = ['../x', '../../etc/passwd', '/etc/passwd', 'a/../../b', 'train/../../../x', '..', 'C:\\x', 'C:x', 'a\\..\\b', 'x\u0000y', '', '/', '//server/share'];
const BAD_DOTTED_PATHS = ['../x', '/etc/passwd', 'a..b', 'training..epochs', '.training', 'training.', '__proto__.polluted', 'constructor.prototype.x', 'training/epochs', 'a\u0000b', '', 'training.learningRate.initial\u202e'];
const BAD_STORES = [
  's3://bucket/../x',
  's3://bucket/a/../../b',
  's3://bucket//x',
  's3://bucket/a/./b',
  's3://bucket/a\\b',
  's3://../x',
  's3://B/x',
  's3://bucket/x\u0000',
  'a\u0000b',
  'file://remote-host/x',
  'ftp://host/x',
  '',
  '   ',
  'javascript://x',
];
const BAD_OUTS = ['', 'a\u0000b'];

export function hostileCase(seed: number, id: number): HostileCase {
  const random = new KeyedRandom('fuzz-manifests', seed, id);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random.nextFloat() * items.length)]!;
  const bases = baseDocuments();
  const isSuite = random.nextFloat() < 0.5;
  const doc = isSuite ? bases.suite : bases.run;
  const file = isSuite ? 'suite' : 'run';
  const command: 'validate' | 'plan' = random.nextFloat() < 0.5 ? 'validate' : 'plan';
  // In the suite, axis values overwrite these in every run (base values under an axis's path, and
  // `set.method` whose name the method axis's own value replaces): a defect there never reaches a
  // run, by design (docs/manifests.md "Axes and set").
  const nodes = walk(doc).filter(([p]) => p !== '' && !(isSuite && /^\/base\/(training\/learningRate\/initial|sparsity\/target|sparsity\/distribution\/kind)$|^\/grid\/\d+\/method\/\d+\/set\/method(\/name)?$/.test(p)));
  const make = (kind: string, description: string, text: string, names: HostileCase['names'], args: string[] = []): HostileCase => ({ id, kind, description: `${file} file: ${description}`, text, command, args, names });

  const kinds = ['wrong-type', 'missing-key', 'huge-number', 'number-string', 'deep-nesting', 'odd-unicode', 'odd-key', 'duplicate-key', 'path-traversal', 'document-type', 'hostile-flag'] as const;
  const kind = pick(kinds);
  switch (kind) {
    case 'wrong-type': {
      for (;;) {
        const [pointer, value] = pick(nodes);
        const to = pick(REPLACEMENTS);
        if (typeOf(to) === typeOf(value) || !typeSwapIsInvalid(pointer, value, to)) continue;
        return make(kind, `${pointer} = ${JSON.stringify(to)} (was ${typeOf(value)})`, JSON.stringify(replaced(doc, pointer, to), null, 2), { pointer });
      }
    }
    case 'missing-key': {
      const required = nodes.filter(([p]) => REQUIRED_KEYS.test(p.replace(/\/\d+(?=\/|$)/g, '/#')));
      const [pointer] = pick(required);
      const key = segments(pointer).pop()!;
      return make(kind, `${pointer} removed`, JSON.stringify(replaced(doc, pointer, undefined), null, 2), { pointer, alsoKey: key });
    }
    case 'huge-number': {
      const candidates = nodes.filter(([p, v]) => typeof v === 'number' && numberKind(p) !== 'other');
      const [pointer] = pick(candidates);
      const which = numberKind(pointer);
      const raw = pick(which === 'integer' ? HUGE_INTEGERS : which === 'fraction' ? HUGE_FRACTIONS : NON_FINITE);
      return make(kind, `${pointer} = ${raw}`, withRawText(doc, pointer, raw), { pointer });
    }
    case 'number-string': {
      const [pointer] = pick(nodes.filter(([p, v]) => typeof v === 'number' && !/\/(group|better|worse)\//.test(p) && !/^\/grid\/\d+\/seed\//.test(p) && !/^\/grid\/\d+\/(sparsity|lr)\//.test(p)));
      const raw = pick(NUMBER_STRINGS);
      return make(kind, `${pointer} = ${raw}`, withRawText(doc, pointer, raw), { pointer });
    }
    case 'deep-nesting': {
      const [pointer] = pick(nodes);
      const depth = pick([3, 10, 63, 65, 200, 5_000, 100_000]);
      const open = random.nextFloat() < 0.5 ? '[' : '{"a":';
      const raw = open === '[' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      return make(kind, `${pointer} = ${open === '[' ? 'arrays' : 'objects'} nested ${depth} deep`, withRawText(doc, pointer, raw), { pointer });
    }
    case 'odd-unicode': {
      const [pointer, value] = pick(nodes.filter(([p, v]) => isNameField(p, v)));
      const odd = pick(ODD)(value as string);
      return make(kind, `${pointer} = ${JSON.stringify(odd)}`, JSON.stringify(replaced(doc, pointer, odd), null, 2), { pointer });
    }
    case 'odd-key': {
      // Objects whose keys are fixed by the schema (not selectors, custom densities or `set`).
      const objects = nodes.filter(([p, v]) => typeOf(v) === 'object' && !/\/(group|better|worse|set|axes)$/.test(p) && !/^\/grid\/\d+$/.test(p));
      const [pointer] = pick(objects);
      const key = pick(ODD_KEYS);
      const child = `${pointer}/${escapeSegment(key)}`;
      return make(kind, `unknown key ${JSON.stringify(key)} in ${pointer}`, JSON.stringify(replaced(doc, child, 1), null, 2), { pointer: child });
    }
    case 'duplicate-key': {
      const objects = nodes.filter(([, v]) => typeOf(v) === 'object' && Object.keys(v as object).length > 0);
      const [pointer, value] = pick(objects);
      const key = pick(Object.keys(value as object));
      const entries = Object.entries(value as Record<string, Json>);
      const raw = `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}, ${JSON.stringify(key)}: ${JSON.stringify(pick(REPLACEMENTS))}}`;
      return make(kind, `key ${JSON.stringify(key)} twice in ${pointer}`, withRawText(doc, pointer, raw), { pointer: `${pointer}/${escapeSegment(key)}` });
    }
    case 'path-traversal': {
      if (!isSuite) {
        const [pointer] = pick(nodes.filter(([p]) => p.endsWith('/fileName')));
        const name = pick(TRAVERSAL_FILE_NAMES);
        return make(kind, `${pointer} = ${JSON.stringify(name)}`, JSON.stringify(replaced(doc, pointer, name), null, 2), { pointer });
      }
      const where = pick(['axis-path', 'set-key', 'set-file-name'] as const);
      if (where === 'axis-path') {
        const path = pick(BAD_DOTTED_PATHS);
        return make(kind, `/axes/lr/path = ${JSON.stringify(path)}`, JSON.stringify(replaced(doc, '/axes/lr/path', path), null, 2), { pointer: '/axes/lr/path' });
      }
      const setPointer = `/grid/1/method/${random.nextFloat() < 0.5 ? 0 : 1}/set`;
      if (where === 'set-key') {
        const path = pick(BAD_DOTTED_PATHS.filter((p) => p !== ''));
        const child = `${setPointer}/${escapeSegment(path)}`;
        return make(kind, `set path ${JSON.stringify(path)}`, JSON.stringify(replaced(doc, child, 1), null, 2), { pointer: child });
      }
      const name = pick(TRAVERSAL_FILE_NAMES);
      const files = [{ role: 'train-images', fileName: name, unpackedBytes: 1, unpackedSha256: 'unpinned' }];
      const child = `${setPointer}/dataset.files`;
      return make(kind, `set dataset.files[0].fileName = ${JSON.stringify(name)}`, JSON.stringify(replaced(doc, child, files as unknown as Json), null, 2), { pointer: child });
    }
    case 'document-type': {
      const value = pick<Json>([[], 7, 'run', null, true, [doc], { kind: 'run' }]);
      return make(kind, `the document is ${JSON.stringify(value).slice(0, 40)}`, JSON.stringify(value), { pointer: '' });
    }
    case 'hostile-flag': {
      if (random.nextFloat() < 0.2) {
        const out = pick(BAD_OUTS);
        return { id, kind, description: `${file} file: report --out ${JSON.stringify(out)}`, text: JSON.stringify(doc, null, 2), command: 'report', args: ['--out', out], names: { flag: '--out' } };
      }
      const store = pick(BAD_STORES);
      return { ...make(kind, `plan --store ${JSON.stringify(store)}`, JSON.stringify(doc, null, 2), { flag: '--store' }, ['--store', store]), command: 'plan' };
    }
  }
}

/**
 * Keys the schema requires in the base documents (array indices written '#'): removing one is
 * always an error. Optional keys (those with defaults) are not removed.
 */
const REQUIRED_KEYS = new RegExp(
  [
    '^/(kind|schemaVersion|title|claims)$',
    '^/run$',
    '^/run/(seed|dataset|model|method|sparsity|training)$',
    '^/(run|base)/dataset/name$',
    '^/run/dataset/files/#/(role|fileName|unpackedBytes|unpackedSha256)$',
    '^/(run|base)/model/(name|hiddenSizes|init)$',
    '^/run/method/(name|update)$',
    '^/run/method/update/(intervalSteps|end|dropFraction)$',
    '^/run/method/update/end/(kind|fraction)$',
    '^/run/method/update/dropFraction/(kind|initial)$',
    '^/run/sparsity/(target|distribution)$',
    '^/run/sparsity/distribution/kind$',
    '^/(run|base)/training/(epochs|batchSize|optimizer)$',
    '^/(run|base)/training/optimizer/kind$',
    '^/run/training/learningRate$',
    '^/run/training/learningRate/initial$',
    '^/(base|grid)$',
    '^/axes/lr/path$',
    '^/claims/#/(kind|id|description|source|metric|value|tolerance|average|group|better|worse|direction|alpha)$',
    '^/claims/#/source/(paper|table|row|column)$',
  ].join('|'),
);
